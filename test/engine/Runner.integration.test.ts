/**
 * The runner on both backends: it writes a node's rows with its run record and watermarks, re-runs
 * idempotently, runs incrementally on text, integer and uuid entities, keeps the batches before a failing one
 * and nothing of it, refuses invalid rows of every kind, orders the graph, runs independent nodes concurrently,
 * deduplicates, refuses cycles, skips what depends on a failure, retries, honours freshness and reads
 * dependencies by range and entity.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, integer, numeric, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import { TestClock } from "effect/testing"
import {
  type AnyDataNode,
  type AnyStorageTable,
  DataNode,
  DataNodeConfiguration,
  Engine,
  graphTables,
  NodeGraphError,
  type NodeRow,
  PlatformManagedMetaTable,
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

class Readings extends PlatformTimeIndexMetaTable<Readings>()({
  name: "run__readings",
  namespace: "runner-tests",
  identifier: "runner_tests.readings",
  description: "Sensor readings: a text entity.",
  indexNames: ["time_index", "sensor"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    sensor: varchar({ length: 8 }).notNull(),
    value: doublePrecision().notNull(),
    note: text()
  },
  columnInfo: { timeIndex: info("Time"), sensor: info("Sensor"), value: info("Value"), note: info("Note") }
}) {}

class Counters extends PlatformTimeIndexMetaTable<Counters>()({
  name: "run__counters",
  namespace: "runner-tests",
  identifier: "runner_tests.counters",
  description: "Counts per shard: an integer entity.",
  indexNames: ["time_index", "shard"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    shard: integer().notNull(),
    hits: integer().notNull()
  },
  columnInfo: { timeIndex: info("Time"), shard: info("Shard"), hits: info("Hits") }
}) {}

class Balances extends PlatformTimeIndexMetaTable<Balances>()({
  name: "run__balances",
  namespace: "runner-tests",
  identifier: "runner_tests.balances",
  description: "Balances per account: a uuid entity.",
  indexNames: ["time_index", "account_uid"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    accountUid: uuid("account_uid").notNull(),
    amount: numeric({ precision: 12, scale: 2 }).notNull()
  },
  columnInfo: { timeIndex: info("Time"), accountUid: info("Account"), amount: info("Amount") }
}) {}

class Desks extends PlatformManagedMetaTable<Desks>()({
  name: "run__desks",
  namespace: "runner-tests",
  identifier: "runner_tests.desks",
  description: "Desks: reference rows a node reads.",
  columns: { uid: uuid().primaryKey(), name: varchar({ length: 32 }).notNull() },
  columnInfo: { uid: info("UID"), name: info("Name") }
}) {}

const allTables: ReadonlyArray<AnyStorageTable> = [Readings, Counters, Balances, Desks]

class ReadingsConfig extends DataNodeConfiguration<ReadingsConfig>("RunnerReadingsConfig")({
  sensors: Schema.Array(Schema.String).annotate({ description: "Sensors to read." }),
  /** How the node misbehaves, for the failure tests. */
  mode: Schema.String.annotate({ description: "Which rows to produce." })
}) {}

/** Days 1.. up to the run's day, after each sensor's watermark. */
const incrementalReadings = (sensors: ReadonlyArray<string>, asOf: Date, lastFor: (sensor: string) => Date | undefined) =>
  sensors.flatMap((sensor) => {
    const rows: Array<NodeRow<typeof Readings>> = []
    const last = lastFor(sensor)
    for (let n = 1; day(n) <= asOf; n++) {
      if (last !== undefined && day(n) <= last) continue
      rows.push({ timeIndex: day(n), sensor, value: n * 10 + sensor.length, note: null })
    }
    return rows
  })

