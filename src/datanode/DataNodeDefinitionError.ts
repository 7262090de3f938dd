/**
 * A DataNode kind declared wrongly (no kind name, a relational output table, a missing update), reported when
 * the declaration is made, with every problem at once.
 */
import * as Schema from "effect/Schema"

export class DataNodeDefinitionError extends Schema.TaggedError<DataNodeDefinitionError>()("DataNodeDefinitionError", {
  kind: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  /** A declaration is wrong until it is changed. */
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `DataNode "${this.kind}" is declared wrongly:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}
