/**
 * Hash namespaces set explicitly to two different values (a node's own, or nested `withHashNamespace`).
 */
import * as Schema from "effect/Schema"

export class HashNamespaceError extends Schema.TaggedError<HashNamespaceError>()("HashNamespaceError", {
  reason: Schema.Literals(["conflict"]),
  /** The values given, in the order they were met. */
  values: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Conflicting hash namespaces ${this.values.map((value) => JSON.stringify(value)).join(" and ")}: ` +
      "set a hash namespace explicitly in one place (on the node, or one withHashNamespace around the run)."
  }
}