/** What each failure-matrix case emits: one good row, then the bad one. */
const badRows: Record<string, ReadonlyArray<unknown>> = {
  naive: [{ timeIndex: "2024-01-02T00:00:00", sensor: "a", value: 1 }],
  extra: [{ timeIndex: day(1), sensor: "a", value: 1, colour: "red" }],
  missingGrain: [{ timeIndex: day(1), value: 1 }],
  notFinite: [{ timeIndex: day(1), sensor: "a", value: Number.NaN }],
  duplicate: [{ timeIndex: day(1), sensor: "a", value: 1 }, { timeIndex: day(1), sensor: "a", value: 2 }],
  tooLong: [{ timeIndex: day(1), sensor: "much-too-long", value: 1 }],
  wrongType: [{ timeIndex: day(1), sensor: "a", value: "12" }],
  nullValue: [{ timeIndex: day(1), sensor: "a", value: null }]
}

class ReadingsNode extends DataNode({
  kind: "RunnerReadings",
  configuration: ReadingsConfig,
  storage: Readings,
  update: (ctx) =>
    Effect.sync(() => {
      const { mode, sensors } = ctx.configuration
      if (mode === "incremental") {
        return incrementalReadings(sensors, ctx.asOf, (sensor) => ctx.watermarks.lastFor({ sensor }))
      }
      if (mode === "fixed") return incrementalReadings(sensors, day(3), () => undefined)
      if (mode === "stream") {
        // Batch 1 is good, batch 2 holds a naive time index in its second row, batch 3 is never reached.
        return Stream.fromIterable([
          [{ timeIndex: day(1), sensor: "a", value: 1 }, { timeIndex: day(2), sensor: "a", value: 2 }],
          [{ timeIndex: day(3), sensor: "a", value: 3 }, { timeIndex: "2024-01-05 00:00", sensor: "a", value: 5 }],
          [{ timeIndex: day(9), sensor: "a", value: 9 }]
        ]) as never
      }
      return [{ timeIndex: day(0), sensor: "z", value: 0 }, ...(badRows[mode] ?? [])] as never
    })
}) {}

class CountersConfig extends DataNodeConfiguration<CountersConfig>("RunnerCountersConfig")({
  shards: Schema.Array(Schema.Int).annotate({ description: "Shards to count." })
}) {}

class CountersNode extends DataNode({
  kind: "RunnerCounters",
  configuration: CountersConfig,
  storage: Counters,
  update: (ctx) =>
    Effect.sync(() =>
      ctx.configuration.shards.flatMap((shard) => {
        // Looked up as a bigint: entities compare by value, not by JavaScript type.
        const last = ctx.watermarks.lastFor({ shard: BigInt(shard) })
        const rows: Array<NodeRow<typeof Counters>> = []
        for (let n = 1; day(n) <= ctx.asOf; n++) {
          if (last === undefined || day(n) > last) rows.push({ timeIndex: day(n).toISOString(), shard, hits: n * shard })
        }
        return rows
      })
    )
}) {}

class BalancesConfig extends DataNodeConfiguration<BalancesConfig>("RunnerBalancesConfig")({
  accounts: Schema.Array(Schema.String).annotate({ description: "Account uids." })
}) {}

class BalancesNode extends DataNode({
  kind: "RunnerBalances",
  configuration: BalancesConfig,
  storage: Balances,
  update: (ctx) =>
    Effect.sync(() =>
      ctx.configuration.accounts.flatMap((account) => {
        // Written in upper case, looked up in upper case; stored (and keyed) in lower case.
        const last = ctx.watermarks.lastFor({ accountUid: account.toUpperCase() })
        const rows: Array<NodeRow<typeof Balances>> = []
        for (let n = 1; day(n) <= ctx.asOf; n++) {
          if (last === undefined || day(n) > last) {
            rows.push({ timeIndex: day(n), accountUid: account.toUpperCase(), amount: `${n}.50` })
          }
        }
        return rows
      })
    )
}) {}

// The graph tests: Base <- Left, Right <- Top, each writing its own sensor into Readings.
class StepConfig extends DataNodeConfiguration<StepConfig>("RunnerStepConfig")({
  name: Schema.String.annotate({ description: "The step's name, also its sensor." }),
  fail: Schema.Boolean.annotate({ description: "Whether the step's update fails." })
}) {}

