/**
 * The cluster's message backlog, for health: for each served node, its oldest run message still waiting in
 * the message table (not processed, no final reply, due). A runner that heartbeats and holds shards but
 * stopped consuming their messages (its storage loop stalled, or its entities never registered) leaves such
 * messages behind; `assessHealth` calls one stalled when it has waited past `stalledAfter` and no run of its
 * node started since it was sent. A run in progress, however long, started after its message was sent, so
 * it never counts; nor does a message queued behind it (only the oldest waiting message of a node is read).
 *
 * The message table is effect's `SqlMessageStorage` layout (`metatables_cluster_messages`): a message's id is
 * a snowflake whose high bits are its send time in milliseconds after 2025-01-01.
 */
import * as Effect from "effect/Effect"
import * as Snowflake from "effect/cluster/Snowflake"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/** The prefix of the cluster's tables in the served database. */
export const CLUSTER_TABLE_PREFIX = "metatables_cluster"

/** The entity type of a served node (`NodeRunEntity`). */
export const NODE_ENTITY_TYPE = "MetatablesNode"

/** A node's oldest waiting run message. */
export interface WaitingMessages {
  readonly updateHash: string
  readonly shardId: string
  /** When the oldest waiting message was sent. */
  readonly oldestSentAt: Date
  /** How many of the node's run messages wait. */
  readonly waiting: number
}

/** Every served node's oldest waiting run message, read from the message table at `now`. */
export const waitingMessages = (now: Date): Effect.Effect<ReadonlyArray<WaitingMessages>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{
      readonly entity_id: string
      readonly shard_id: string
      readonly sent_ms: bigint | number | string
      readonly waiting: bigint | number | string
    }>(
      `SELECT DISTINCT ON (m.entity_id) m.entity_id, m.shard_id,
         (m.id >> 22) + ${Snowflake.constEpochMillis} AS sent_ms,
         count(*) OVER (PARTITION BY m.entity_id) AS waiting
       FROM ${CLUSTER_TABLE_PREFIX}_messages m
       WHERE m.processed = FALSE AND m.kind = 0 AND m.entity_type = $1
         AND (m.deliver_at IS NULL OR m.deliver_at <= $2)
         AND NOT EXISTS (
           SELECT 1 FROM ${CLUSTER_TABLE_PREFIX}_replies r WHERE r.request_id = m.request_id AND r.kind = 0
         )
       ORDER BY m.entity_id, m.rowid`,
      [NODE_ENTITY_TYPE, now.getTime()]
    )
    return rows.map((row) => ({
      updateHash: row.entity_id,
      shardId: row.shard_id,
      oldestSentAt: new Date(Number(row.sent_ms)),
      waiting: Number(row.waiting)
    }))
  })
