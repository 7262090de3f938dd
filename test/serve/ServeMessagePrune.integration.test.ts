/**
 * The prune of the cluster's finished run messages, on both backends, with explicit timestamps (message and
 * reply ids are snowflakes made at chosen times) and the test clock: finished messages whose final reply is
 * older than the retention go with every reply and message of their request, in batches; recent ones,
 * unprocessed ones, unanswered ones, requests with an unprocessed message and other entity types' messages
 * stay. The backlog health query's index is made idempotently. On the server, two `serve` runners prune
 * through one cluster singleton: their passes never overlap, and the old messages go while the rest stay.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as MachineId from "effect/cluster/MachineId"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Snowflake from "effect/cluster/Snowflake"
import * as SqlMessageStorage from "effect/cluster/SqlMessageStorage"
import * as Digest from "effect/crypto/Digest"
import * as WebCrypto from "effect/crypto/WebCrypto"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import { Database, type ServeEvent, serveLayer, startEngine } from "../../src/index.ts"
import { CLUSTER_TABLE_PREFIX, NODE_ENTITY_TYPE, waitingMessages } from "../../src/serve/ServeBacklog.ts"
import {
  BACKLOG_INDEX,
  ensureBacklogIndex,
  type MessagePrunePass,
  messagePruneLoop,
  pruneFinishedMessages
} from "../../src/serve/ServeMessagePrune.ts"
import { deployTables } from "../support/deploy.ts"
import { describeBackends, describeServer, resetDatabase, TestDatabase } from "../support/TestDatabase.ts"
import { graph, Levels } from "./fixtures/ServeGraph.ts"

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** "Now" in these tests. */
const T = Date.UTC(2026, 5, 1, 12)

/** The cluster's message tables, made by effect's own storage migrations. */
const messageTables = Effect.scoped(Layer.build(
  SqlMessageStorage.layerWith({ prefix: CLUSTER_TABLE_PREFIX }).pipe(
    Layer.provide(ShardingConfig.layer()),
    Layer.provide(Digest.layerWebCrypto.pipe(Layer.provide(WebCrypto.layer(globalThis.crypto))))
  )
)).pipe(Effect.asVoid)

let sequence = 0
const snowflakeAt = (millis: number): string =>
  String(Snowflake.make({ timestamp: millis, machineId: MachineId.make(7), sequence: ++sequence }))

interface Seeded {
  readonly name: string
  readonly requestId: string
}

/**
 * One run request sent at `sentAt`: processed with a final reply made at `repliedAt`, or waiting (no reply);
 * optionally with a chunk reply and its processed acknowledgement, or an unprocessed interrupt.
 */
const seed = (name: string, options: {
  readonly sentAt: number
  readonly repliedAt?: number | undefined
  readonly entityType?: string | undefined
  readonly chunked?: boolean | undefined
  readonly lateInterrupt?: boolean | undefined
  readonly deliverAt?: number | undefined
}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const requestId = snowflakeAt(options.sentAt)
    const replyId = options.repliedAt === undefined ? null : snowflakeAt(options.repliedAt)
    const processed = replyId !== null
    const message = (id: string, kind: number, done: boolean, replyTo: string | null) =>
      sql.unsafe(
        `INSERT INTO ${CLUSTER_TABLE_PREFIX}_messages
           (id, message_id, shard_id, entity_type, entity_id, kind, tag, payload, headers, processed, request_id,
            reply_id, last_reply_id, deliver_at)
         VALUES ($1, $2, 'default:1', $3, $4, $5, $6, $7, '{}', $8, $9, $10, $11, $12)`,
        [
          id,
          kind === 0 ? `${name}-key` : null,
          options.entityType ?? NODE_ENTITY_TYPE,
          `hash-${name}`,
          kind,
          kind === 0 ? "Run" : null,
          kind === 0 ? "{}" : null,
          done,
          requestId,
          replyTo,
          kind === 0 ? replyId : null,
          options.deliverAt ?? null
        ]
      )
    yield* message(requestId, 0, processed, null)
    if (options.chunked === true) {
      const chunkId = snowflakeAt(options.sentAt + 1)
      yield* sql.unsafe(
        `INSERT INTO ${CLUSTER_TABLE_PREFIX}_replies (id, kind, request_id, payload, sequence, acked)
         VALUES ($1, NULL, $2, '[]', 0, TRUE)`,
        [chunkId, requestId]
      )
      yield* message(snowflakeAt(options.sentAt + 2), 1, true, chunkId)
    }
    if (replyId !== null) {
      yield* sql.unsafe(
        `INSERT INTO ${CLUSTER_TABLE_PREFIX}_replies (id, kind, request_id, payload) VALUES ($1, 0, $2, '{}')`,
        [replyId, requestId]
      )
    }
    if (options.lateInterrupt === true) yield* message(snowflakeAt(options.repliedAt! + 1), 2, false, null)
    return { name, requestId } satisfies Seeded
  })

