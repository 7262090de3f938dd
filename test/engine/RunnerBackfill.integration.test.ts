/**
 * Backfills and replays through the runner's options, on both backends: `asOf` runs as if it were then; a
 * backfill over a range and some entities upserts the rows inside it, leaves every other row and the
 * watermarks alone, records the run as a backfill with its range and progress, works in chunks by the table's
 * cadence, and a backfill that failed part-way resumes after its last committed chunk. Times given as text
 * without an offset are refused.
 */
import { assert, describe, it as plainIt } from "@effect/vitest"
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import {
  type AnyDataNode,
  backfillChunks,
  DataNode,
  DataNodeConfiguration,
  graphTables,
  InvalidRunTimeError,
  NodeSelectionError,
  type NodeRow,
  parseRunTime,
  PlatformTimeIndexMetaTable,
  type RunEvent,
  type RunOptions,
  runNodes,
  startEngine
} from "../../src/index.ts"
import { deployTables } from "../support/deploy.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })
const DAY = 86_400_000
const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * DAY)

class Levels extends PlatformTimeIndexMetaTable<Levels>()({
  name: "backfill__levels",
  namespace: "backfill-tests",
  identifier: "backfill_tests.levels",
  description: "Levels per gauge, daily.",
  indexNames: ["time_index", "gauge"],
  cadence: "1d",
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    gauge: varchar({ length: 8 }).notNull(),
    level: doublePrecision().notNull()
  },
  columnInfo: { timeIndex: info("Time"), gauge: info("Gauge"), level: info("Level") }
}) {}

/** How the node computes a level this time (the tests change it to see which rows a run rewrote). */
const behaviour = { factor: 1, failOn: undefined as Date | undefined }

class LevelsConfig extends DataNodeConfiguration<LevelsConfig>("BackfillLevelsConfig")({
  gauges: Schema.Array(Schema.String).annotate({ description: "Gauges to read." })
}) {}

/** Incremental per gauge: every day after the gauge's watermark through `asOf`, from day 1. */
class LevelsNode extends DataNode({
  kind: "BackfillLevels",
  configuration: LevelsConfig,
  storage: Levels,
  update: (ctx) =>
    Effect.gen(function*() {
      const rows: Array<NodeRow<typeof Levels>> = []
      for (const gauge of ctx.configuration.gauges) {
        const last = ctx.watermarks.lastFor({ gauge })
        for (let n = 1; day(n) <= ctx.asOf; n++) {
          if (last !== undefined && day(n) <= last) continue
          if (behaviour.failOn !== undefined && day(n).getTime() === behaviour.failOn.getTime()) {
            return yield* Effect.fail(new Error(`no level for ${gauge} on day ${n}`))
          }
          rows.push({ timeIndex: day(n), gauge, level: n * behaviour.factor })
        }
      }
      return rows
    })
}) {}

const node = new LevelsNode(new LevelsConfig({ gauges: ["a", "b"] }))

const run = (nodes: ReadonlyArray<AnyDataNode<never>>, options: RunOptions = {}) =>
  Effect.gen(function*() {
    const tables = yield* Effect.fromResult(graphTables(nodes))
    return yield* runNodes(nodes, { retry: Schedule.recurs(0), ...options }).pipe(Effect.provide(startEngine({ tables })))
  })

const levels = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly gauge: string; readonly t: Date; readonly level: number }>`
    SELECT gauge, time_index AS t, level FROM backfill__levels ORDER BY gauge, time_index`).pipe(
    Effect.map((rows) => rows.map((row) => `${row.gauge}${Math.round((row.t.getTime() - day(0).getTime()) / DAY)}=${row.level}`))
  )

const watermarks = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly key: string; readonly first: Date; readonly last: Date }>`
    SELECT entity_key AS key, first_time_index AS first, last_time_index AS last FROM metatables.data_node_watermarks
    ORDER BY 1`).pipe(Effect.map((rows) => rows.map((row) => `${row.key} ${row.first.toISOString()}..${row.last.toISOString()}`)))