/**
 * What a test runs inside each step's update, before it returns its rows. A test that needs it provides it to
 * its own run (`withStepHook`), so no test sees another's and none has anything to reset.
 */
class StepHook extends Context.Service<StepHook, (name: string) => Effect.Effect<void>>()("test/Runner/StepHook") {}

const withStepHook = (hook: (name: string) => Effect.Effect<void>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, StepHook, hook)

class StepFailure extends Schema.TaggedError<StepFailure>()("StepFailure", { step: Schema.String }) {
  override get message() {
    return `step ${this.step} failed on purpose`
  }
}

const stepUpdate = (ctx: { readonly configuration: StepConfig }) =>
  Effect.gen(function*() {
    const hook = yield* Effect.serviceOption(StepHook)
    if (Option.isSome(hook)) yield* hook.value(ctx.configuration.name)
    if (ctx.configuration.fail) return yield* new StepFailure({ step: ctx.configuration.name })
    return [{ timeIndex: day(1), sensor: ctx.configuration.name, value: 1 }]
  })

class BaseStep extends DataNode({ kind: "RunnerBase", configuration: StepConfig, storage: Readings, update: stepUpdate }) {}

class LeftStep extends DataNode({
  kind: "RunnerLeft",
  configuration: StepConfig,
  storage: Readings,
  dependencies: () => ({ base: new BaseStep(new StepConfig({ name: "base", fail: false })) }),
  update: stepUpdate
}) {}

class RightStep extends DataNode({
  kind: "RunnerRight",
  configuration: StepConfig,
  storage: Readings,
  dependencies: () => ({ base: new BaseStep(new StepConfig({ name: "base", fail: false })) }),
  update: stepUpdate
}) {}

class TopStep extends DataNode({
  kind: "RunnerTop",
  configuration: StepConfig,
  storage: Readings,
  dependencies: () => ({
    left: new LeftStep(new StepConfig({ name: "left", fail: false })),
    right: new RightStep(new StepConfig({ name: "right", fail: false }))
  }),
  update: stepUpdate
}) {}

/** Depends on a failing base. */
class ChildOfFailure extends DataNode({
  kind: "RunnerChild",
  configuration: StepConfig,
  storage: Readings,
  dependencies: () => ({ base: new BaseStep(new StepConfig({ name: "broken", fail: true })) }),
  update: stepUpdate
}) {}

/** Depends on itself through its configuration: a cycle. */
class LoopStep extends DataNode({
  kind: "RunnerLoop",
  configuration: StepConfig,
  storage: Readings,
  dependencies: (config): Record<string, AnyDataNode> => ({ next: new LoopStep(config) }),
  update: stepUpdate
}) {}

class ReaderConfig extends DataNodeConfiguration<ReaderConfig>("RunnerReaderConfig")({
  check: Schema.String.annotate({ description: "Which read to try." })
}) {}

/** Where the reader step puts what it read, for the test that provides it. */
class ReaderOutput extends Context.Service<ReaderOutput, Ref.Ref<ReadonlyArray<unknown>>>()("test/Runner/ReaderOutput") {}

class ReaderStep extends DataNode({
  kind: "RunnerReader",
  configuration: ReaderConfig,
  storage: Readings,
  reads: [Desks],
  dependencies: () => ({ source: new ReadingsNode(new ReadingsConfig({ sensors: ["a", "b"], mode: "fixed" })) }),
  update: (ctx) =>
    Effect.gen(function*() {
      const source = ctx.dependencies.source
      switch (ctx.configuration.check) {
        case "range": {
          const rows = yield* ctx.read(source, { after: day(1), to: day(3).toISOString(), entities: [{ sensor: "b" }] })
          const from = yield* ctx.read(source, { from: day(3) })
          const none = yield* ctx.read(source, { entities: [] })
          const desks = yield* ctx.readTable(Desks)
          const output = yield* Effect.serviceOption(ReaderOutput)
          if (Option.isSome(output)) {
            yield* Ref.set(output.value, [
              rows.map((row) => `${row.sensor}@${row.timeIndex.toISOString().slice(0, 10)}=${row.value}`),
              from.map((row) => row.sensor),
              none.length,
              desks.map((desk) => desk.name)
            ])
          }
          return []
        }
        case "bad-entity":
          return yield* Effect.as(ctx.read(source, { entities: [{ sensorId: "a" }] }), [])
        case "bad-range":
          return yield* Effect.as(ctx.read(source, { from: "2024-01-01" }), [])
        case "not-a-dependency":
          return yield* Effect.as(ctx.read(new ReadingsNode(new ReadingsConfig({ sensors: ["x"], mode: "fixed" })), {}), [])
        default:
          return yield* Effect.as(ctx.readTable(Readings), [])
      }
    })
}) {}

