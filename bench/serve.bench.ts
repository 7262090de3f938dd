/**
 * The serve scheduler on 1,000 trivial nodes, each due every minute, on the wall clock for two minutes (their
 * last runs spread over the minute before the start, so some node falls due every 60 ms): the CPU the
 * scheduling costs per minute of serving and per tick (a look at the catalog and the dispatches it makes),
 * and the delay between a node's due time and its start (median and p99). Baseline, in the same run: a loop
 * in the same process that sleeps until the next node is due and calls its update directly (one timer, nodes
 * sorted by due time) — the least any scheduler does. Target: p99 delay within 1 s; the scheduler's CPU is
 * reported beside the baseline's.
 *
 * What this does not measure: dispatch through the cluster (a persisted message per run in the database and,
 * across runners, the 2-second message poll), which dominates the delay on a real runner; see the README's
 * "Serving a graph" and the issue note.
 */
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { cadenceOf } from "../src/serve/NodeCadence.ts"
import { type ScheduledNode, startScheduler } from "../src/serve/ServeScheduler.ts"
import { verdict } from "./support/measure.ts"

const NODES = 1_000
const CADENCE_MS = 60_000
const SERVE_MS = 120_000
const P99_TARGET_MS = 1_000

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
const passed = verdict(
  "due-to-start delay p99",
  `${percentile(scheduler.delays, 99).toFixed(0)} ms`,
  `<= ${P99_TARGET_MS} ms`,
  percentile(scheduler.delays, 99) <= P99_TARGET_MS
)
process.exit(passed ? 0 : 1)
