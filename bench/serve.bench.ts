/**
 * The serve scheduler on 1,000 trivial nodes, each due every minute, on the wall clock for two minutes per
 * variant (their last runs spread over the minute before the start, so some node falls due every 60 ms): the
 * CPU the scheduling costs per minute of serving and per tick (a look at the last runs and the dispatches it
 * makes), and the delay between a node's due time and its start (median and p99). Variants, in one run:
 *
 * - baseline: a loop in the same process that sleeps until the next node is due and calls its update directly
 *   (one timer, nodes sorted by due time), the least any scheduler does;
 * - `ServeScheduler` dispatching directly (the scheduling alone);
 * - serve's cluster on the PostgreSQL server, one runner: the scheduler as the cluster's singleton sends each run
 *   as a persisted message to the node's entity (`NodeRunEntity`, `ServeCluster`), as `serve` does; the entity's
 *   handler calls the update instead of the engine's run (whose database work is the node's, not scheduling);
 * - the same on three runners (three clusters' runners in this process, each with its own pool): most nodes
 *   live on another runner than the scheduler, whose messages wait for that runner's poll of the message table.
 *
 * Targets: p99 delay within 1 s for the scheduler and for one runner; on three runners within the message poll
 * interval (2 s) plus 1 s. CPU is reported beside the baseline's (with the cluster it includes the runners' own
 * work: polling, persisting messages and replies).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Result from "effect/Result"
import * as ShardId from "effect/cluster/ShardId"
import * as Sharding from "effect/cluster/Sharding"
import * as Singleton from "effect/cluster/Singleton"
import * as NodeCrypto from "node:crypto"
import { Database } from "../src/db/Database.ts"
import { redactDatabaseUrl } from "../src/db/DatabaseTarget.ts"
import { cadenceOf } from "../src/serve/NodeCadence.ts"
import { NodeRunEntity, type RunNodeReply, scheduledRun } from "../src/serve/NodeRunEntity.ts"
import { clusterLayer } from "../src/serve/ServeCluster.ts"
import { type DispatchStatus, type ScheduledNode, startScheduler } from "../src/serve/ServeScheduler.ts"
import { verdict } from "./support/measure.ts"
import { admin, adminUrl, serverUnreachable } from "./support/server.ts"

const NODES = 1_000
const CADENCE_MS = 60_000
/** Wall clock per variant (`SERVE_BENCH_SECONDS`, default 120). */
const SERVE_MS = Number(process.env["SERVE_BENCH_SECONDS"] ?? 120) * 1000
const P99_TARGET_MS = 1_000
/** The runners' poll of the message table (`Serve.ts` uses 2 seconds). */
const MESSAGE_POLL_MS = 2_000
/** In-flight runs through the cluster: a run holds its permit until its reply comes back through the database. */
const CLUSTER_CONCURRENCY = 64

const cadence = (() => {
  const result = cadenceOf({ kind: "Bench", updateHash: "bench", freshFor: CADENCE_MS, tableCadence: undefined })
  if (Result.isFailure(result)) throw result.failure
  return result.success
})()

const nodes: ReadonlyArray<ScheduledNode> = Array.from({ length: NODES }, (_, index) => ({
  kind: "Bench",
  updateHash: `bench_${index.toString().padStart(4, "0")}`,
  dependsOn: [],
  cadence
}))

/** The trivial update both sides call: a little arithmetic, like a node with nothing new to write. */
let sink = 0
const update = (index: number): void => {
  for (let i = 0; i < 100; i++) sink += (index * i) % 7
}

const percentile = (values: ReadonlyArray<number>, p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

const cpuMs = (): number => {
  const usage = process.cpuUsage()
  return (usage.user + usage.system) / 1000
}

/** Last runs spread over the minute before `start`: node i last started at start - 60 s + i * 60 ms. */
const initialStarts = (start: number) =>
  new Map(nodes.map((node, index) => [node.updateHash, new Date(start - CADENCE_MS + (index * CADENCE_MS) / NODES)]))

const runScheduler = async () => {
  const start = Date.now()
  const delays: Array<number> = []
  let ticks = 0
  const lastStarts = initialStarts(start)
  const cpuBefore = cpuMs()
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const { loop } = yield* startScheduler({
      nodes,
      concurrency: 16,
      pollInterval: "30 seconds",
      // As the catalog would answer: every node's last start, the ones this run made included.
      lastStarts: Effect.sync(() => {
        ticks++
        return lastStarts
      }),
      dispatch: (node, dueAt) =>
        Effect.sync(() => {
          const now = Date.now()
          delays.push(now - dueAt.getTime())
          lastStarts.set(node.updateHash, new Date(now))
          update(Number(node.updateHash.slice(6)))
          return "succeeded" as const
        })
    })
    yield* loop.pipe(Effect.timeout(SERVE_MS), Effect.ignore)
  })))
  return { delays, ticks, cpu: cpuMs() - cpuBefore }
}

