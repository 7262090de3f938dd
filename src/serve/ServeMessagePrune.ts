/**
 * Keeps the cluster's message tables bounded: every run of a served node leaves a message and its reply in
 * effect's `SqlMessageStorage` tables (`metatables_cluster_messages` and `_replies`), which nothing in the
 * engine removes. One runner (a cluster singleton, `Serve.ts`) prunes, every `interval`, the run messages
 * that finished more than `retention` ago, with their replies, in batches of `batchSize` requests, each batch
 * one short statement.
 *
 * A run message is finished when it is processed and has its final reply (`kind = 0`, `WithExit`): storage
 * marks every message of a request processed in the transaction that saves that reply, and a runner never
 * reads a request with a final reply again. A request is pruned whole (its request message, any interrupt or
 * acknowledgement message sent for it, and every reply) and only when none of its messages is unprocessed:
 * an interrupt that arrived after the run finished stays, with the reply that keeps storage from delivering
 * it. Its age is its final reply's: a reply id is a snowflake whose high bits are the milliseconds after
 * 2025-01-01 when it was made, so "finished before the cutoff" is a range of the replies' primary key.
 *
 * Pruning forgets the message's primary key too (`updateHash@dueAt`, `request:ID`): a request sent again with
 * the same id after the retention runs again instead of answering with the old reply.
 *
 * `ensureBacklogIndex` adds the partial index the backlog health query (`ServeBacklog.ts`) reads: waiting run
 * messages only, in the order that query picks each node's oldest.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Snowflake from "effect/cluster/Snowflake"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { CLUSTER_TABLE_PREFIX, NODE_ENTITY_TYPE } from "./ServeBacklog.ts"
import { maxPruneBatchSize } from "./ServeDefaults.ts"

const messagesTable = `${CLUSTER_TABLE_PREFIX}_messages`
const repliesTable = `${CLUSTER_TABLE_PREFIX}_replies`

/** The partial index of waiting run messages the backlog health query reads. */
export const BACKLOG_INDEX = `${messagesTable}_waiting_idx`

export interface MessagePruneOptions {
  /** How long a finished run message is kept after its final reply (default 1 day). */
  readonly retention?: Duration.Input | undefined
  /** How often the pruning runner looks (default 10 minutes; the first look is at start). */
  readonly interval?: Duration.Input | undefined
  /** How many finished requests one batch deletes (default 1,000; at most `maxPruneBatchSize`). */
  readonly batchSize?: number | undefined
}

export { maxPruneBatchSize }

export const defaultMessagePrune = {
  retention: Duration.days(1),
  interval: Duration.minutes(10),
  batchSize: 1_000
} as const

/** What one prune removed. */
export interface PruneResult {
  /** Requests removed: run messages, each with whatever was sent and replied for it. */
  readonly requests: number
  readonly messages: number
  readonly replies: number
  /** How many statements (batches) it took. */
  readonly batches: number
}

/** The smallest snowflake made at or after `date` (0 before the snowflake epoch). */
const snowflakeAt = (date: Date): bigint => {
  const millis = date.getTime() - Snowflake.constEpochMillis
  return millis <= 0 ? BigInt(0) : BigInt(millis) << BigInt(22)
}

const toNumber = (value: bigint | number | string | null): number => value === null ? 0 : Number(value)

/**
 * Deletes the served nodes' run messages whose final reply was made before `before`, with their replies, in
 * batches of `batchSize` requests (oldest first) until none is left. Unprocessed messages, messages without
 * a final reply and requests with any unprocessed message are never touched.
 */
