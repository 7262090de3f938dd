/**
 * A node's run was refused because another run of the same node (the same update hash, into the same table)
 * is live: its process still runs, or its heartbeat is fresh. Two runs of one node at once would compute the
 * same increment from the same watermarks and write it twice over; the second is refused instead of waiting,
 * so that a scheduler's overlapping start ends at once, saying who holds the node.
 */
import * as Schema from "effect/Schema"
import { RunHolder } from "./RunLease.ts"

export class RunInProgressError extends Schema.TaggedError<RunInProgressError>()("RunInProgressError", {
  /** The live run. */
  runUid: Schema.String,
  startedAt: Schema.Date,
  mode: Schema.Literals(["run", "backfill"]),
  /** The process running it; null for a run recorded before leases. */
  holder: Schema.NullOr(RunHolder),
  heartbeatAt: Schema.NullOr(Schema.Date)
}) {
  /** The other run may take long; trying again at once would be refused again. */
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    const who = this.holder === null ? "a process" : `process ${this.holder.pid} on ${this.holder.host}`
    const beat = this.heartbeatAt === null ? "" : `, last heartbeat ${this.heartbeatAt.toISOString()}`
    return `The node is already being run: ${this.mode === "backfill" ? "a backfill" : "a run"} started ` +
      `${this.startedAt.toISOString()} by ${who}, which is alive (run ${this.runUid}${beat}). Wait for it to ` +
      "end, or stop that process; once its process is gone (killed, crashed) the run is abandoned and no longer " +
      "blocks: at once on the same host, 60 seconds after its last heartbeat elsewhere."
  }
}