/** The seeded requests still in the tables, by name, with how many messages and replies each has. */
const remaining = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql.unsafe<{ readonly entity_id: string; readonly messages: unknown; readonly replies: unknown }>(
    `SELECT m.entity_id, count(*) AS messages,
       (SELECT count(*) FROM ${CLUSTER_TABLE_PREFIX}_replies r WHERE r.request_id = m.request_id) AS replies
     FROM ${CLUSTER_TABLE_PREFIX}_messages m GROUP BY m.entity_id, m.request_id ORDER BY m.entity_id`
  )
  return rows.map((row) => `${row.entity_id.replace(/^hash-/, "")}:${Number(row.messages)}/${Number(row.replies)}`)
})

const replyCount = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    sql.unsafe<{ readonly n: unknown }>(`SELECT count(*) AS n FROM ${CLUSTER_TABLE_PREFIX}_replies`),
    (rows) => Number(rows[0]!.n)
  ))

describeBackends("pruning the cluster's finished run messages", (it, backend) => {
  it.effect("deletes finished messages past the retention with their replies, in batches, and nothing else", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* messageTables
      for (const name of ["a1", "a2", "a3", "a4", "a5"]) {
        yield* seed(name, { sentAt: T - 3 * DAY, repliedAt: T - 3 * DAY + 1_000 })
      }
      // Streamed: a chunk reply and its acknowledgement go with the request.
      yield* seed("chunked", { sentAt: T - 2 * DAY, repliedAt: T - 2 * DAY + 5_000, chunked: true })
      // Sent long ago but finished within the retention (a long run): kept.
      yield* seed("recent-reply", { sentAt: T - 3 * DAY, repliedAt: T - 2 * HOUR })
      yield* seed("recent", { sentAt: T - HOUR, repliedAt: T - HOUR + 1_000 })
      // Unprocessed, with no reply: a runner still needs it.
      yield* seed("waiting", { sentAt: T - 3 * DAY })
      // Finished, but an interrupt sent after it is unprocessed: its reply keeps storage from delivering it.
      yield* seed("interrupted-late", { sentAt: T - 3 * DAY, repliedAt: T - 3 * DAY + 1_000, lateInterrupt: true })
      // Another entity type's messages are not serve's runs.
      yield* seed("other", { sentAt: T - 3 * DAY, repliedAt: T - 3 * DAY + 1_000, entityType: "Other" })
      assert.strictEqual(yield* replyCount, 11)

      const result = yield* pruneFinishedMessages({ before: new Date(T - DAY), batchSize: 2 })
      assert.deepStrictEqual(result, { requests: 6, messages: 7, replies: 7, batches: 3 })
      assert.deepStrictEqual(yield* remaining, [
        "interrupted-late:2/1",
        "other:1/1",
        "recent:1/1",
        "recent-reply:1/1",
        "waiting:1/0"
      ])
      assert.strictEqual(yield* replyCount, 4)

      // Nothing left to prune: a second pass is one empty look.
      assert.deepStrictEqual(
        yield* pruneFinishedMessages({ before: new Date(T - DAY), batchSize: 2 }),
        { requests: 0, messages: 0, replies: 0, batches: 0 }
      )
      // The waiting message is still what the backlog health reads.
      const waiting = yield* waitingMessages(new Date(T))
      assert.deepStrictEqual(waiting.map((row) => [row.updateHash, row.waiting]), [["hash-waiting", 1]])
      // Past every retention, the recent ones go too; the waiting and the late interrupt never do.
      yield* pruneFinishedMessages({ before: new Date(T) })
      assert.deepStrictEqual(yield* remaining, ["interrupted-late:2/1", "other:1/1", "waiting:1/0"])
    }))

  // On the embedded database only: on the server, moving the test clock to 2026 never returns (the pool's
  // timers under the test clock); the server's prune is the same statement, tested above with explicit times.
  const onPGlite = backend === "pglite" ? it.effect : it.effect.skip
  onPGlite("prunes on a schedule by the effect clock: at start, then every interval, by each pass's own cutoff", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(T)
      yield* resetDatabase
      yield* messageTables
      yield* seed("old", { sentAt: T - 2 * DAY, repliedAt: T - 2 * DAY + 1_000 })
      yield* seed("older-soon", { sentAt: T - DAY, repliedAt: T - 23 * HOUR - 30 * 60_000 })
      yield* seed("young", { sentAt: T - HOUR, repliedAt: T - HOUR })
      const passes = yield* Queue.unbounded<MessagePrunePass>()
      const fiber = yield* Effect.forkScoped(messagePruneLoop({
        retention: "1 day",
        interval: "1 hour",
        onPass: (pass) => Queue.offer(passes, pass).pipe(Effect.asVoid),
        onError: (error) => Effect.die(error)
      }))

      const first = yield* Queue.take(passes)
      assert.strictEqual(first.before.getTime(), T - DAY)
      assert.strictEqual(first.requests, 1)
      assert.deepStrictEqual(yield* remaining, ["older-soon:1/1", "young:1/1"])

      for (let i = 0; i < 5; i++) yield* Effect.yieldNow
      yield* TestClock.adjust("1 hour")
      const second = yield* Queue.take(passes)
      assert.strictEqual(second.before.getTime(), T + HOUR - DAY)
      assert.strictEqual(second.requests, 1)
      assert.deepStrictEqual(yield* remaining, ["young:1/1"])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.scoped))

  it.effect("makes the backlog query's index once, however many runners ask at once", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* messageTables
      yield* Effect.all([ensureBacklogIndex, ensureBacklogIndex, ensureBacklogIndex], { concurrency: "unbounded" })
      yield* ensureBacklogIndex
      const sql = yield* SqlClient.SqlClient
      const indexes = yield* sql.unsafe<{ readonly indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE indexname = $1`,
        [BACKLOG_INDEX]
      )
      assert.strictEqual(indexes.length, 1)
      assert.include(indexes[0]!.indexdef, "WHERE ((processed = false) AND (kind = 0))")
    }))
})

/** One runner as its own process would have it, pruning every second what finished over an hour ago. */
const runnerLayer = (url: Redacted.Redacted<string>, runnerId: string, events: Array<ServeEvent & { runnerId: string }>) =>
  serveLayer(graph, {
    runnerId,
    concurrency: 2,
    retry: Schedule.recurs(0),
    pollInterval: "1 second",
    grace: "5 seconds",
    handoffAfter: "6 seconds",
    messagePrune: { retention: "1 hour", interval: "1 second", batchSize: 2 },
    onEvent: (event) => Effect.sync(() => events.push({ ...event, runnerId }))
  }).pipe(
    Layer.provideMerge(startEngine({ tables: [Levels] })),
    Layer.provideMerge(Database.layerServer(url, { maxConnections: 8 }))
  )

describeServer("pruning while serving on several runners", (it) => {
  it.effect("one runner prunes: passes never overlap, old finished messages go, the rest stay", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      yield* messageTables
      const now = Date.now()
      for (const name of ["old1", "old2", "old3", "old4", "old5"]) {
        yield* seed(name, { sentAt: now - 3 * DAY, repliedAt: now - 3 * DAY + 1_000 })
      }
      // Unprocessed and old, but due only in the far future (no runner may deliver it in this test).
      yield* seed("waiting", { sentAt: now - 3 * DAY, deliverAt: Date.UTC(2100, 0, 1) })
      const { url } = yield* TestDatabase
      const events: Array<ServeEvent & { runnerId: string }> = []
      const fibers = yield* Effect.forEach(["p1", "p2"], (id) => Effect.forkChild(Layer.launch(runnerLayer(url!, id, events))))
      const passesOf = () => events.filter((event) => event._tag === "MessagesPruned") as Array<MessagePrunePass & { runnerId: string }>
      // Until the old messages are gone and several passes ran (polling the tables, not timing them).
      yield* Effect.gen(function*() {
        while (true) {
          const left = yield* remaining
          if (!left.some((row) => row.startsWith("old")) && passesOf().length >= 4) return
          yield* Effect.sleep("500 millis")
        }
      }).pipe(Effect.timeout("120 seconds"))
      yield* Effect.forEach(fibers, Fiber.interrupt)

      const passes = passesOf().sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())
      for (let i = 1; i < passes.length; i++) {
        assert.isAtMost(
          passes[i - 1]!.finishedAt.getTime(),
          passes[i]!.startedAt.getTime(),
          `passes on ${passes[i - 1]!.runnerId} and ${passes[i]!.runnerId} overlapped`
        )
      }
      // Two pruning loops would take turns all along; the singleton moves at most once (when the second runner
      // joins and the shards are shared out).
      const order = passes.map((pass) => pass.runnerId)
      const switches = order.filter((runner, i) => i > 0 && runner !== order[i - 1]).length
      assert.isAtMost(switches, 1, `passes by runner, in order: ${order.join(" ")}`)
      assert.strictEqual(passes.reduce((sum, pass) => sum + pass.requests, 0), 5, "each old message pruned once")
      assert.isFalse(events.some((event) => event._tag === "MessagePruneFailed"))
      const left = yield* remaining
      assert.include(left, "waiting:1/0")
      // The runs made while serving finished within the hour: their messages and replies stay.
      const sql = yield* SqlClient.SqlClient
      const served = yield* sql.unsafe<{ readonly n: unknown }>(
        `SELECT count(*) AS n FROM ${CLUSTER_TABLE_PREFIX}_messages WHERE processed AND entity_type = $1`,
        [NODE_ENTITY_TYPE]
      )
      assert.isAbove(Number(served[0]!.n), 0)
    }).pipe(TestClock.withLive), { timeout: 180_000 })
})