const runLoop = async () => {
  const start = Date.now()
  const delays: Array<number> = []
  const due = [...initialStarts(start).entries()].map(([hash, last]) => ({ index: Number(hash.slice(6)), at: last.getTime() + CADENCE_MS }))
  const cpuBefore = cpuMs()
  while (Date.now() - start < SERVE_MS) {
    due.sort((a, b) => a.at - b.at)
    const next = due[0]!
    const wait = next.at - Date.now()
    if (wait > 0) await new Promise((resume) => setTimeout(resume, wait))
    const now = Date.now()
    for (const entry of due) {
      if (entry.at > now) break
      delays.push(now - entry.at)
      update(entry.index)
      entry.at = now + CADENCE_MS
    }
  }
  return { delays, cpu: cpuMs() - cpuBefore }
}

const succeeded = (): RunNodeReply => ({
  status: "succeeded",
  runUid: null,
  attempts: 1,
  rowsInserted: 0,
  rowsUpdated: 0,
  rowsUnchanged: 0,
  durationMs: 0,
  error: null
})

interface ClusterResult {
  readonly delays: ReadonlyArray<number>
  readonly ticks: number
  readonly cpu: number
  readonly ranOn: ReadonlyMap<string, number>
}

/**
 * `runners` cluster runners on a scratch database of the server, as `serve` builds them: the scheduler a
 * singleton, each node an entity. The clock starts once every runner holds its shards.
 */
const runCluster = async (runners: number): Promise<ClusterResult> => {
  const name = `mt_bench_serve_${NodeCrypto.randomBytes(6).toString("hex")}`
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  await admin((client) => Effect.asVoid(client`CREATE DATABASE ${client(name)}`))
  const delays: Array<number> = []
  const ranOn = new Map<string, number>()
  let ticks = 0
  let lastStarts = new Map<string, Date>()
  let start = 0
  const go = Deferred.makeUnsafe<void>()
  const shardings: Array<Sharding.Sharding["Service"]> = []

  const runner = (index: number) => {
    const runnerId = `bench-${index}`
    const entity = NodeRunEntity.toLayer(Effect.succeed(NodeRunEntity.of({
      Run: ({ payload }) =>
        Effect.sync(() => {
          const now = Date.now()
          delays.push(now - payload.dueAt)
          ranOn.set(runnerId, (ranOn.get(runnerId) ?? 0) + 1)
          lastStarts.set(payload.updateHash, new Date(now))
          update(Number(payload.updateHash.slice(6)))
          return succeeded()
        })
    })))
    const scheduler = Singleton.make(
      "metatables/serve/scheduler",
      Effect.scoped(Effect.gen(function*() {
        const clientFor = yield* NodeRunEntity.client
        const { loop } = yield* startScheduler({
          nodes,
          concurrency: CLUSTER_CONCURRENCY,
          pollInterval: "30 seconds",
          lastStarts: Effect.andThen(Deferred.await(go), Effect.sync(() => {
            ticks++
            return lastStarts
          })),
          dispatch: (node, dueAt) =>
            clientFor(node.updateHash).Run(scheduledRun(node.updateHash, dueAt)).pipe(
              Effect.map((reply): DispatchStatus => reply.status),
              Effect.catchCause(() => Effect.succeed<DispatchStatus>("failed"))
            )
        })
        return yield* loop
      }))
    )
    const captured = Layer.effectDiscard(Effect.map(Sharding.Sharding, (sharding) => {
      shardings.push(sharding)
    }))
    return Layer.mergeAll(entity, scheduler, captured).pipe(
      Layer.provideMerge(clusterLayer({
        runnerId,
        runnerStorage: "sql",
        grace: "5 seconds",
        handoffAfter: "30 seconds",
        messagePollInterval: `${MESSAGE_POLL_MS} millis`
      })),
      Layer.provide(Database.layerServer(Redacted.make(url.toString()), { maxConnections: 4 }))
    )
  }

  const held = () =>
    shardings.map((sharding) => {
      let count = 0
      for (let id = 1; id <= 300; id++) if (sharding.hasShardId(ShardId.make("default", id))) count++
      return count
    })

  // Each runner in its own fiber of its own run, as a process would have it (no layer shared between them).
  // Shutdown warnings (a runner leaving while its database is dropped) are not the benchmark's output.
  const fibers = Array.from({ length: runners }, (_, index) =>
    Effect.runFork(Layer.launch(runner(index)).pipe(Effect.provideService(References.MinimumLogLevel, "Error"))))
  try {
    const deadline = Date.now() + 120_000
    while (true) {
      const counts = held()
      if (counts.length === runners && counts.every((count) => count > 0) && counts.reduce((a, b) => a + b, 0) === 300) break
      if (Date.now() > deadline) throw new Error(`the runners did not settle their shards: ${counts.join(", ")}`)
      await new Promise((resume) => setTimeout(resume, 250))
    }
    await new Promise((resume) => setTimeout(resume, 3_000))
    start = Date.now()
    lastStarts = initialStarts(start)
    const cpuBefore = cpuMs()
    Deferred.doneUnsafe(go, Effect.void)
    await new Promise((resume) => setTimeout(resume, SERVE_MS))
    const cpu = cpuMs() - cpuBefore
    return { delays: [...delays], ticks, cpu, ranOn }
  } finally {
    await Effect.runPromise(Effect.forEach(fibers, Fiber.interrupt, { concurrency: "unbounded" }))
    await admin((client) => Effect.asVoid(client`DROP DATABASE IF EXISTS ${client(name)} WITH (FORCE)`))
  }
}

