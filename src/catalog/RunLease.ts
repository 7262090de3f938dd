/**
 * A run's lease: the process that holds a `running` run (its pid, host and start) and the heartbeat it keeps
 * writing while it runs. A run whose holder is gone is *abandoned*: `nodes status` shows it so, and the next
 * run of the node records it so instead of leaving it `running` forever.
 *
 * A holder is gone when it is this host's process and that process no longer runs (a `kill -9`, a crash: seen
 * at once), or when its heartbeat is older than `LEASE_TTL` (a holder on another host, or a pid reused by
 * another process: seen after the TTL). The embedded database serves one process at a time, so there every
 * holder is on this host and a killed run is seen as abandoned as soon as anyone looks.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as NodeOs from "node:os"
import * as NodeProcess from "node:process"

/** How often a running run writes its heartbeat. */
export const HEARTBEAT_INTERVAL: Duration.Duration = Duration.seconds(10)
/** How old a heartbeat may be before its run counts as abandoned (six missed beats). */
export const LEASE_TTL: Duration.Duration = Duration.seconds(60)

export const RunHolder = Schema.Struct({
  pid: Schema.Int,
  host: Schema.String,
  /** When the holding process started, ISO-8601: with the pid, it tells a process from a later one. */
  processStartedAt: Schema.String
})
export type RunHolder = typeof RunHolder.Type

/** This process, as a run's holder. */
export const currentHolder = (): RunHolder => ({
  pid: NodeProcess.pid,
  host: NodeOs.hostname(),
  processStartedAt: new Date(Math.round(performance.timeOrigin)).toISOString()
})

const sameHolder = (a: RunHolder, b: RunHolder): boolean =>
  a.pid === b.pid && a.host === b.host && a.processStartedAt === b.processStartedAt

/** Whether process `pid` of this host runs (a process of another user counts: signalling it is refused). */
export const isProcessAlive = (pid: number): Effect.Effect<boolean> =>
  Effect.try({ try: () => NodeProcess.kill(pid, 0), catch: (error) => error }).pipe(
    Effect.as(true),
    Effect.catch((error) => Effect.succeed(Predicate.hasProperty(error, "code") && error.code === "EPERM"))
  )

/**
 * Whether the holder of a `running` run is gone. `heartbeatStale` is the database's answer to "is the last
 * heartbeat older than the TTL" (one clock, the database's, for writing and reading heartbeats). A run without
 * a holder was started by a metatables that kept no lease: only a stale heartbeat (there is none) says it is gone.
 */
export const isHolderGone = Effect.fn("RunLease.isHolderGone")(function*(
  holder: RunHolder | null,
  heartbeatStale: boolean,
  probe: (pid: number) => Effect.Effect<boolean> = isProcessAlive
): Effect.fn.Return<boolean> {
  if (holder === null) return heartbeatStale
  const self = currentHolder()
  if (sameHolder(holder, self)) return false
  if (holder.host === self.host && !(yield* probe(holder.pid))) return true
  return heartbeatStale
})
