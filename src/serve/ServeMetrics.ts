/**
 * What this runner did, for `/metrics`: per node, its runs by outcome, rows written and time spent. Counters
 * live in the process (each runner reports the runs it executed, as Prometheus expects of a target); lag
 * behind cadence is read from the catalog when scraped (`ServeHealth`), so every runner reports it alike.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { RunNodeReply } from "./NodeRunEntity.ts"

export interface NodeCounters {
  /** Runs by reply status. */
  readonly runs: Readonly<Record<RunNodeReply["status"], number>>
  readonly rowsInserted: number
  readonly rowsUpdated: number
  /** Seconds spent in runs that ran (not fresh or skipped). */
  readonly durationSeconds: number
}

export interface ServeMetricsService {
  readonly record: (updateHash: string, reply: RunNodeReply) => Effect.Effect<void>
  readonly snapshot: Effect.Effect<ReadonlyMap<string, NodeCounters>>
}

const empty = (): NodeCounters => ({
  runs: { succeeded: 0, failed: 0, fresh: 0, skipped: 0 },
  rowsInserted: 0,
  rowsUpdated: 0,
  durationSeconds: 0
})

export class ServeMetrics extends Context.Service<ServeMetrics, ServeMetricsService>()("metatables/serve/ServeMetrics") {
  static readonly layer: Layer.Layer<ServeMetrics> = Layer.sync(ServeMetrics)(() => {
    const counters = new Map<string, NodeCounters>()
    return ServeMetrics.of({
      record: (updateHash, reply) =>
        Effect.sync(() => {
          const before = counters.get(updateHash) ?? empty()
          counters.set(updateHash, {
            runs: { ...before.runs, [reply.status]: before.runs[reply.status] + 1 },
            rowsInserted: before.rowsInserted + reply.rowsInserted,
            rowsUpdated: before.rowsUpdated + reply.rowsUpdated,
            durationSeconds: before.durationSeconds + reply.durationMs / 1000
          })
        }),
      snapshot: Effect.sync(() => new Map(counters))
    })
  })
}