const load = (await import("node:os")).loadavg()[0]!.toFixed(1)
console.error(`serve scheduler: ${NODES} nodes due every minute, ${SERVE_MS / 1000} s of wall clock each side (load average ${load})`)
const baseline = await runLoop()
const scheduler = await runScheduler()
const minutes = SERVE_MS / 60_000
const line = (name: string, result: { readonly delays: ReadonlyArray<number>; readonly cpu: number }) =>
  `${name}: ${result.delays.length} runs, delay median ${percentile(result.delays, 50).toFixed(0)} ms, ` +
  `p99 ${percentile(result.delays, 99).toFixed(0)} ms, CPU ${(result.cpu / minutes).toFixed(0)} ms per minute`
console.error(line("direct loop (baseline)", baseline))
console.error(line("ServeScheduler", scheduler))
console.error(
  `ServeScheduler: ${scheduler.ticks} ticks, CPU ${(scheduler.cpu / Math.max(1, scheduler.ticks)).toFixed(2)} ms per tick; ` +
    `CPU ${(scheduler.cpu / Math.max(1, baseline.cpu)).toFixed(1)}x the loop's (sink ${sink % 10})`
)
let passed = verdict(
  "scheduler: due-to-start delay p99",
  `${percentile(scheduler.delays, 99).toFixed(0)} ms`,
  `<= ${P99_TARGET_MS} ms`,
  percentile(scheduler.delays, 99) <= P99_TARGET_MS
)

const unreachable = await serverUnreachable()
if (unreachable !== undefined) {
  console.error(`serve's cluster: skipped, the server ${redactDatabaseUrl(adminUrl)} is unreachable: ${unreachable}`)
} else {
  for (const runners of [1, 3]) {
    const result = await runCluster(runners)
    const label = `cluster, ${runners} runner${runners === 1 ? "" : "s"}`
    console.error(line(label, result))
    console.error(
      `${label}: ${result.ticks} ticks, CPU ${(result.cpu / Math.max(1, result.ticks)).toFixed(2)} ms per tick; ` +
        `CPU ${(result.cpu / Math.max(1, baseline.cpu)).toFixed(1)}x the loop's; runs per runner ` +
        [...result.ranOn.entries()].sort().map(([id, count]) => `${id} ${count}`).join(", ")
    )
    const target = runners === 1 ? P99_TARGET_MS : MESSAGE_POLL_MS + P99_TARGET_MS
    passed = verdict(
      `${label}: due-to-start delay p99`,
      `${percentile(result.delays, 99).toFixed(0)} ms`,
      `<= ${target} ms`,
      percentile(result.delays, 99) <= target
    ) && passed
  }
}
process.exit(passed ? 0 : 1)
