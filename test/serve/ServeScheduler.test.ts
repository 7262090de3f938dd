/**
 * The serve scheduling loop on effect's TestClock (no wall-clock waits): nodes run when due and not before,
 * one catch-up run after downtime, runs made elsewhere move the next due time, dependencies run before
 * dependants (and a failed dependency skips them for the round), concurrency is bounded, crons are honoured,
 * and an unreachable catalog is reported and tried again.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Ref from "effect/Ref"
import * as Result from "effect/Result"
import { TestClock } from "effect/testing"
import { cadenceOf, type NodeCadence } from "../../src/serve/NodeCadence.ts"
import { dependencyOrder, type DispatchStatus, type ScheduledNode, type SchedulerEvent, startScheduler } from "../../src/serve/ServeScheduler.ts"

const cadence = (fields: { freshFor?: Duration.Input; cron?: string }): NodeCadence => {
  const result = cadenceOf(
    { kind: "K", updateHash: "k_0", freshFor: fields.freshFor, tableCadence: undefined },
    { defaultCron: fields.cron }
  )
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

const node = (updateHash: string, fields: { freshFor?: Duration.Input; cron?: string; dependsOn?: Array<string> }): ScheduledNode => ({
  kind: updateHash.toUpperCase(),
  updateHash,
  dependsOn: fields.dependsOn ?? [],
  cadence: cadence(fields)
})

interface Dispatch {
  readonly hash: string
  readonly at: number
  readonly dueAt: number
}

/** Starts a scheduler over `nodes` whose dispatch records what ran and when (TestClock millis). */
const serveWith = (
  nodes: ReadonlyArray<ScheduledNode>,
  options: {
    readonly lastStarts?: Effect.Effect<ReadonlyMap<string, Date>, string>
    readonly dispatch?: (hash: string) => Effect.Effect<DispatchStatus>
    readonly concurrency?: number
  } = {}
) =>
  Effect.gen(function*() {
    const log: Array<Dispatch> = []
    const events: Array<SchedulerEvent> = []
    const { handle, loop } = yield* startScheduler({
      nodes,
      lastStarts: options.lastStarts ?? Effect.succeed(new Map()),
      dispatch: (scheduled, dueAt) =>
        Effect.gen(function*() {
          const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
          log.push({ hash: scheduled.updateHash, at: now, dueAt: dueAt.getTime() })
          return yield* (options.dispatch?.(scheduled.updateHash) ?? Effect.succeed<DispatchStatus>("succeeded"))
        }),
      concurrency: options.concurrency ?? 4,
      pollInterval: "10 minutes",
      onEvent: (event) => Effect.sync(() => events.push(event))
    })
    yield* Effect.forkScoped(loop)
    yield* Effect.yieldNow
    return { log, events, handle }
  })

const times = (log: ReadonlyArray<Dispatch>, hash: string) => log.filter((entry) => entry.hash === hash).map((entry) => entry.at / 1000)

