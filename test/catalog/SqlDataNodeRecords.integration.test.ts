/**
 * The DataNode records on both backends: every value comes back decoded (int8 counters and counts as
 * numbers, instants as Dates, JSON payloads by their schemas), a row metatables did not write fails with an
 * error naming its table and column, and a run of a node is refused while another run of it is live.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import { Catalog, providerIdentity } from "../../src/catalog/Catalog.ts"
import { InvalidCatalogRowError } from "../../src/catalog/CatalogErrors.ts"
import { DataNodeRecords } from "../../src/catalog/DataNodeRecords.ts"
import { RunInProgressError } from "../../src/catalog/RunInProgressError.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import * as SqlDataNodeRecords from "../../src/catalog/SqlDataNodeRecords.ts"
import { PlatformManagedMetaTable, PlatformTimeIndexMetaTable } from "../../src/index.ts"
import { advisoryLockKey } from "../../src/db/AdvisoryLock.ts"
import { describeBackends, resetDatabase, TestDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Versions extends PlatformManagedMetaTable<Versions>()({
  name: "rec__alembic_version",
  namespace: "rec",
  identifier: "rec.alembic_version",
  description: "Migration versions of the provider.",
  columns: { versionNum: varchar("version_num", { length: 32 }).primaryKey() },
  columnInfo: { versionNum: info("Version") }
}) {}

class Readings extends PlatformTimeIndexMetaTable<Readings>()({
  name: "rec__readings",
  namespace: "rec",
  identifier: "rec.readings",
  description: "Readings for the records tests.",
  indexNames: ["time_index", "sensor"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    sensor: varchar({ length: 16 }).notNull(),
    value: doublePrecision()
  },
  columnInfo: { timeIndex: info("Time"), sensor: info("Sensor"), value: info("Value") }
}) {}

const services = SqlDataNodeRecords.layer.pipe(Layer.provideMerge(SqlCatalog.layer()))

/** A clean catalog with the Readings row reserved, and `body` with the records. */
const fresh = <A, E, R>(body: (tableUid: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    yield* resetDatabase
    return yield* Effect.gen(function*() {
      const catalog = yield* Catalog
      const provider = providerIdentity("rec", "rec")
      const registry = yield* catalog.ensureVersionRegistry(provider, Versions)
      const [row] = yield* catalog.reserve({ provider, versionRegistryUid: registry.uid, tables: [Readings] })
      return yield* body(row!.uid)
    }).pipe(Effect.provide(services))
  })

const instant = (text: string) => new Date(text)

