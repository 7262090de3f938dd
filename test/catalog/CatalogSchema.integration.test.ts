/**
 * The catalog's own tables under effect/sql's Migrator, on both backends: catalogs made by the runner before it
 * carry forward with their rows, the schema is configurable, attaching creates nothing, and several processes
 * may create the catalog at once.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as SqlClient from "effect/sql/SqlClient"
import { Catalog } from "../../src/catalog/Catalog.ts"
import { CatalogNotReadyError } from "../../src/catalog/CatalogErrors.ts"
import { appliedCatalogVersion, CATALOG_VERSION } from "../../src/catalog/CatalogSchema.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import { Database } from "../../src/db/Database.ts"
import { PlatformTimeIndexMetaTable, tableContract } from "../../src/index.ts"
import { createLegacyCatalog } from "./fixtures/LegacyCatalog.ts"
import { describeBackends, describeServer, resetDatabase, TestDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Prices extends PlatformTimeIndexMetaTable<Prices>()({
  name: "cs__prices",
  namespace: "cs",
  identifier: "cs.prices",
  description: "Prices for the catalog schema tests.",
  indexNames: ["time_index", "asset"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    asset: varchar({ length: 16 }).notNull(),
    price: doublePrecision()
  },
  columnInfo: { timeIndex: info("Time"), asset: info("Asset"), price: info("Price") }
}) {}

const versionsOf = (schema: string, ledger: "effect_sql_migrations" | "catalog_migrations") =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const column = ledger === "effect_sql_migrations" ? "migration_id" : "version"
    const rows = yield* sql.unsafe<{ readonly version: number }>(
      `SELECT ${column} AS version FROM "${schema}".${ledger} ORDER BY 1`
    )
    return rows.map((row) => row.version)
  })

const exists = (regclass: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ readonly present: boolean }>`SELECT to_regclass(${regclass}) IS NOT NULL AS present`
    return row?.present === true
  })

const schemaExists = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ readonly present: boolean }>`SELECT to_regnamespace(${schema}) IS NOT NULL AS present`
    return row?.present === true
  })

const open = (schema?: string) => Effect.provide(Catalog, SqlCatalog.layer({ schema }))
const attach = (schema?: string) => Effect.provide(Catalog, SqlCatalog.layer({ schema, attach: "a test" }))

/** Rows in every table of a version-2 catalog, written the way metatables wrote them before the Migrator. */
const seedLegacyRows = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [source] = yield* sql.unsafe<{ readonly uid: string }>(
      `INSERT INTO "${schema}".data_sources (name, backend, database_name) VALUES ('default', 'pglite', 'old')
       RETURNING uid::text AS uid`
    )
    const [table] = yield* sql.unsafe<{ readonly uid: string }>(
      `INSERT INTO "${schema}".meta_tables (data_source_uid, identifier, namespace, kind, role, physical_schema,
         physical_table, status, contract, contract_hash, provider_key, applied_revision, description, labels)
       VALUES ($1::uuid, 'cs.prices', 'cs', 'time-indexed', 'application', 'public', 'cs__prices', 'active',
         $2::jsonb, $3, 'cs:cs', '0001', 'Prices for the catalog schema tests.', '["prices"]'::jsonb)
       RETURNING uid::text AS uid`,
      [source!.uid, JSON.stringify(tableContract(Prices)), SqlCatalog.modelContractHash(Prices)]
    )
    const [update] = yield* sql.unsafe<{ readonly uid: string }>(
      `INSERT INTO "${schema}".data_node_updates (update_hash, kind, meta_table_uid, configuration)
       VALUES ('hash-1', 'PriceNode', $1::uuid, '{}'::jsonb) RETURNING uid::text AS uid`,
      [table!.uid]
    )
    yield* sql.unsafe(
      `INSERT INTO "${schema}".data_node_runs (update_uid, status, batches, rows_inserted, error, started_at, finished_at)
       VALUES ($1::uuid, 'succeeded', 1, 3, NULL, '2024-01-01T00:00:00Z', '2024-01-01T00:01:00Z'),
              ($1::uuid, 'failed', 0, 0, '{"tag":"SqlError","message":"boom"}'::jsonb, '2024-01-02T00:00:00Z',
               '2024-01-02T00:01:00Z')`,
      [update!.uid]
    )
    yield* sql.unsafe(
      `INSERT INTO "${schema}".data_node_watermarks (update_uid, entity_key, entity, first_time_index, last_time_index)
       VALUES ($1::uuid, '["AAA"]', '{"asset":"AAA"}'::jsonb, '2023-12-01T00:00:00Z', '2023-12-31T00:00:00Z')`,
      [update!.uid]
    )
    return { source: source!.uid, table: table!.uid, update: update!.uid }
  })

