/**
 * The scheduling loop of `serve`: it looks at the clock and at each node's last run, starts every node that is
 * due, dependencies before dependants (a due node waits for its due or running dependencies, and is skipped
 * for this round when one of them failed), at most `concurrency` at a time, then sleeps until the next node
 * falls due, a run finishes, or `pollInterval` passes (runs started elsewhere, by another runner or by a
 * request, are seen at the next look). It knows nothing of how a node runs: `dispatch` does (through the
 * cluster in `serve`, directly in tests), so the loop runs on effect's `TestClock` without a database.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import { dueAfter, type NodeCadence } from "./NodeCadence.ts"

/** One node as the scheduler sees it. */
export interface ScheduledNode {
  readonly kind: string
  readonly updateHash: string
  /** Update hashes of its dependencies (those not served are ignored). */
  readonly dependsOn: ReadonlyArray<string>
  readonly cadence: NodeCadence
}

/** How a dispatched node ended. `fresh`: a run after its due time had already succeeded (elsewhere). */
export type DispatchStatus = "succeeded" | "failed" | "fresh" | "skipped" | "interrupted"

export type SchedulerEvent =
  | { readonly _tag: "NodeDue"; readonly updateHash: string; readonly dueAt: Date }
  | { readonly _tag: "NodeDispatched"; readonly updateHash: string; readonly dueAt: Date; readonly startedAt: Date }
  | { readonly _tag: "NodeDone"; readonly updateHash: string; readonly status: DispatchStatus; readonly at: Date }
  | { readonly _tag: "CatalogUnavailable"; readonly message: string }
  /** A dispatch died (a defect, say a defect reply from the cluster): counted as a failed run for the round. */
  | { readonly _tag: "DispatchDied"; readonly updateHash: string; readonly message: string }

export interface SchedulerOptions<E, R> {
  readonly nodes: ReadonlyArray<ScheduledNode>
  /** The start of each node's last run (any outcome), by update hash, as the catalog has it. */
  readonly lastStarts: Effect.Effect<ReadonlyMap<string, Date>, E, R>
  /**
   * Runs one node whose due dependencies have run; `dueAt` is the instant it fell due (its last run's start plus
   * its cadence, or the moment it was found due when it never ran or fell due while nothing served it).
   */
  readonly dispatch: (node: ScheduledNode, dueAt: Date) => Effect.Effect<DispatchStatus, never, R>
  /** How many dispatched nodes run at once. */
  readonly concurrency: number
  /** The longest sleep between two looks at the catalog (default 30 seconds). */
  readonly pollInterval?: Duration.Input | undefined
  readonly onEvent?: ((event: SchedulerEvent) => Effect.Effect<void>) | undefined
}

/** What `serve` keeps of a running scheduler: how to wait for its dispatched nodes when it stops. */
export interface SchedulerHandle {
  /** Nodes dispatched and not finished. */
  readonly running: Effect.Effect<number>
  /** Waits until no dispatched node is running. */
  readonly idle: Effect.Effect<void>
}

/** The nodes with every dependency before its dependants (the graph is acyclic: the runner refused cycles). */
export const dependencyOrder = (nodes: ReadonlyArray<ScheduledNode>): ReadonlyArray<ScheduledNode> => {
  const byHash = new Map(nodes.map((node) => [node.updateHash, node]))
  const ordered: Array<ScheduledNode> = []
  const seen = new Set<string>()
  const visit = (node: ScheduledNode) => {
    if (seen.has(node.updateHash)) return
    seen.add(node.updateHash)
    for (const hash of node.dependsOn) {
      const dependency = byHash.get(hash)
      if (dependency !== undefined) visit(dependency)
    }
    ordered.push(node)
  }
  nodes.forEach(visit)
  return ordered
}

const maxDate = (a: Date | undefined, b: Date | undefined): Date | undefined =>
  a === undefined ? b : b === undefined ? a : a.getTime() >= b.getTime() ? a : b

/**
 * Starts the loop in the current scope and returns its handle; the loop and every node it dispatched end with
 * the scope (an interrupted run is recorded as such by the runner). Interrupt the returned fiber's scope only
 * after `idle` (or a grace period) to let running nodes commit.
 */
