/**
 * A hash namespace that cannot be used: blank, or set explicitly to two different values.
 */
import * as Schema from "effect/Schema"

export class HashNamespaceError extends Schema.TaggedError<HashNamespaceError>()("HashNamespaceError", {
  reason: Schema.Literals(["conflict", "blank"]),
  /** The values given, in the order they were met. */
  values: Schema.Array(Schema.String)
}) {
  override get message(): string {
    if (this.reason === "blank") {
      return `A hash namespace must be a non-empty name (found ${JSON.stringify(this.values[0] ?? "")}); leave ` +
        "it unset for no namespace."
    }
    return `Conflicting hash namespaces ${this.values.map((value) => JSON.stringify(value)).join(" and ")}: ` +
      "set a hash namespace explicitly in one place (on the node, or one withHashNamespace around the run)."
  }
}
