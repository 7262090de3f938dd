/**
 * The models of the sdk_examples migration provider: its version table and the exact, ordered list of
 * storage tables it migrates. Tables imported elsewhere but not listed here are not its business.
 */
import { buildMetaTableModelRegistry, buildVersionMetaTable } from "../src/index.ts"
import { exampleTables as models } from "../storage/index.ts"

export const versionRegistry = buildVersionMetaTable({
  namespace: "sdk-examples",
  identifier: "sdk_examples.alembic_version",
  tableName: "sdk_examples__alembic_version"
})

export const tables = buildMetaTableModelRegistry(models)