export const startScheduler = Effect.fn("ServeScheduler.start")(function*<E, R>(
  options: SchedulerOptions<E, R>
): Effect.fn.Return<{ readonly handle: SchedulerHandle; readonly loop: Effect.Effect<never, never, R> }, never, Scope.Scope> {
  const nodes = dependencyOrder(options.nodes)
  const emit = options.onEvent ?? (() => Effect.void)
  const pollMillis = Duration.toMillis(Duration.fromInputUnsafe(options.pollInterval ?? "30 seconds"))
  const permits = yield* Semaphore.make(options.concurrency)
  const dispatched = yield* FiberSet.make<void, never>()
  const wakeups = yield* Queue.sliding<void>(1)
  const inFlight = new Map<string, Deferred.Deferred<DispatchStatus>>()
  /** When this scheduler last dispatched each node: the catalog may not show the run yet. */
  const dispatchedAt = new Map<string, Date>()
  let lastStarts: ReadonlyMap<string, Date> = new Map()

  const lastStartOf = (hash: string) => maxDate(lastStarts.get(hash), dispatchedAt.get(hash))

  const start = (
    node: ScheduledNode,
    dueAt: Date,
    now: Date,
    round: Map<string, Deferred.Deferred<DispatchStatus>>
  ) =>
    Effect.gen(function*() {
      const done = yield* Deferred.make<DispatchStatus>()
      // Dependencies started this round (earlier, in dependency order; perhaps finished already) or still running
      // from a past one.
      const waitFor = node.dependsOn.flatMap((hash) => {
        const running = round.get(hash) ?? inFlight.get(hash)
        return running === undefined ? [] : [running]
      })
      round.set(node.updateHash, done)
      inFlight.set(node.updateHash, done)
      // The next run counts from now (when this one was asked for), not from the due time it may be late for.
      dispatchedAt.set(node.updateHash, now)
      yield* emit({ _tag: "NodeDue", updateHash: node.updateHash, dueAt })
      const body = Effect.gen(function*() {
        const dependencies = yield* Effect.forEach(waitFor, Deferred.await)
        const blocked = dependencies.some((status) => status === "failed" || status === "skipped" || status === "interrupted")
        const status: DispatchStatus = blocked ? "skipped" : yield* permits.withPermits(1)(
          Effect.gen(function*() {
            const startedAt = new Date(yield* Clock.currentTimeMillis)
            yield* emit({ _tag: "NodeDispatched", updateHash: node.updateHash, dueAt, startedAt })
            // A dispatch that dies is this round's failure: the node must leave `inFlight` to be dispatched again.
            return yield* options.dispatch(node, dueAt).pipe(
              Effect.catchCause((cause) =>
                Cause.hasInterruptsOnly(cause)
                  ? Effect.failCause(cause)
                  : Effect.as(
                    emit({ _tag: "DispatchDied", updateHash: node.updateHash, message: Cause.pretty(cause) }),
                    "failed" as const
                  )
              )
            )
          })
        )
        yield* Deferred.succeed(done, status)
        if (inFlight.get(node.updateHash) === done) inFlight.delete(node.updateHash)
        yield* emit({ _tag: "NodeDone", updateHash: node.updateHash, status, at: new Date(yield* Clock.currentTimeMillis) })
        yield* Queue.offer(wakeups, undefined)
      }).pipe(
        Effect.onInterrupt(() => Deferred.succeed(done, "interrupted"))
      )
      yield* FiberSet.run(dispatched, body)
    })

  const round = Effect.gen(function*() {
    const read = yield* Effect.result(options.lastStarts)
    if (read._tag === "Success") lastStarts = read.success
    else {
      yield* emit({ _tag: "CatalogUnavailable", message: String(read.failure) })
      return pollMillis
    }
    const now = new Date(yield* Clock.currentTimeMillis)
    let sleep = pollMillis
    const started = new Map<string, Deferred.Deferred<DispatchStatus>>()
    for (const node of nodes) {
      if (inFlight.has(node.updateHash)) continue
      const last = lastStartOf(node.updateHash)
      const dueAt = last === undefined ? now : dueAfter(node.cadence, last)
      if (dueAt.getTime() <= now.getTime()) {
        yield* start(node, dueAt, now, started)
      } else {
        sleep = Math.min(sleep, dueAt.getTime() - now.getTime())
      }
    }
    return sleep
  })

  const loop = Effect.gen(function*() {
    while (true) {
      const sleep = yield* round
      // A finished run moves its node's next due time: look again then, or when the next node falls due.
      yield* Effect.raceFirst(Effect.sleep(Duration.millis(Math.max(sleep, 0))), Queue.take(wakeups))
    }
  }) as Effect.Effect<never, never, R>

  return {
    loop,
    handle: {
      running: FiberSet.size(dispatched),
      idle: FiberSet.awaitEmpty(dispatched)
    }
  }
})
