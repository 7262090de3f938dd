/**
 * A served node as a cluster entity: entity id = the node's update hash, one persisted `Run` message per due
 * run or request. The cluster places each entity on the one runner holding its shard and handles one message
 * at a time per entity, so a node's update runs on one runner at a time; a persisted message whose runner died
 * is delivered again to the runner that takes the shard over. The primary key (the update hash and the run's
 * due time, or a request's id) makes a message sent twice (two schedulers for a moment) one run with one reply.
 *
 * The handler runs the node alone (`runNodes({ only })`: the scheduler ran its due dependencies first) and
 * answers `fresh` without running when a successful run started at or after the message's due time, so a
 * message delivered again after its run committed writes nothing twice.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as ClusterSchema from "effect/cluster/ClusterSchema"
import * as Entity from "effect/cluster/Entity"
import * as Rpc from "effect/rpc/Rpc"
import type { AnyDataNode } from "../datanode/DataNode.ts"
import { formatCause } from "../db/FailureCause.ts"
import { Engine } from "../engine/Engine.ts"
import { runNodes } from "../engine/Runner.ts"
import { NODE_ENTITY_TYPE } from "./ServeBacklog.ts"

/** Why a run was asked for. */
export const RunReason = Schema.Literals(["schedule", "request"])

export const RunNodeRequest = Schema.Struct({
  updateHash: Schema.String,
  /** Epoch milliseconds the run fell due (a request: when it was made). */
  dueAt: Schema.Number,
  reason: RunReason,
  /** Run even when a run after `dueAt` succeeded, and past the node's freshness. */
  force: Schema.Boolean,
  /** A request's own id; empty for a scheduled run (its key is the hash and due time). */
  requestId: Schema.String,
  /** A replay: the run's "now" (`ctx.asOf`), epoch milliseconds; null for now. */
  asOf: Schema.NullOr(Schema.Number),
  /** A backfill of the node's time index from `from` to `to` (epoch milliseconds; `to` null: the run's now). */
  backfill: Schema.NullOr(Schema.Struct({ from: Schema.Number, to: Schema.NullOr(Schema.Number) }))
})
export type RunNodeRequest = typeof RunNodeRequest.Type

export const RunNodeReply = Schema.Struct({
  status: Schema.Literals(["succeeded", "failed", "fresh", "skipped"]),
  runUid: Schema.NullOr(Schema.String),
  attempts: Schema.Number,
  rowsInserted: Schema.Number,
  rowsUpdated: Schema.Number,
  rowsUnchanged: Schema.Number,
  durationMs: Schema.Number,
  error: Schema.NullOr(Schema.Struct({ tag: Schema.String, message: Schema.String }))
})
export type RunNodeReply = typeof RunNodeReply.Type

/** The request of a node's scheduled run, due at `dueAt`: not forced, no request id, now as its time. */
export const scheduledRun = (updateHash: string, dueAt: Date): RunNodeRequest => ({
  updateHash,
  dueAt: dueAt.getTime(),
  reason: "schedule",
  force: false,
  requestId: "",
  asOf: null,
  backfill: null
})

/** The message's identity: one run per node and due time, or per request. */
export const runMessageKey = (request: RunNodeRequest): string =>
  request.reason === "request" ? `request:${request.requestId}` : `${request.updateHash}@${request.dueAt}`

export const RunNode = Rpc.make("Run", {
  payload: RunNodeRequest.fields,
  success: RunNodeReply,
  primaryKey: runMessageKey
}).annotate(ClusterSchema.Persisted, true)
  // The scheduler stopping (or moving to another runner) does not interrupt a run it asked for: the runner's
  // shutdown lets the run finish within its grace period, then interrupts it.
  .annotate(ClusterSchema.Uninterruptible, "client")

export const NodeRunEntity = Entity.make(NODE_ENTITY_TYPE, [RunNode])

export interface NodeRunOptions {
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  readonly batchSize?: number | undefined
}

const emptyReply = (status: RunNodeReply["status"], error: RunNodeReply["error"] = null): RunNodeReply => ({
  status,
  runUid: null,
  attempts: 0,
  rowsInserted: 0,
  rowsUpdated: 0,
  rowsUnchanged: 0,
  durationMs: 0,
  error
})

/** Runs one node of `nodes` for a message, on the engine in context. */
export const runNodeFor = Effect.fn("Serve.runNode")(function*(
  nodes: ReadonlyArray<AnyDataNode<never>>,
  request: RunNodeRequest,
  options: NodeRunOptions
) {
  const engine = yield* Engine
  if (!request.force) {
    const starts = yield* engine.records.lastStarts
    const last = starts.find((entry) => entry.updateHash === request.updateHash)?.lastSuccessStartedAt
    if (last !== undefined && last.getTime() >= request.dueAt) return emptyReply("fresh")
  }
  const report = yield* runNodes(nodes, {
    only: [request.updateHash],
    concurrency: 1,
    force: request.force,
    retry: options.retry,
    batchSize: options.batchSize,
    asOf: request.asOf === null ? undefined : new Date(request.asOf),
    backfill: request.backfill === null ? undefined : {
      from: new Date(request.backfill.from),
      to: request.backfill.to === null ? undefined : new Date(request.backfill.to),
      nodes: [request.updateHash]
    }
  })
  const outcome = report.nodes[0]
  if (outcome === undefined) return emptyReply("skipped")
  return {
    status: outcome.status,
    runUid: outcome.runUid,
    attempts: outcome.attempts,
    rowsInserted: outcome.rowsInserted,
    rowsUpdated: outcome.rowsUpdated,
    rowsUnchanged: outcome.rowsUnchanged,
    durationMs: outcome.durationMs,
    error: outcome.error
  } satisfies RunNodeReply
}, (effect) =>
  // A run that cannot start (the catalog unreachable, the graph refused) is the message's failed reply: the
  // entity must keep answering.
  Effect.catchCause(effect, (cause) =>
    Cause.hasInterruptsOnly(cause)
      ? Effect.failCause(cause as Cause.Cause<never>)
      : Effect.succeed(emptyReply("failed", { tag: "ServeRunFailed", message: formatCause(Cause.squash(cause)) }))))