class FreshConfig extends DataNodeConfiguration<FreshConfig>("RunnerFreshConfig")({
  sensor: Schema.String.annotate({ description: "The sensor written." })
}) {}

class FreshStep extends DataNode({
  kind: "RunnerFresh",
  configuration: FreshConfig,
  storage: Readings,
  freshFor: "1 hour",
  update: (ctx) => Effect.succeed([{ timeIndex: ctx.asOf, sensor: ctx.configuration.sensor, value: 1 }])
}) {}

/**
 * A clock that reads `at` now and runs on from there. The tests set the run's "now" with it rather than with
 * the TestClock, whose jumps would also age the server's connection pool.
 */
const clockAt = (at: Date): Clock.Clock => {
  const offset = at.getTime() - Date.now()
  const millis = () => Date.now() + offset
  const nanos = () => BigInt(millis()) * 1_000_000n
  return {
    currentTimeMillisUnsafe: millis,
    currentTimeMillis: Effect.sync(millis),
    currentTimeNanosUnsafe: nanos,
    currentTimeNanos: Effect.sync(nanos),
    monotonicTimeNanosUnsafe: () => process.hrtime.bigint(),
    monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint()),
    sleep: (duration) => Effect.promise(() => new Promise((resume) => setTimeout(resume, Duration.toMillis(duration))))
  }
}

const at = (instant: Date) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Clock.Clock, clockAt(instant))

/** Runs `nodes` on an engine attached to the tables they need. */
const run = (nodes: ReadonlyArray<AnyDataNode<never>>, options: RunOptions = {}) =>
  Effect.gen(function*() {
    const tables = yield* Effect.fromResult(graphTables(nodes))
    return yield* runNodes(nodes, { retry: Schedule.recurs(0), ...options }).pipe(
      Effect.provide(startEngine({ tables: [...tables, Desks] }))
    )
  })

const freshDatabase = Effect.andThen(resetDatabase, deployTables(allTables))

const rowsOf = (table: string, order = "1") =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<Record<string, unknown>>(`SELECT * FROM ${table} ORDER BY ${order}`))

/** What `nodes status` shows, read through an attached engine. */
const nodeStatus = Effect.provide(Effect.flatMap(Engine, (engine) => engine.records.status), startEngine({ tables: [] }))

