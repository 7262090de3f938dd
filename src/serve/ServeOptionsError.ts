/**
 * `serve` cannot schedule the graph as asked: a node with no cadence, an invalid cron, an invalid concurrency,
 * port or threshold. Nothing is served.
 */
import * as Schema from "effect/Schema"

export class ServeOptionsError extends Schema.TaggedError<ServeOptionsError>()("ServeOptionsError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Cannot serve the graph: ${this.problems.join("; ")}.`
  }
}