describeBackends("CatalogSchema", (it) => {
  it.effect("carries a version-2 catalog made before the Migrator forward, keeping every row", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* createLegacyCatalog("metatables", 2)
      const seeded = yield* seedLegacyRows("metatables")
      assert.strictEqual(yield* appliedCatalogVersion("metatables"), 2, "the older ledger counts")

      // Version 3 (run leases and backfills) came after that ledger: attaching asks for an upgrade.
      const behind = yield* Effect.flip(attach())
      assert.instanceOf(behind, CatalogNotReadyError)
      if (behind instanceof CatalogNotReadyError) assert.strictEqual(behind.found, 2)
      assert.isFalse(yield* exists("metatables.effect_sql_migrations"), "attaching created nothing")

      const catalog = yield* open()
      assert.strictEqual(catalog.dataSource.uid, seeded.source)
      assert.strictEqual(catalog.dataSource.databaseName, "old")
      const [row] = yield* catalog.list
      assert.strictEqual(row?.uid, seeded.table)
      assert.strictEqual(row?.status, "active")
      assert.strictEqual(row?.appliedRevision, "0001")
      assert.deepStrictEqual(row?.contract, tableContract(Prices))
      assert.deepStrictEqual(row?.labels, ["prices"])

      assert.deepStrictEqual(yield* versionsOf("metatables", "effect_sql_migrations"), [1, 2, 3])
      assert.deepStrictEqual(yield* versionsOf("metatables", "catalog_migrations"), [1, 2], "the old ledger is kept")
      const sql = yield* SqlClient.SqlClient
      const [counts] = yield* sql<{ readonly updates: bigint; readonly runs: bigint; readonly watermarks: bigint }>`
        SELECT (SELECT count(*) FROM metatables.data_node_updates) AS updates,
          (SELECT count(*) FROM metatables.data_node_runs) AS runs,
          (SELECT count(*) FROM metatables.data_node_watermarks) AS watermarks`
      assert.deepStrictEqual(counts, { updates: 1n, runs: 2n, watermarks: 1n })
      assert.strictEqual(yield* appliedCatalogVersion("metatables"), CATALOG_VERSION)
      assert.strictEqual((yield* attach()).dataSource.uid, seeded.source)
    }))

  it.effect("adopts version 1 of an older catalog in a configured schema and applies versions 2 and 3", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* createLegacyCatalog("team_catalog", 1)
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(
        "INSERT INTO team_catalog.data_sources (name, backend, database_name) VALUES ('default', 'pglite', 'old')"
      )
      const behind = yield* Effect.flip(attach("team_catalog"))
      assert.instanceOf(behind, CatalogNotReadyError)
      if (behind instanceof CatalogNotReadyError) assert.strictEqual(behind.found, 1)
      assert.isFalse(yield* exists("team_catalog.effect_sql_migrations"), "attaching created nothing")

      const catalog = yield* open("team_catalog")
      assert.strictEqual(catalog.schema, "team_catalog")
      assert.strictEqual(catalog.dataSource.databaseName, "old")
      assert.deepStrictEqual(yield* versionsOf("team_catalog", "effect_sql_migrations"), [1, 2, 3])
      assert.deepStrictEqual(yield* versionsOf("team_catalog", "catalog_migrations"), [1])
      assert.isTrue(yield* exists("team_catalog.data_node_watermarks"))
      assert.isFalse(yield* schemaExists("metatables"), "the default schema is not touched")
      assert.strictEqual(yield* appliedCatalogVersion("team_catalog"), CATALOG_VERSION)
      assert.strictEqual((yield* attach("team_catalog")).dataSource.databaseName, "old")
    }))

  it.effect("creates a new catalog, with its ledger, only in the configured schema", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      assert.strictEqual(yield* appliedCatalogVersion("fresh_catalog"), 0)
      yield* open("fresh_catalog")
      assert.deepStrictEqual(yield* versionsOf("fresh_catalog", "effect_sql_migrations"), [1, 2, 3])
      assert.isFalse(yield* exists("fresh_catalog.catalog_migrations"))
      assert.isFalse(yield* schemaExists("metatables"))
      assert.strictEqual(yield* appliedCatalogVersion("fresh_catalog"), CATALOG_VERSION)
    }))
})

describeServer("CatalogSchema with several processes", (it) => {
  /**
   * `count` processes, each with its own connection pool, that open the catalog at the same moment: each
   * connects first, and none goes on before all have connected.
   */
  const processesTogether = (count: number) =>
    Effect.gen(function*() {
      const { url } = yield* TestDatabase
      const connected = yield* Ref.make(0)
      const allConnected = yield* Deferred.make<void>()
      const oneProcess = Effect.gen(function*() {
        yield* Database
        if ((yield* Ref.updateAndGet(connected, (n) => n + 1)) === count) yield* Deferred.succeed(allConnected, undefined)
        yield* Deferred.await(allConnected)
        return yield* open()
      }).pipe(Effect.provide(Database.layerServer(url!, { maxConnections: 2 })))
      return yield* Effect.all(Array.from({ length: count }, () => oneProcess), { concurrency: count })
    })

  it.effect("creates the catalog once when four processes start together", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const catalogs = yield* processesTogether(4)
      assert.strictEqual(new Set(catalogs.map((catalog) => catalog.dataSource.uid)).size, 1)
      assert.deepStrictEqual(yield* versionsOf("metatables", "effect_sql_migrations"), [1, 2, 3])
    }))

  it.effect("carries an older catalog forward once when four processes start together", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* createLegacyCatalog("metatables", 1)
      const catalogs = yield* processesTogether(4)
      assert.strictEqual(new Set(catalogs.map((catalog) => catalog.dataSource.uid)).size, 1)
      assert.deepStrictEqual(yield* versionsOf("metatables", "effect_sql_migrations"), [1, 2, 3])
      assert.isTrue(yield* exists("metatables.data_node_runs"))
    }))
})