describeBackends("runNodes", (it) => {
  it.effect("writes a node's rows and records its update, run and watermarks", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const node = new ReadingsNode(new ReadingsConfig({ sensors: ["a", "b"], mode: "incremental" }))
      const report = yield* run([node]).pipe(at(day(3)))
      assert.isTrue(report.ok)
      const [outcome] = report.nodes
      assert.strictEqual(outcome?.status, "succeeded")
      assert.strictEqual(outcome?.rowsInserted, 6)
      assert.strictEqual(outcome?.attempts, 1)
      assert.strictEqual(outcome?.table, "runner_tests.readings")
      assert.match(outcome?.updateHash ?? "", /^runnerreadings_[0-9a-f]{32}$/)
      const rows = yield* rowsOf("run__readings", "sensor, time_index")
      assert.deepStrictEqual(rows.map((row) => `${row["sensor"]}:${row["value"]}`), ["a:11", "a:21", "a:31", "b:11", "b:21", "b:31"])

      const sql = yield* SqlClient.SqlClient
      const runs = yield* sql<{ readonly status: string; readonly rows: bigint; readonly batches: number }>`
        SELECT status, rows_inserted AS rows, batches FROM metatables.data_node_runs`
      assert.deepStrictEqual(runs.map((r) => [r.status, Number(r.rows), r.batches]), [["succeeded", 6, 1]])
      const marks = yield* sql<{ readonly key: string; readonly last: Date }>`
        SELECT entity_key AS key, last_time_index AS last FROM metatables.data_node_watermarks ORDER BY 1`
      assert.deepStrictEqual(marks.map((mark) => [mark.key, mark.last.toISOString()]), [
        ['["a"]', day(3).toISOString()],
        ['["b"]', day(3).toISOString()]
      ])
      const [update] = yield* sql<{ readonly hash: string; readonly configuration: unknown }>`
        SELECT update_hash AS hash, configuration FROM metatables.data_node_updates`
      assert.strictEqual(update?.hash, outcome?.updateHash)

      const [status] = yield* nodeStatus
      assert.strictEqual(status?.update.kind, "RunnerReadings")
      assert.strictEqual(status?.lastRun?.status, "succeeded")
      assert.strictEqual(status?.watermark?.entities, 2)
      assert.strictEqual(status?.watermark?.last.toISOString(), day(3).toISOString())
      assert.deepStrictEqual(status?.totals, { runs: 1, rowsInserted: 6, rowsUpdated: 0 })
    }))

  it.effect("re-running the same rows changes nothing: every row comes back unchanged", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const node = new ReadingsNode(new ReadingsConfig({ sensors: ["a", "b"], mode: "fixed" }))
      const first = yield* run([node])
      const before = yield* rowsOf("run__readings", "sensor, time_index")
      const second = yield* run([node])
      assert.strictEqual(first.nodes[0]?.rowsInserted, 6)
      assert.deepStrictEqual(
        [second.nodes[0]?.rowsInserted, second.nodes[0]?.rowsUpdated, second.nodes[0]?.rowsUnchanged],
        [0, 0, 6]
      )
      assert.deepStrictEqual(yield* rowsOf("run__readings", "sensor, time_index"), before)
    }))

  it.effect("runs incrementally on text, integer and uuid entities: a later run writes only the new days", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const accounts = ["0b9c1f3e-2d4a-4b6c-8e0f-1a2b3c4d5e6f", "6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b"]
      const nodes = [
        new ReadingsNode(new ReadingsConfig({ sensors: ["a", "b"], mode: "incremental" })),
        new CountersNode(new CountersConfig({ shards: [1, 2, 3] })),
        new BalancesNode(new BalancesConfig({ accounts }))
      ]
      const first = yield* run(nodes).pipe(at(day(3)))
      assert.deepStrictEqual(first.nodes.map((outcome) => outcome.rowsInserted), [6, 9, 6])
      const second = yield* run(nodes).pipe(at(day(5)))
      assert.deepStrictEqual(second.nodes.map((outcome) => [outcome.rowsInserted, outcome.rowsUpdated]), [[4, 0], [6, 0], [4, 0]])
      const third = yield* run(nodes).pipe(at(day(5)))
      assert.deepStrictEqual(third.nodes.map((outcome) => outcome.rowsInserted + outcome.rowsUnchanged), [0, 0, 0])

      const balances = yield* rowsOf("run__balances", "account_uid, time_index")
      assert.strictEqual(balances.length, 10)
      assert.strictEqual(balances[0]?.["account_uid"], accounts[0])
      assert.strictEqual(balances[0]?.["amount"], "1.50")
      const counters = yield* rowsOf("run__counters", "shard, time_index")
      assert.deepStrictEqual(counters.slice(-2).map((row) => row["hits"]), [12, 15])
      const sql = yield* SqlClient.SqlClient
      const marks = yield* sql<{ readonly key: string; readonly entity: unknown; readonly last: Date }>`
        SELECT entity_key AS key, entity, last_time_index AS last FROM metatables.data_node_watermarks
        WHERE entity_key LIKE '[%' ORDER BY 1`
      const byKey = new Map(marks.map((mark) => [mark.key, mark]))
      assert.deepStrictEqual(byKey.get("[\"2\"]")?.entity ?? byKey.get("[2]")?.entity, { shard: 2 })
      assert.strictEqual(byKey.get(JSON.stringify([accounts[1]]))?.last.toISOString(), day(5).toISOString())
    }))

  it.effect("keeps the batches before a failing one, writes nothing of it, and does not retry invalid rows", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const node = new ReadingsNode(new ReadingsConfig({ sensors: [], mode: "stream" }))
      const report = yield* run([node], { retry: Schedule.recurs(3) })
      const [outcome] = report.nodes
      assert.isFalse(report.ok)
      assert.strictEqual(outcome?.status, "failed")
      assert.strictEqual(outcome?.attempts, 1, "invalid rows are not retried")
      assert.strictEqual(outcome?.batches, 1)
      assert.strictEqual(outcome?.error?.tag, "RowValidationError")
      assert.include(outcome?.error?.message ?? "", "row 4 (batch 2, row 2), column \"timeIndex\"")
      const rows = yield* rowsOf("run__readings", "time_index")
      assert.deepStrictEqual(rows.map((row) => row["value"]), [1, 2], "batch 1 stays, nothing of batch 2")
      const sql = yield* SqlClient.SqlClient
      const [runRecord] = yield* sql<{ readonly status: string; readonly error: { readonly tag: string } }>`
        SELECT status, error FROM metatables.data_node_runs`
      assert.strictEqual(runRecord?.status, "failed")
      assert.strictEqual(runRecord?.error.tag, "RowValidationError")
      const [mark] = yield* sql<{ readonly last: Date }>`SELECT last_time_index AS last FROM metatables.data_node_watermarks`
      assert.strictEqual(mark?.last.toISOString(), day(2).toISOString())
    }))

  it.effect("refuses every kind of invalid row, names the row and column, and writes nothing of the batch", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      // [what the message names, what it says was found]
      const expected: Record<string, readonly [string, string]> = {
        naive: ["row 2 (batch 1, row 2), column \"timeIndex\"", "2024-01-02T00:00:00"],
        extra: ["row 2 (batch 1, row 2), property \"colour\"", "red"],
        missingGrain: ["row 2 (batch 1, row 2), column \"sensor\"", "sensor"],
        notFinite: ["row 2 (batch 1, row 2), column \"value\"", "NaN"],
        duplicate: ["row 3 (batch 1, row 3)", "row 2"],
        tooLong: ["row 2 (batch 1, row 2), column \"sensor\"", "much-too-long"],
        wrongType: ["row 2 (batch 1, row 2), column \"value\"", "\"12\""],
        nullValue: ["row 2 (batch 1, row 2), column \"value\"", "null"]
      }
      for (const [mode, [reason, where]] of Object.entries(expected)) {
        const report = yield* run([new ReadingsNode(new ReadingsConfig({ sensors: [], mode }))])
        const outcome = report.nodes[0]!
        assert.strictEqual(outcome.status, "failed", mode)
        assert.strictEqual(outcome.error?.tag, "RowValidationError", mode)
        assert.include(outcome.error?.message ?? "", where, mode)
        assert.include(outcome.error?.message ?? "", "runner_tests.readings", mode)
        assert.include(outcome.error?.message ?? "", reason, mode)
      }
      assert.deepStrictEqual(yield* rowsOf("run__readings"), [], "no batch with a bad row wrote its good rows")
    }))

  it.effect("runs dependencies first, independent nodes concurrently, and each node once", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const rightStarted = yield* Deferred.make<void>()
      const log: Array<string> = []
      // Left waits for Right to start: only a concurrent run gets past it.
      const hook = (name: string) =>
        Effect.gen(function*() {
          log.push(`start ${name}`)
          if (name === "right") yield* Deferred.succeed(rightStarted, undefined)
          if (name === "left") yield* Deferred.await(rightStarted)
        })
      const events: Array<RunEvent> = []
      const top = new TopStep(new StepConfig({ name: "top", fail: false }))
      const again = new TopStep(new StepConfig({ name: "top", fail: false }))
      const report = yield* run([top, again], {
        concurrency: 2,
        onEvent: (event) => Effect.sync(() => events.push(event))
      }).pipe(withStepHook(hook), Effect.timeout("120 seconds"), TestClock.withLive)
      assert.isTrue(report.ok)
      assert.deepStrictEqual(report.nodes.map((outcome) => outcome.kind), ["RunnerBase", "RunnerLeft", "RunnerRight", "RunnerTop"])
      assert.strictEqual(log[0], "start base")
      assert.strictEqual(log.at(-1), "start top")
      assert.strictEqual(events.filter((event) => event._tag === "NodeStarted").length, 4, "the duplicate root ran once")
      const finished = events.flatMap((event) => event._tag === "NodeFinished" ? [event.outcome.kind] : [])
      assert.strictEqual(finished.indexOf("RunnerBase"), 0)
      assert.strictEqual(finished.indexOf("RunnerTop"), 3)
      assert.strictEqual(report.nodes[3]?.dependsOn.length, 2)
    }))

  it.effect("skips what depends on a failed node, runs the rest, and retries a failing update", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const child = new ChildOfFailure(new StepConfig({ name: "child", fail: false }))
      const other = new LeftStep(new StepConfig({ name: "left", fail: false }))
      const report = yield* run([child, other], { retry: Schedule.recurs(2) })
      assert.isFalse(report.ok)
      const byKind = new Map(report.nodes.map((outcome) => [`${outcome.kind}`, outcome]))
      const broken = report.nodes.find((outcome) => outcome.status === "failed")
      assert.strictEqual(broken?.attempts, 3, "tried once and retried twice")
      assert.strictEqual(broken?.error?.message, "step broken failed on purpose")
      assert.strictEqual(byKind.get("RunnerChild")?.status, "skipped")
      assert.deepStrictEqual(byKind.get("RunnerChild")?.skippedBecause, [`RunnerBase (${broken?.updateHash})`])
      assert.strictEqual(byKind.get("RunnerChild")?.runUid, null)
      assert.strictEqual(byKind.get("RunnerLeft")?.status, "succeeded")
    }))

  it.effect("succeeds on a retry when a failure was passing", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const attempts = yield* Ref.make(0)
      const hook = () =>
        Effect.flatMap(
          Ref.updateAndGet(attempts, (n) => n + 1),
          (n) => n < 3 ? Effect.fail(new StepFailure({ step: "flaky" })) as never : Effect.void
        )
      const report = yield* run([new BaseStep(new StepConfig({ name: "flaky", fail: false }))], { retry: Schedule.recurs(5) })
        .pipe(withStepHook(hook))
      assert.strictEqual(report.nodes[0]?.status, "succeeded")
      assert.strictEqual(report.nodes[0]?.attempts, 3)
      const sql = yield* SqlClient.SqlClient
      const [record] = yield* sql<{ readonly attempts: number; readonly status: string }>`
        SELECT attempts, status FROM metatables.data_node_runs`
      assert.deepStrictEqual([record?.attempts, record?.status], [3, "succeeded"])
    }))

  it.effect("skips a fresh node unless forced, and runs it again once it is stale", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const node = new FreshStep(new FreshConfig({ sensor: "f" }))
      const later = (minutes: number) => new Date(day(1).getTime() + minutes * 60_000)
      assert.strictEqual((yield* run([node]).pipe(at(later(0)))).nodes[0]?.status, "succeeded")
      assert.strictEqual((yield* run([node]).pipe(at(later(30)))).nodes[0]?.status, "fresh")
      const forced = yield* run([node], { force: true }).pipe(at(later(31)))
      assert.strictEqual(forced.nodes[0]?.status, "succeeded")
      assert.strictEqual((yield* run([node]).pipe(at(later(59)))).nodes[0]?.status, "fresh", "the forced run is recent")
      assert.strictEqual((yield* run([node]).pipe(at(later(150)))).nodes[0]?.status, "succeeded")
      const sql = yield* SqlClient.SqlClient
      const runs = yield* sql<{ readonly forced: boolean }>`SELECT forced FROM metatables.data_node_runs ORDER BY started_at`
      assert.deepStrictEqual(runs.map((r) => r.forced), [false, true, false])
    }))

  it.effect("reads dependencies by range and entity, reads declared tables, and refuses other reads", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO run__desks (uid, name) VALUES ('6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b', 'rates')`
      const readerOutput = yield* Ref.make<ReadonlyArray<unknown>>([])
      const ok = yield* run([new ReaderStep(new ReaderConfig({ check: "range" }))]).pipe(
        Effect.provideService(ReaderOutput, readerOutput)
      )
      assert.isTrue(ok.ok, JSON.stringify(ok.nodes.map((outcome) => outcome.error)))
      // Day n is 2024-01-01 plus n days; the fixed readings hold days 1 to 3 with the value 10n + 1.
      assert.deepStrictEqual(yield* Ref.get(readerOutput), [["b@2024-01-03=21", "b@2024-01-04=31"], ["a", "b"], 0, ["rates"]])
      const failures = {
        "bad-entity": "an entity filter may use the grain's entity columns (sensor); found sensorId",
        "bad-range": "from:",
        "not-a-dependency": "it is not one of the node's dependencies (it has source)",
        "undeclared-table": "Declare the table in the node's reads"
      }
      for (const [check, message] of Object.entries(failures)) {
        const report = yield* run([new ReaderStep(new ReaderConfig({ check }))])
        const failed = report.nodes.find((outcome) => outcome.kind === "RunnerReader")
        assert.strictEqual(failed?.status, "failed", check)
        assert.strictEqual(failed?.error?.tag, "DependencyReadError", check)
        assert.include(failed?.error?.message ?? "", message, check)
        assert.strictEqual(failed?.attempts, 1, `${check} is not retried`)
      }
    }))

  it.effect("refuses a cycle before running anything, naming it", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const loop = new LoopStep(new StepConfig({ name: "loop", fail: false }))
      const structural = graphTables([loop])
      assert.isTrue(Result.isFailure(structural))
      if (Result.isFailure(structural)) {
        assert.instanceOf(structural.failure, NodeGraphError)
        assert.include(structural.failure.message, "The DataNode graph has a cycle: RunnerLoop -> RunnerLoop")
      }
      const error = yield* Effect.flip(
        runNodes([loop]).pipe(Effect.provide(startEngine({ tables: [Readings] })))
      )
      assert.instanceOf(error, NodeGraphError)
      assert.match(error.message, /cycle: RunnerLoop \(runnerloop_[0-9a-f]{32}\) -> RunnerLoop \(runnerloop_/)
      assert.deepStrictEqual(yield* rowsOf("metatables.data_node_runs"), [])
    }))

  it.effect("records an interrupted run as interrupted", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const started = yield* Deferred.make<void>()
      const hook = () => Effect.andThen(Deferred.succeed(started, undefined), Effect.never)
      const fiber = yield* Effect.forkChild(
        run([new BaseStep(new StepConfig({ name: "slow", fail: false }))]).pipe(withStepHook(hook))
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      const sql = yield* SqlClient.SqlClient
      const runs = yield* sql<{ readonly status: string; readonly finished: boolean }>`
        SELECT status, finished_at IS NOT NULL AS finished FROM metatables.data_node_runs`
      assert.deepStrictEqual(runs.map((r) => [r.status, r.finished]), [["interrupted", true]])
    }))

  it.effect("refuses options that cannot work", () =>
    Effect.gen(function*() {
      yield* freshDatabase
      const error = yield* Effect.flip(run([new BaseStep(new StepConfig({ name: "x", fail: false }))], { concurrency: 0 }))
      assert.strictEqual(error._tag, "RunOptionsError")
      assert.include(error.message, "concurrency must be a whole number of at least 1, not 0")
    }))
})
