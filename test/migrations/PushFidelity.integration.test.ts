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
import { pushSchema } from "drizzle-kit/api-postgres"
import type { SQL } from "drizzle-orm"
import { PgDialect } from "drizzle-orm/pg-core"
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
import { drizzleKitRepairs, drizzleKitSchemas, fidelityDomains, fidelityModels } from "./FidelityModels.ts"

const versionTableName = "fid__alembic_version"
const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())

/**
 * Runs drizzle-kit's `pushSchema` on the suite's database, through an adapter over its `SqlClient`, limited
 * to `schemas` (the domains' schema, made by hand, is none of its business).
 */
const pushWithDrizzleKit = (imports: Record<string, unknown>, schemas: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const context = yield* Effect.context<SqlClient.SqlClient>()
    const dialect = new PgDialect()
    const database = {
      execute: (query: SQL) =>
        Effect.runPromiseWith(context)(sql.unsafe(dialect.sqlToQuery(query).sql)).then((rows) => ({ rows }))
    }
    const pushed = yield* Effect.promise(() => pushSchema(imports, database as never, {
      schemas: [...schemas],
      tables: [],
      entities: undefined,
      extensions: []
    }))
    yield* Effect.promise(() => pushed.apply())
    return pushed.sqlStatements
  })

/** Sets right what drizzle-kit could not write (see `FidelityModels`). */
const repairDrizzleKitSpelling = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (const statement of drizzleKitRepairs()) yield* sql.unsafe(statement)
})

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
        yield* pushWithDrizzleKit(fidelityModels("drizzle-kit").drizzleImports, drizzleKitSchemas)
        yield* repairDrizzleKitSpelling
        return yield* namelessShape()
      }).pipe(Effect.provide(backendLayer(backend)))

      assert.isAbove(deployed.columns.length, 90)
      for (const aspect of ["schemas", "tables", "enums", "sequences", "columns", "constraints", "indexes"] as const) {
        assert.deepStrictEqual(deployed[aspect], pushed[aspect], `${aspect}: metatables' upgrade against drizzle-kit's push`)
      }
    }).pipe(Effect.provide(services))))
})