describeBackends("backfills", (it) => {
  it.effect("asOf runs as then; a backfill upserts its range and entities only, moves no watermark back, and is recorded", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      behaviour.factor = 1
      behaviour.failOn = undefined
      const first = yield* run([node], { asOf: day(6) })
      assert.strictEqual(first.asOf.toISOString(), day(6).toISOString())
      assert.strictEqual(first.nodes[0]?.rowsInserted, 12)
      const marksBefore = yield* watermarks

      // The values changed upstream: give gauge a's days 2 to 4 again, in chunks of one period of the cadence.
      behaviour.factor = 10
      const events: Array<RunEvent> = []
      const backfill = yield* run([node], {
        asOf: day(6),
        backfill: { from: day(2), to: day(4), entities: ["a"], chunkPeriods: 1 },
        onEvent: (event) => Effect.sync(() => void events.push(event))
      })
      const [outcome] = backfill.nodes
      assert.strictEqual(outcome?.status, "succeeded", outcome?.error?.message)
      assert.strictEqual(outcome?.mode, "backfill")
      assert.deepStrictEqual([outcome?.rowsInserted, outcome?.rowsUpdated, outcome?.rowsUnchanged], [0, 3, 0])
      assert.strictEqual(outcome?.rowsOutsideRange, 3, "gauge b's rows of the range were left out")
      assert.deepStrictEqual(yield* levels, [
        "a1=1", "a2=20", "a3=30", "a4=40", "a5=5", "a6=6",
        "b1=1", "b2=2", "b3=3", "b4=4", "b5=5", "b6=6"
      ])
      assert.deepStrictEqual(yield* watermarks, marksBefore, "watermarks never move back")
      assert.deepStrictEqual(
        events.filter((event) => event._tag === "BackfillChunkDone").map((event) => event.through.toISOString()),
        [day(3), day(4)].map((d) => d.toISOString()),
        "a chunk per day: days 2 and 3, then day 4"
      )

      const sql = yield* SqlClient.SqlClient
      const runs = yield* sql<{ readonly mode: string; readonly asOf: Date; readonly backfill: unknown; readonly status: string }>`
        SELECT mode, as_of AS "asOf", backfill, status FROM metatables.data_node_runs ORDER BY started_at, mode DESC`
      assert.deepStrictEqual(runs.map((row) => [row.mode, row.status, row.asOf.toISOString()]), [
        ["run", "succeeded", day(6).toISOString()],
        ["backfill", "succeeded", day(6).toISOString()]
      ])
      assert.deepStrictEqual(runs[1]?.backfill, {
        from: day(2).toISOString(),
        to: day(4).toISOString(),
        entities: ['gauge=["a"]'],
        completedThrough: day(4).toISOString()
      })

      // A later ordinary run goes on from the watermarks: only day 7.
      behaviour.factor = 1
      const next = yield* run([node], { asOf: day(7) })
      assert.strictEqual(next.nodes[0]?.rowsInserted, 2)
      assert.strictEqual(next.nodes[0]?.mode, "run")
    }))

  it.effect("a backfill that failed part-way resumes after its last committed chunk", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      behaviour.factor = 1
      behaviour.failOn = undefined
      yield* run([node], { asOf: day(6) })

      behaviour.factor = 10
      behaviour.failOn = day(4)
      const options = { asOf: day(6), backfill: { from: day(2), to: day(5), chunkPeriods: 1 } }
      const failed = yield* run([node], options)
      assert.strictEqual(failed.nodes[0]?.status, "failed")
      assert.include(failed.nodes[0]?.error?.message ?? "", "no level for a on day 4")
      // Days 2 and 3 were committed chunk by chunk.
      assert.deepStrictEqual((yield* levels).filter((level) => level.startsWith("a")), ["a1=1", "a2=20", "a3=30", "a4=4", "a5=5", "a6=6"])

      // Fixed, and run again: it starts after day 3, so days 2 and 3 keep what the first attempt wrote.
      behaviour.factor = 100
      behaviour.failOn = undefined
      const events: Array<RunEvent> = []
      const resumed = yield* run([node], { ...options, onEvent: (event) => Effect.sync(() => void events.push(event)) })
      assert.strictEqual(resumed.nodes[0]?.status, "succeeded")
      const started = events.find((event) => event._tag === "BackfillStarted")
      assert.strictEqual(started?._tag === "BackfillStarted" ? started.resumedAfter?.toISOString() : undefined, day(3).toISOString())
      assert.deepStrictEqual(yield* levels, [
        "a1=1", "a2=20", "a3=30", "a4=400", "a5=500", "a6=6",
        "b1=1", "b2=20", "b3=30", "b4=400", "b5=500", "b6=6"
      ])
    }))

  it.effect("refuses an empty range, an entity of another grain and a node the graph does not have", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const empty = yield* Effect.flip(run([node], { backfill: { from: day(5), to: day(2) } }))
      assert.include(empty.message, "the backfill's range is empty")
      const unknown = yield* Effect.flip(run([node], { backfill: { from: day(1), to: day(2), nodes: ["Nothing"] } }))
      assert.instanceOf(unknown, NodeSelectionError)
      const wrongEntity = yield* run([node], { backfill: { from: day(1), to: day(2), entities: [{ sensor: "a" }] } })
      assert.strictEqual(wrongEntity.nodes[0]?.status, "failed")
      assert.include(wrongEntity.nodes[0]?.error?.message ?? "", "gauge")
    }))
})

