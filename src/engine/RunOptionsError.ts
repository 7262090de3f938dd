/**
 * Options of a run that cannot work (a concurrency or batch size below 1, or not a whole number).
 */
import * as Schema from "effect/Schema"

export class RunOptionsError extends Schema.TaggedError<RunOptionsError>()("RunOptionsError", {
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `The run's options are invalid: ${this.problems.join("; ")}.`
  }
}