export const pruneFinishedMessages = (options: {
  readonly before: Date
  readonly batchSize?: number | undefined
}): Effect.Effect<PruneResult, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? defaultMessagePrune.batchSize))
    const cutoff = snowflakeAt(options.before)
    let after = BigInt(-1)
    let requests = 0
    let messages = 0
    let replies = 0
    let batches = 0
    while (cutoff > BigInt(0)) {
      const rows = yield* sql.unsafe<{
        readonly requests: bigint | number | string
        readonly messages: bigint | number | string
        readonly replies: bigint | number | string
        readonly last_reply: bigint | number | string | null
      }>(
        `WITH done AS (
           SELECT m.id AS request_id, r.id AS reply_id
           FROM ${repliesTable} r JOIN ${messagesTable} m ON m.id = r.request_id
           WHERE r.kind = 0 AND r.id > $1 AND r.id < $2
             AND m.kind = 0 AND m.entity_type = $3 AND m.processed = TRUE
             AND NOT EXISTS (
               SELECT 1 FROM ${messagesTable} u WHERE u.request_id = m.id AND u.processed = FALSE
             )
           ORDER BY r.id
           LIMIT ${batchSize}
         ), gone_replies AS (
           DELETE FROM ${repliesTable} r USING done WHERE r.request_id = done.request_id RETURNING r.id
         ), gone_messages AS (
           DELETE FROM ${messagesTable} m USING done
           WHERE m.request_id = done.request_id AND m.processed = TRUE
           RETURNING m.id
         )
         SELECT (SELECT count(*) FROM done) AS requests,
           (SELECT count(*) FROM gone_messages) AS messages,
           (SELECT count(*) FROM gone_replies) AS replies,
           (SELECT max(reply_id) FROM done) AS last_reply`,
        [after.toString(), cutoff.toString(), NODE_ENTITY_TYPE]
      )
      const row = rows[0]
      const found = toNumber(row?.requests ?? 0)
      if (found === 0) break
      batches++
      requests += found
      messages += toNumber(row!.messages)
      replies += toNumber(row!.replies)
      after = BigInt(String(row!.last_reply))
      if (found < batchSize) break
    }
    return { requests, messages, replies, batches }
  })

/**
 * Creates the backlog health query's index if it is missing. Runners starting together each ask; an advisory
 * lock held for the transaction makes them take turns, so the second finds the index made.
 */
export const ensureBacklogIndex: Effect.Effect<void, SqlError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql.withTransaction(Effect.gen(function*() {
    yield* sql.unsafe(`SELECT pg_advisory_xact_lock(hashtext($1))`, [BACKLOG_INDEX])
    yield* sql.unsafe(
      `CREATE INDEX IF NOT EXISTS ${BACKLOG_INDEX}
       ON ${messagesTable} (entity_type, entity_id, rowid) WHERE processed = FALSE AND kind = 0`
    )
  }))
})

/** One pass of the pruning runner, as `serve` reports it. */
export interface MessagePrunePass extends PruneResult {
  /** Messages whose final reply was made before this were pruned. */
  readonly before: Date
  readonly startedAt: Date
  readonly finishedAt: Date
}

/**
 * The pruning runner's loop: a pass at start, then one every `interval`, each pruning what finished more
 * than `retention` before it (by the effect clock). A failed pass is reported and the loop goes on.
 */
export const messagePruneLoop = (options: MessagePruneOptions & {
  readonly onPass: (pass: MessagePrunePass) => Effect.Effect<void>
  readonly onError: (error: SqlError) => Effect.Effect<void>
}): Effect.Effect<never, never, SqlClient.SqlClient> => {
  const retention = Duration.toMillis(Duration.fromInputUnsafe(options.retention ?? defaultMessagePrune.retention))
  const interval = Duration.fromInputUnsafe(options.interval ?? defaultMessagePrune.interval)
  const pass = Effect.gen(function*() {
    const startedAt = yield* Clock.currentTimeMillis
    const before = new Date(startedAt - retention)
    const result = yield* pruneFinishedMessages({ before, batchSize: options.batchSize })
    const finishedAt = yield* Clock.currentTimeMillis
    yield* options.onPass({ ...result, before, startedAt: new Date(startedAt), finishedAt: new Date(finishedAt) })
  }).pipe(Effect.catch(options.onError))
  return Effect.forever(Effect.andThen(pass, Effect.sleep(interval)))
}

/** The problems with prune options, for `ServeOptionsError`. */
export const messagePruneProblems = (options: MessagePruneOptions): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const check = (name: string, input: Duration.Input | undefined, least: Duration.Duration, leastText: string) => {
    if (input === undefined) return
    const duration = Duration.fromInput(input)
    if (duration._tag === "None") problems.push(`${name} must be a duration such as "1 day", not ${String(input)}`)
    else if (Duration.isLessThan(duration.value, least)) {
      problems.push(`${name} must be at least ${leastText}, not ${Duration.format(duration.value)}`)
    }
  }
  // A reply younger than a minute may still be on its way to the runner that asked.
  check("message retention", options.retention, Duration.minutes(1), "1 minute")
  check("message prune interval", options.interval, Duration.seconds(1), "1 second")
  if (
    options.batchSize !== undefined &&
    (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > maxPruneBatchSize)
  ) {
    problems.push(
      `message prune batch size must be a whole number from 1 to ${maxPruneBatchSize.toLocaleString("en-US")}, ` +
        `not ${options.batchSize}`
    )
  }
  return problems
}
