/**
 * Issue 12's "done when", first half, on both backends: a model set using every drizzle pg-core feature a user
 * would reach for (`FidelityModels`) deploys through `revision` + `upgrade` (every table finalized active,
 * `check` clean), and the live schema, read by introspection, is what drizzle-kit's own `pushSchema` makes of
 * the same drizzle tables in another database, names of constraints and indexes aside.
 *
 * drizzle-kit writes a `"` in a name unescaped, so its database is pushed with those names spelled without
 * the quote and renamed to the real ones afterwards (by hand, quoted properly): the rename changes names only.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import {
  buildMigrationProvider,
  buildVersionMetaTable,
  Catalog,
  checkMigrations,
  createRevision,
  loadRevisions,
  migrateProvider,
  versionTableOf
} from "../../src/index.ts"
import { namelessShape } from "../support/namelessShape.ts"
import { scratchDirectory } from "../support/revisions.ts"
import { backendLayer, describeBackends, resetDatabase } from "../support/TestDatabase.ts"
import { fidelityDomains, fidelityModels, pushWithDrizzleKit } from "./FidelityModels.ts"

const versionTableName = "fid__alembic_version"
const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())

const createDomains = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const statement of fidelityDomains) yield* sql.unsafe(statement)
})

describeBackends("drizzle-kit push parity", (it, backend) => {
  it.effect("every pg-core feature deploys through revision + upgrade to the schema drizzle-kit push makes, names aside", () =>
    Effect.andThen(resetDatabase, Effect.gen(function*() {
      const models = fidelityModels()
      const migration = buildMigrationProvider({
        package: "fid",
        migrationNamespace: "fid",
        scriptLocation: scratchDirectory(),
        versionRegistry: buildVersionMetaTable({ namespace: "fid", identifier: "fid.alembic_version", tableName: versionTableName }),
        tables: models.tables,
        schemaObjects: models.schemaObjects
      })
      const written = yield* createRevision({
        loaded: yield* loadRevisions(migration.versionLocations),
        directory: migration.versionLocations[0]!,
        tables: migration.targetTables,
        message: "every feature",
        autogenerate: true,
        renames: []
      })
      assert.strictEqual(written._tag, "Written")
      yield* createDomains
      const report = yield* migrateProvider(migration, { target: "head", direction: "upgrade" })
      assert.deepStrictEqual([report.ok, report.activeCount, report.reservedCount, report.failedCount], [
        true,
        models.tables.length + 1,
        0,
        0
      ])
      const rows = yield* (yield* Catalog).list
      assert.deepStrictEqual(
        rows.filter((row) => row.status !== "active").map((row) => [row.tableName, row.status, row.statusReason]),
        []
      )
      const check = yield* checkMigrations({
        loaded: yield* loadRevisions(migration.versionLocations),
        tables: migration.targetTables,
        versionTable: versionTableOf(migration)
      })
      assert.deepStrictEqual(
        { ok: check.ok, drift: check.drift, pending: check.pendingModelChanges, notes: check.notes },
        { ok: true, drift: [], pending: [], notes: [] }
      )
      const deployed = yield* namelessShape([versionTableName])

      const pushed = yield* Effect.gen(function*() {
        yield* createDomains
        yield* pushWithDrizzleKit(fidelityModels("drizzle-kit").drizzleImports)
        return yield* namelessShape()
      }).pipe(Effect.provide(backendLayer(backend)))

      assert.isAbove(deployed.columns.length, 90)
      for (const aspect of ["schemas", "tables", "enums", "sequences", "columns", "constraints", "indexes"] as const) {
        assert.deepStrictEqual(deployed[aspect], pushed[aspect], `${aspect}: metatables' upgrade against drizzle-kit's push`)
      }
    }).pipe(Effect.provide(services))))
})