describe("ServeScheduler", () => {
  it.effect("runs a node when it never ran, then once per cadence, never before", () =>
    Effect.gen(function*() {
      const { log } = yield* serveWith([node("a", { freshFor: "1 minute" })])
      assert.deepStrictEqual(times(log, "a"), [0])
      yield* TestClock.adjust("59 seconds")
      assert.deepStrictEqual(times(log, "a"), [0], "not due before its minute")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(times(log, "a"), [0, 60])
      yield* TestClock.adjust("10 minutes")
      assert.deepStrictEqual(times(log, "a"), [0, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 660])
    }).pipe(Effect.scoped))

  it.effect("after downtime runs each node once, then on its cadence from that run", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 0, 1, 12, 0, 30))
      const threeHoursAgo = new Date(Date.UTC(2026, 0, 1, 9, 0, 0))
      const { log } = yield* serveWith(
        [node("a", { freshFor: "1 minute" }), node("b", { cron: "*/5 * * * *" })],
        { lastStarts: Effect.succeed(new Map([["a", threeHoursAgo], ["b", threeHoursAgo]])) }
      )
      const start = Date.UTC(2026, 0, 1, 12, 0, 30)
      assert.deepStrictEqual(log.map((entry) => [entry.hash, entry.at - start]), [["a", 0], ["b", 0]], "one catch-up run each")
      // Each is told when it fell due: a minute, and the next */5 mark, after the run three hours ago.
      assert.deepStrictEqual(log.map((entry) => new Date(entry.dueAt).toISOString()), [
        "2026-01-01T09:01:00.000Z",
        "2026-01-01T09:05:00.000Z"
      ])
      yield* TestClock.adjust("270 seconds")
      // a: every minute from its catch-up run; b: at the next */5 mark (12:05:00).
      assert.deepStrictEqual(times(log, "a").map((t) => t - start / 1000), [0, 60, 120, 180, 240])
      assert.deepStrictEqual(times(log, "b").map((t) => t - start / 1000), [0, 270])
    }).pipe(Effect.scoped))

  it.effect("does not run a node another runner ran: the catalog's last start moves its due time", () =>
    Effect.gen(function*() {
      const lastStarts = yield* Ref.make<ReadonlyMap<string, Date>>(new Map([["a", new Date(0)]]))
      const { log } = yield* serveWith([node("a", { freshFor: "1 minute" })], { lastStarts: Ref.get(lastStarts) })
      assert.deepStrictEqual(times(log, "a"), [], "it ran at 0 elsewhere")
      yield* TestClock.adjust("50 seconds")
      yield* Ref.set(lastStarts, new Map([["a", new Date(50_000)]]))
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(times(log, "a"), [], "the scheduler looked at 60 s and saw the run at 50 s")
      yield* TestClock.adjust("50 seconds")
      assert.deepStrictEqual(times(log, "a"), [110])
    }).pipe(Effect.scoped))

  it.effect("runs dependencies before dependants, and skips dependants of a failure for the round", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const outcome = yield* Ref.make<DispatchStatus>("succeeded")
      const { log, events } = yield* serveWith(
        [node("child", { freshFor: "1 minute", dependsOn: ["parent"] }), node("parent", { freshFor: "1 minute" })],
        {
          dispatch: (hash) =>
            hash === "parent" ? Effect.andThen(Deferred.await(release), Ref.get(outcome)) : Effect.succeed("succeeded")
        }
      )
      assert.deepStrictEqual(log.map((entry) => entry.hash), ["parent"], "the child waits for its parent")
      yield* Deferred.succeed(release, undefined)
      yield* Effect.yieldNow
      assert.deepStrictEqual(log.map((entry) => entry.hash), ["parent", "child"])

      yield* Ref.set(outcome, "failed")
      yield* TestClock.adjust("1 minute")
      const round2 = events.filter((event) => event._tag === "NodeDone").slice(2)
      assert.deepStrictEqual(round2.map((event) => event._tag === "NodeDone" && [event.updateHash, event.status]), [
        ["parent", "failed"],
        ["child", "skipped"]
      ])
      assert.deepStrictEqual(times(log, "child"), [0], "a skipped node is not dispatched")
    }).pipe(Effect.scoped))

  it.effect("keeps at most `concurrency` nodes running", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const hashes = ["n1", "n2", "n3", "n4", "n5"]
      const { log, handle } = yield* serveWith(hashes.map((hash) => node(hash, { freshFor: "1 hour" })), {
        concurrency: 2,
        dispatch: () => Effect.as(Deferred.await(release), "succeeded")
      })
      assert.strictEqual(log.length, 2)
      assert.strictEqual(yield* handle.running, 5, "all five due, three waiting for a permit")
      yield* Deferred.succeed(release, undefined)
      yield* handle.idle
      assert.deepStrictEqual(log.map((entry) => entry.hash).sort(), hashes)
    }).pipe(Effect.scoped))

  it.effect("does not start a node again while its run goes on past its cadence", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const { log } = yield* serveWith([node("slow", { freshFor: "1 minute" })], {
        dispatch: () => Effect.as(Deferred.await(release), "succeeded")
      })
      yield* TestClock.adjust("5 minutes")
      assert.deepStrictEqual(times(log, "slow"), [0])
      yield* Deferred.succeed(release, undefined)
      yield* Effect.yieldNow
      assert.deepStrictEqual(times(log, "slow"), [0, 300], "one catch-up run when the long run ended")
      yield* TestClock.adjust("59 seconds")
      assert.deepStrictEqual(times(log, "slow"), [0, 300], "then on its cadence from that run")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(times(log, "slow"), [0, 300, 360])
    }).pipe(Effect.scoped))

  it.effect("reports an unreachable catalog and looks again after the poll interval", () =>
    Effect.gen(function*() {
      const reachable = yield* Ref.make(false)
      const { log, events } = yield* serveWith([node("a", { freshFor: "1 hour" })], {
        lastStarts: Effect.flatMap(Ref.get(reachable), (ok) => ok ? Effect.succeed(new Map()) : Effect.fail("connection refused"))
      })
      assert.deepStrictEqual(log, [])
      assert.deepStrictEqual(events.map((event) => event._tag), ["CatalogUnavailable"])
      yield* Ref.set(reachable, true)
      yield* TestClock.adjust("10 minutes")
      assert.deepStrictEqual(times(log, "a"), [600])
    }).pipe(Effect.scoped))

  it.effect("counts a dispatch that dies as a failed run and dispatches the node again when due", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const { log, events } = yield* serveWith([node("a", { freshFor: "1 minute" }), node("b", { freshFor: "1 minute", dependsOn: ["a"] })], {
        dispatch: (hash) =>
          hash === "a"
            ? Effect.flatMap(Ref.getAndUpdate(calls, (n) => n + 1), (n) => n === 0 ? Effect.die("a defect reply") : Effect.succeed<DispatchStatus>("succeeded"))
            : Effect.succeed<DispatchStatus>("succeeded")
      })
      assert.deepStrictEqual(times(log, "a"), [0])
      assert.deepStrictEqual(times(log, "b"), [], "its dependant is skipped for the round")
      const died = events.find((event) => event._tag === "DispatchDied")
      assert.strictEqual(died?._tag === "DispatchDied" && died.updateHash, "a")
      assert.include(died?._tag === "DispatchDied" ? died.message : "", "a defect reply")
      yield* TestClock.adjust("1 minute")
      assert.deepStrictEqual(times(log, "a"), [0, 60], "not left in flight: due again a cadence later")
      assert.deepStrictEqual(times(log, "b"), [60])
    }).pipe(Effect.scoped))

  it("orders nodes with dependencies first", () => {
    const ordered = dependencyOrder([
      node("c", { freshFor: "1 minute", dependsOn: ["b"] }),
      node("b", { freshFor: "1 minute", dependsOn: ["a", "outside"] }),
      node("a", { freshFor: "1 minute" })
    ])
    assert.deepStrictEqual(ordered.map((entry) => entry.updateHash), ["a", "b", "c"])
  })
})
