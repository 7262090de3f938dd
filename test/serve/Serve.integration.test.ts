/**
 * `serveNodes` on both backends, on the wall clock with second-long cadences: it runs each node when due,
 * dependencies before dependants, one node at a time per run record, and refuses a graph with a node that has
 * no cadence. On the server, three runners (each its own connection pool and cluster runner, as three
 * processes would be) serve one graph: no node ever runs on two runners at once, every runner takes part,
 * the rows equal a single runner's, and a run requested through one runner executes wherever the node lives.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeNet from "node:net"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import { Database, startEngine } from "../../src/index.ts"
import { type ServeEvent, serveLayer, serveNodes, Serving } from "../../src/index.ts"
import { deployTables } from "../support/deploy.ts"
import { DeclaredCron, GaugeConfig, graph, Levels, Unscheduled } from "./fixtures/ServeGraph.ts"
import { describeBackends, describeServer, resetDatabase, TestDatabase } from "../support/TestDatabase.ts"

interface RunRow {
  readonly kind: string
  readonly hash: string
  readonly status: string
  readonly started: Date
  readonly finished: Date | null
  readonly forced: boolean
}

const runRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<RunRow>`
    SELECT u.kind, u.update_hash AS hash, r.status, r.started_at AS started, r.finished_at AS finished,
      r.forced
    FROM metatables.data_node_runs r JOIN metatables.data_node_updates u ON u.uid = r.update_uid
    ORDER BY r.started_at`)

const levelRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql<{ readonly gauge: string; readonly value: number }>`SELECT gauge, value FROM serve__levels ORDER BY gauge, time_index`)

/**
 * Runs of one node never overlap, and scheduled runs of one node start at least its cadence (2 seconds) apart:
 * each due time ran once, however many schedulers or runners there were.
 */
const assertExclusive = (runs: ReadonlyArray<RunRow>) => {
  const byHash = new Map<string, Array<RunRow>>()
  for (const run of runs) byHash.set(run.hash, [...(byHash.get(run.hash) ?? []), run])
  for (const [hash, list] of byHash) {
    for (let i = 1; i < list.length; i++) {
      const previous = list[i - 1]!
      assert.isNotNull(previous.finished, `${hash}: a run never finished`)
      assert.isAtMost(previous.finished!.getTime(), list[i]!.started.getTime(), `${hash}: two runs overlapped`)
    }
    const scheduled = list.filter((run) => !run.forced)
    for (let i = 1; i < scheduled.length; i++) {
      const gap = scheduled[i]!.started.getTime() - scheduled[i - 1]!.started.getTime()
      assert.isAtLeast(gap, 2_000, `${hash}: two scheduled runs ${gap} ms apart, within one cadence`)
    }
  }
  return byHash
}

/** Waits (polling the catalog) until each of `nodes` nodes has finished `runs` runs; the machine may be slow. */
const untilRuns = (nodes: number, runs: number) =>
  Effect.gen(function*() {
    while (true) {
      const rows = yield* runRows
      const finished = new Map<string, number>()
      for (const row of rows) if (row.finished !== null) finished.set(row.hash, (finished.get(row.hash) ?? 0) + 1)
      if (finished.size >= nodes && [...finished.values()].every((count) => count >= runs)) return
      yield* Effect.sleep("500 millis")
    }
  }).pipe(Effect.timeout("150 seconds"))

const engineFor = startEngine({ tables: [Levels] })

const serveUntil = (runs: number, events: Array<ServeEvent>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.forkChild(
      serveNodes(graph, {
        concurrency: 2,
        retry: Schedule.recurs(0),
        pollInterval: "1 second",
        grace: "5 seconds",
        onEvent: (event) => Effect.sync(() => events.push(event))
      }).pipe(Effect.provide(engineFor))
    )
    yield* untilRuns(5, runs)
    yield* Fiber.interrupt(fiber)
  })

