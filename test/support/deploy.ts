/**
 * Deploys storage tables as an upgrade would, without revision files: catalog rows reserved for a test
 * provider, the physical tables created from the models, the rows finalized to active.
 */
import { varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import {
  type AnyStorageTable,
  Catalog,
  PlatformManagedMetaTable,
  providerIdentity,
  SqlCatalog,
  tableContract
} from "../../src/index.ts"
import { modelContractHash } from "../../src/catalog/SqlCatalog.ts"
import { createPhysicalTables } from "./ddl.ts"
import { grantRunRole } from "../../src/catalog/ProviderRoles.ts"
import { Database } from "../../src/db/Database.ts"

class TestVersions extends PlatformManagedMetaTable<TestVersions>()({
  name: "tests__alembic_version",
  namespace: "tests",
  identifier: "tests.alembic_version",
  description: "Migration versions of the test provider.",
  columns: { versionNum: varchar("version_num", { length: 32 }).primaryKey() },
  columnInfo: { versionNum: { label: "Version", description: "A revision id." } }
}) {}

export const testProvider = providerIdentity("tests", "engine")

/** Reserves `tables` for the test provider (creating nothing physical). */
export const reserveTables = (tables: ReadonlyArray<AnyStorageTable>) =>
  Effect.gen(function*() {
    const catalog = yield* Catalog
    const registry = yield* catalog.ensureVersionRegistry(testProvider, TestVersions)
    return yield* catalog.reserve({ provider: testProvider, versionRegistryUid: registry.uid, tables })
  }).pipe(Effect.provide(SqlCatalog.layer()))

/** Reserves, creates and finalizes `tables`: afterwards they are active, as after `migrations upgrade`. */
export const deployTables = (tables: ReadonlyArray<AnyStorageTable>) =>
  Effect.gen(function*() {
    const catalog = yield* Catalog
    const rows = yield* reserveTables(tables)
    yield* createPhysicalTables(tables)
    const report = yield* catalog.finalize({
      provider: testProvider,
      revision: "0001",
      tables: rows.map((row, index) => ({
        uid: row.uid,
        expectation: {
          _tag: "Present" as const,
          contract: tableContract(tables[index]!),
          contractHash: modelContractHash(tables[index]!)
        }
      }))
    })
    if (!report.ok) return yield* Effect.die(new Error(`deployTables: ${JSON.stringify(report.tables)}`))
    // On a server, runs write as the provider's run role: an upgrade makes it (issuing a credential) and grants
    // it the rows; here the tables are made by the test's user, who grants them the same way.
    const database = yield* Database
    if (database.backend === "postgres") {
      const credential = yield* catalog.migrationCredential(testProvider)
      yield* catalog.revokeCredential(credential)
      if (credential._tag === "ServerCredential") {
        yield* grantRunRole(
          credential.runRole,
          tables.map((table) => ({ schema: table.metadata.schema, table: table.metadata.tableName })),
          [{ schema: TestVersions.metadata.schema, table: TestVersions.metadata.tableName }]
        )
      }
    }
    return rows
  }).pipe(Effect.provide(SqlCatalog.layer()))