describe("backfill ranges", () => {
  plainIt("cuts a range by the cadence, and resumes after a point", () => {
    const chunks = backfillChunks({ from: day(0), to: day(10) }, "1d", 4, undefined)
    assert.deepStrictEqual(chunks.map((chunk) => chunk.through.toISOString()), [day(4), day(8), day(10)].map((d) => d.toISOString()))
    assert.strictEqual(chunks[0]?.from?.toISOString(), day(0).toISOString())
    assert.strictEqual(chunks[1]?.after?.toISOString(), day(4).toISOString())
    assert.deepStrictEqual(backfillChunks({ from: day(0), to: day(10) }, undefined, 4, undefined).length, 1)
    assert.deepStrictEqual(
      backfillChunks({ from: day(0), to: day(10) }, "1d", 4, day(8)).map((chunk) => chunk.through.toISOString()),
      [day(10).toISOString()]
    )
    assert.deepStrictEqual(backfillChunks({ from: day(0), to: day(10) }, "1d", 4, day(10)), [])
    const monthly = backfillChunks({ from: new Date("2024-01-31T00:00:00Z"), to: new Date("2024-06-01T00:00:00Z") }, "1mo", 2, undefined)
    assert.strictEqual(monthly.length, 3)
  })

  plainIt("reads times with an offset and refuses naive ones, naming the option", () => {
    assert.strictEqual(Result.getOrThrow(parseRunTime("--from", "2025-03-01T09:30:00+01:00")).toISOString(), "2025-03-01T08:30:00.000Z")
    const naive = parseRunTime("--from", "2025-03-01")
    assert.isTrue(Result.isFailure(naive))
    if (Result.isFailure(naive)) {
      assert.instanceOf(naive.failure, InvalidRunTimeError)
      assert.strictEqual(naive.failure.reason, "naive")
      assert.include(naive.failure.message, '--from "2025-03-01" has no UTC offset')
    }
    const wall = parseRunTime("--as-of", "2025-03-01T10:00:00")
    assert.isTrue(Result.isFailure(wall) && wall.failure.reason === "naive")
    const nonsense = parseRunTime("--to", "yesterday")
    assert.isTrue(Result.isFailure(nonsense) && nonsense.failure.reason === "invalid")
  })
})