describeBackends("serveNodes", (it) => {
  it.effect("runs each node when due, dependencies first, and stops when interrupted", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const events: Array<ServeEvent> = []
      yield* serveUntil(3, events)
      const runs = yield* runRows
      const byHash = assertExclusive(runs)
      assert.strictEqual(byHash.size, 5, "three roots and two sources")
      assert.isFalse(runs.some((run) => run.status === "running"), "every run was finished or recorded interrupted")
      // Every Derived run started after a run of its Source finished.
      const sources = runs.filter((run) => run.kind === "ServeSource" && run.status === "succeeded")
      for (const derived of runs.filter((run) => run.kind === "ServeDerived")) {
        assert.isTrue(
          sources.some((source) => source.finished !== null && source.finished.getTime() <= derived.started.getTime()),
          "a dependant ran before any run of its dependency finished"
        )
      }
      const rows = yield* levelRows
      assert.deepStrictEqual(
        rows.map((row) => `${row.gauge}:${row.value}`),
        ["a:10", "a:20", "a:30", "a-src:1", "a-src:2", "a-src:3", "b:10", "b:20", "b:30", "b-src:1", "b-src:2", "b-src:3", "c:1", "c:2", "c:3"]
      )
      const ran = events.filter((event) => event._tag === "NodeRan")
      assert.isAtLeast(ran.length, runs.length, "each recorded run was one message's reply")
      assert.strictEqual(events[0]?._tag, "Serving")
    }).pipe(TestClock.withLive), { timeout: 120_000 })

  it.effect("refuses a graph with a node that has no cadence, naming it, before serving", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const node = new Unscheduled(new GaugeConfig({ gauge: "x" }))
      const exit = yield* Effect.exit(serveNodes([node]).pipe(Effect.provide(engineFor)))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? String(exit.cause) : ""
      assert.include(error, "ServeUnscheduled")
      assert.include(error, "has no freshFor, its table no cadence, and no cron was given")
      const served = yield* Effect.forkChild(
        serveNodes([node], { defaultCron: "0 0 * * *", runnerId: "cron" }).pipe(Effect.provide(engineFor))
      )
      yield* untilRuns(1, 1)
      yield* Effect.sleep("2 seconds")
      yield* Fiber.interrupt(served)
      assert.deepStrictEqual((yield* runRows).map((run) => run.kind), ["ServeUnscheduled"], "it had never run: due now, once, then at midnight")
    }).pipe(TestClock.withLive), { timeout: 120_000 })

  it.effect("serves a node by the cron declared with it: due now (it never ran), then at the cron's next time", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const events: Array<ServeEvent> = []
      const served = yield* Effect.forkChild(
        serveNodes([new DeclaredCron(new GaugeConfig({ gauge: "d" }))], {
          runnerId: "declared",
          onEvent: (event) => Effect.sync(() => events.push(event))
        }).pipe(Effect.provide(engineFor))
      )
      yield* untilRuns(1, 1)
      yield* Effect.sleep("2 seconds")
      yield* Fiber.interrupt(served)
      assert.deepStrictEqual((yield* runRows).map((run) => `${run.kind}:${run.status}`), ["ServeDeclaredCron:succeeded"])
      assert.deepStrictEqual((yield* levelRows).map((row) => `${row.gauge}:${row.value}`), ["d:101", "d:102", "d:103"])
    }).pipe(TestClock.withLive), { timeout: 120_000 })
})

describeBackends("serveNodes with its HTTP API", (it) => {
  it.effect("fails with ServeHttpError naming the address when the port is taken, and serves nothing", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const blocker = NodeNet.createServer()
      const port = yield* Effect.promise(() =>
        new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as NodeNet.AddressInfo).port)))
      )
      const error = yield* Effect.flip(
        serveNodes(graph, { http: { port, token: Redacted.make("t0ken-never-shown") } }).pipe(
          Effect.provide(engineFor),
          Effect.timeout("60 seconds")
        )
      ).pipe(Effect.ensuring(Effect.promise(() => new Promise<void>((resolve) => blocker.close(() => resolve())))))
      assert.strictEqual(error._tag, "ServeHttpError")
      assert.include(error.message, `Cannot serve the HTTP API on 127.0.0.1:${port}`)
      assert.notInclude(error.message, "t0ken-never-shown")
    }).pipe(TestClock.withLive), { timeout: 120_000 })
})

/** One runner as its own process would have it: its own pool, engine and cluster runner. */
const runnerLayer = (url: Redacted.Redacted<string>, runnerId: string, events: Array<ServeEvent>) =>
  serveLayer(graph, {
    runnerId,
    concurrency: 2,
    retry: Schedule.recurs(0),
    pollInterval: "1 second",
    grace: "5 seconds",
    handoffAfter: "6 seconds",
    onEvent: (event) => Effect.sync(() => events.push({ ...event, runnerId } as ServeEvent))
  }).pipe(
    Layer.provideMerge(engineFor),
    Layer.provideMerge(Database.layerServer(url, { maxConnections: 8 }))
  )

describeServer("serveNodes on several runners", (it) => {
  it.effect("three runners on one database: no node runs twice at once, all take part, rows as one runner's", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const { url } = yield* TestDatabase
      const events: Array<ServeEvent> = []
      const runners = ["r1", "r2", "r3"]
      const fibers = yield* Effect.forEach(runners, (id) =>
        Effect.forkChild(Layer.launch(runnerLayer(url!, id, events))))
      yield* untilRuns(5, 4)

      // A request through r1 runs the node on whichever runner holds it and answers there.
      const requested = yield* Effect.gen(function*() {
        const serving = yield* Serving
        return yield* serving.requestRun(serving.nodes[0]!.updateHash, { force: true, requestId: "req-1" })
      }).pipe(Effect.provide(runnerLayer(url!, "r4", [])), Effect.timeout("90 seconds"))
      assert.strictEqual(requested.status, "succeeded")
      assert.isNotNull(requested.runUid)

      yield* Effect.forEach(fibers, Fiber.interrupt)
      const runs = yield* runRows
      assertExclusive(runs)
      assert.isFalse(runs.some((run) => run.status === "running"), "every run was finished or recorded interrupted")
      const ranOn = new Map<string, Set<string>>()
      for (const event of events) {
        if (event._tag !== "NodeRan") continue
        const runner = (event as ServeEvent & { readonly runnerId: string }).runnerId
        ranOn.set(runner, new Set([...(ranOn.get(runner) ?? []), event.updateHash]))
      }
      assert.isAtLeast(ranOn.size, 2, `nodes ran on several runners: ${[...ranOn.keys()].join(", ")}`)
      const rows = yield* levelRows
      assert.deepStrictEqual(
        rows.map((row) => `${row.gauge}:${row.value}`),
        ["a:10", "a:20", "a:30", "a-src:1", "a-src:2", "a-src:3", "b:10", "b:20", "b:30", "b-src:1", "b-src:2", "b-src:3", "c:1", "c:2", "c:3"]
      )
    }).pipe(TestClock.withLive), { timeout: 180_000 })
})
