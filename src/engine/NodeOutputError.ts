/**
 * A node's `update` produced something that is not rows: neither an array of rows nor a stream of arrays.
 */
import * as Schema from "effect/Schema"

export class NodeOutputError extends Schema.TaggedError<NodeOutputError>()("NodeOutputError", {
  node: Schema.String,
  found: Schema.String
}) {
  /** The update returns the same kind of value again. */
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `The update of DataNode ${this.node} returned ${this.found}; it must return an array of rows, or a ` +
      "Stream of arrays of rows (an empty array when there is nothing new)."
  }
}
