/**
 * The migration provider of sdk_examples (namespace sdk-examples): `metatables migrations` finds it here.
 * Its revisions live in ./versions/sdk_examples/; after each upgrade it seeds the example accounts.
 */
import { buildMigrationProvider } from "../src/index.ts"
import { tables, versionRegistry } from "./registry.ts"
import { seedExampleAccounts } from "./seed.ts"

export const migration = buildMigrationProvider({
  package: "sdk_examples",
  migrationNamespace: "sdk-examples",
  scriptLocation: import.meta.dirname,
  versionRegistry,
  tables,
  afterRegisterMetaTables: seedExampleAccounts
})
