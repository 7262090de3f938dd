/**
 * A node's `update` threw (or its output stream did): an exception is a bug in the update or in what it calls,
 * not a failure that may pass, so it is reported as the update's, named, and not retried.
 */
import * as Schema from "effect/Schema"
import { formatCause } from "../db/FailureCause.ts"

export class NodeUpdateError extends Schema.TaggedError<NodeUpdateError>()("NodeUpdateError", {
  /** `Kind (update hash)`. */
  node: Schema.String,
  /** What was thrown. */
  cause: Schema.Defect()
}) {
  /** The same code throws again. */
  get isRetryable(): boolean {
    return false
  }

  get thrown(): string {
    const name = this.cause instanceof Error && this.cause.name !== "Error" ? `${this.cause.name}: ` : ""
    return `${name}${formatCause(this.cause)}`
  }

  override get message(): string {
    return `The update of DataNode ${this.node} threw: ${this.thrown}. An exception is a bug in the update or in ` +
      "what it calls: fix it, then run the node again."
  }
}
