/**
 * A storage table declaration that cannot be used, with every problem found in it.
 */
import * as Schema from "effect/Schema"

export class StorageDefinitionError extends Schema.TaggedError<StorageDefinitionError>()(
  "StorageDefinitionError",
  {
    /** The physical table name as declared. */
    table: Schema.String,
    /** One sentence per problem, each naming what is wrong and where. */
    problems: Schema.Array(Schema.String)
  }
) {
  override get message(): string {
    return `Storage table "${this.table}" is not valid:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}