describeBackends("SqlDataNodeRecords", (it) => {
  it.effect("returns runs, watermarks and status with every value decoded", () =>
    fresh((tableUid) =>
      Effect.gen(function*() {
        const records = yield* DataNodeRecords
        const update = yield* records.registerUpdate({
          updateHash: "hash-a",
          kind: "ReadingsNode",
          metaTableUid: tableUid,
          hashNamespace: undefined,
          configuration: "{}"
        })
        assert.strictEqual(update.updateHash, "hash-a")
        assert.strictEqual(update.metaTableUid, tableUid)
        assert.isNull(update.hashNamespace)
        assert.instanceOf(update.createdAt, Date)
        assert.strictEqual((yield* records.registerUpdate({
          updateHash: "hash-a",
          kind: "ReadingsNode",
          metaTableUid: tableUid,
          hashNamespace: undefined,
          configuration: "{}"
        })).uid, update.uid)

        const first = yield* records.startRun({
          updateUid: update.uid,
          forced: false,
          startedAt: instant("2024-03-01T00:00:00.123Z")
        })
        assert.deepStrictEqual(
          [first.status, first.rowsInserted, first.batches, first.finishedAt],
          ["running", 0, 0, null]
        )
        yield* records.recordBatch({
          runUid: first.uid,
          updateUid: update.uid,
          inserted: 5,
          updated: 2,
          unchanged: 1,
          entities: [{
            key: "[\"s1\"]",
            entity: { sensor: "s1" },
            first: "2024-01-01T00:00:00.000000Z",
            last: "2024-01-31T00:00:00.000000Z"
          }]
        })
        const finished = yield* records.finishRun({
          runUid: first.uid,
          status: "succeeded",
          attempts: 1,
          error: null,
          finishedAt: instant("2024-03-01T00:05:00.456Z")
        })
        assert.deepStrictEqual(
          [finished.status, finished.batches, finished.rowsInserted, finished.rowsUpdated, finished.rowsUnchanged],
          ["succeeded", 1, 5, 2, 1]
        )
        assert.deepStrictEqual(finished.finishedAt, instant("2024-03-01T00:05:00.456Z"))
        assert.deepStrictEqual(yield* records.lastSuccess(update.uid), finished)

        const second = yield* records.startRun({ updateUid: update.uid, forced: true, startedAt: instant("2024-03-02T00:00:00Z") })
        const failed = yield* records.finishRun({
          runUid: second.uid,
          status: "failed",
          attempts: 3,
          error: { tag: "NodeOutputError", message: "no rows" },
          finishedAt: instant("2024-03-02T00:01:00Z")
        })
        assert.deepStrictEqual(failed.error, { tag: "NodeOutputError", message: "no rows" })
        assert.isTrue(failed.forced)

        assert.deepStrictEqual(yield* records.watermarks(update.uid), [{
          entityKey: "[\"s1\"]",
          entity: { sensor: "s1" },
          first: instant("2024-01-01T00:00:00Z"),
          last: instant("2024-01-31T00:00:00Z")
        }])

        const [status] = yield* records.status
        assert.deepStrictEqual(status?.update, update)
        assert.deepStrictEqual(status?.table, { identifier: "rec.readings", schema: "public", tableName: "rec__readings" })
        assert.deepStrictEqual(status?.lastRun, failed, "the last run, read back from JSON, equals the run")
        assert.deepStrictEqual(status?.lastSuccessAt, finished.finishedAt)
        assert.deepStrictEqual(status?.watermark, {
          first: instant("2024-01-01T00:00:00Z"),
          last: instant("2024-01-31T00:00:00Z"),
          entities: 1
        })
        assert.deepStrictEqual(status?.totals, { runs: 2, rowsInserted: 5, rowsUpdated: 2 })
      })
    ))

  it.effect("names the table and column of a value it did not write", () =>
    fresh((tableUid) =>
      Effect.gen(function*() {
        const records = yield* DataNodeRecords
        const sql = yield* SqlClient.SqlClient
        const update = yield* records.registerUpdate({
          updateHash: "hash-b",
          kind: "ReadingsNode",
          metaTableUid: tableUid,
          hashNamespace: undefined,
          configuration: "{}"
        })
        const run = yield* records.startRun({ updateUid: update.uid, forced: false, startedAt: instant("2024-03-01T00:00:00Z") })
        yield* sql`UPDATE metatables.data_node_runs SET status = 'failed', error = '{"tag": 7}'::jsonb WHERE uid = ${run.uid}::uuid`

        const status = yield* Effect.flip(records.status)
        assert.instanceOf(status, InvalidCatalogRowError)
        if (status instanceof InvalidCatalogRowError) {
          assert.strictEqual(status.table, "metatables.data_node_runs")
          assert.strictEqual(status.field, "last_run.error.tag")
          assert.include(status.message, "A row of metatables.data_node_runs has an invalid last_run.error.tag")
        }

        yield* sql`UPDATE metatables.data_node_runs SET status = 'succeeded', error = '["boom"]'::jsonb WHERE uid = ${run.uid}::uuid`
        const last = yield* Effect.flip(records.lastSuccess(update.uid))
        assert.instanceOf(last, InvalidCatalogRowError)
        if (last instanceof InvalidCatalogRowError) {
          assert.strictEqual(last.table, "metatables.data_node_runs")
          assert.strictEqual(last.field, "error")
        }

        yield* sql`
          INSERT INTO metatables.data_node_watermarks (update_uid, entity_key, entity, first_time_index, last_time_index)
          VALUES (${update.uid}::uuid, '["s1"]', '{"sensor": {"nested": true}}'::jsonb, now(), now())`
        const watermarks = yield* Effect.flip(records.watermarks(update.uid))
        assert.instanceOf(watermarks, InvalidCatalogRowError)
        if (watermarks instanceof InvalidCatalogRowError) {
          assert.strictEqual(watermarks.table, "metatables.data_node_watermarks")
          assert.strictEqual(watermarks.field, "entity.sensor")
        }
      })
    ))

  it.effect("refuses a second live run of a node, naming the first, until it ends or its process is gone", () =>
    fresh((tableUid) =>
      Effect.gen(function*() {
        const records = yield* DataNodeRecords
        const sql = yield* SqlClient.SqlClient
        const update = yield* records.registerUpdate({
          updateHash: "hash-c",
          kind: "ReadingsNode",
          metaTableUid: tableUid,
          hashNamespace: undefined,
          configuration: "{}"
        })
        const start = (at: string) => records.startRun({ updateUid: update.uid, forced: false, startedAt: instant(at) })
        const first = yield* start("2024-03-01T00:00:00Z")
        const refusals = yield* Effect.all([Effect.flip(start("2024-03-01T00:00:01Z")), Effect.flip(start("2024-03-01T00:00:02Z"))], {
          concurrency: "unbounded"
        })
        for (const refused of refusals) {
          assert.instanceOf(refused, RunInProgressError)
          if (refused instanceof RunInProgressError) {
            assert.strictEqual(refused.runUid, first.uid)
            assert.strictEqual(refused.holder?.pid, process.pid)
            assert.include(refused.message, `The node is already being run: a run started 2024-03-01T00:00:00.000Z by process ${process.pid}`)
            assert.include(refused.message, "Wait for it to end, or stop that process")
          }
        }
        yield* records.finishRun({ runUid: first.uid, status: "succeeded", attempts: 1, error: null, finishedAt: instant("2024-03-01T00:01:00Z") })
        // Two starts at once with no live run: exactly one is recorded, the other refused naming it. On the
        // server the test holds the start lock until both wait for it, so that they race for real.
        const both = Effect.all([Effect.result(start("2024-03-01T00:02:00Z")), Effect.result(start("2024-03-01T00:02:00Z"))], {
          concurrency: "unbounded"
        })
        const { backend } = yield* TestDatabase
        const racing = backend === "pglite" ? yield* both : yield* Effect.scoped(Effect.gen(function*() {
          const connection = yield* sql.reserve
          const [first, second] = advisoryLockKey("node-run", "", update.uid)
          yield* connection.executeUnprepared("BEGIN", [], undefined)
          yield* connection.executeUnprepared("SELECT pg_advisory_xact_lock($1, $2)", [first, second], undefined)
          const fiber = yield* Effect.forkChild(both)
          for (let waiting = 0; waiting < 2;) {
            // Asked on the connection holding the lock.
            const [row] = (yield* connection.executeUnprepared(
              "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objid = $2",
              [first, second],
              undefined
            )) as ReadonlyArray<{ readonly n: number }>
            waiting = row?.n ?? 0
            // The suite's clock is the test clock: wait on the real one.
            if (waiting < 2) yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
          }
          yield* connection.executeUnprepared("COMMIT", [], undefined)
          return yield* Fiber.join(fiber)
        }))
        const started = racing.flatMap((outcome) => outcome._tag === "Success" ? [outcome.success] : [])
        const refused = racing.flatMap((outcome) => outcome._tag === "Failure" ? [outcome.failure] : [])
        assert.strictEqual(started.length, 1)
        assert.instanceOf(refused[0], RunInProgressError)
        assert.strictEqual((refused[0] as RunInProgressError).runUid, started[0]!.uid)
        const second = started[0]!
        // Its process gone (a pid no process has), the run no longer blocks: it is abandoned.
        yield* sql`UPDATE metatables.data_node_runs SET holder = jsonb_set(holder, '{pid}', '2147483646') WHERE uid = ${second.uid}::uuid`
        const third = yield* start("2024-03-01T00:03:00Z")
        assert.strictEqual(third.status, "running")
        const runs = yield* sql<{ readonly n: number }>`
          SELECT count(*)::int AS n FROM metatables.data_node_runs WHERE update_uid = ${update.uid}::uuid`
        assert.strictEqual(runs[0]?.n, 3, "the refused starts recorded nothing")
      })
    ))
})
