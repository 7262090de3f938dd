/**
 * The graph of a run cannot be built: a cycle (listed node by node), two kinds sharing a name, a node whose
 * output table was not attached, or `dependencies()` returning something that is not a node.
 */
import * as Schema from "effect/Schema"

export class NodeGraphError extends Schema.TaggedError<NodeGraphError>()("NodeGraphError", {
  reason: Schema.Literals(["cycle", "duplicate-kind", "not-attached", "not-a-node", "dependencies-failed"]),
  /** The nodes concerned, `Kind (update hash)`; for a cycle, its path back to the first node. */
  nodes: Schema.Array(Schema.String),
  detail: Schema.String
}) {
  override get message(): string {
    const subject = this.nodes.join(", ")
    switch (this.reason) {
      case "cycle":
        return `The DataNode graph has a cycle: ${this.nodes.join(" -> ")}. A node cannot depend on itself, ` +
          "directly or through its dependencies."
      case "duplicate-kind":
        return `DataNode ${subject}: ${this.detail}. Give each kind its own name; it prefixes the update hash.`
      case "not-attached":
        return `DataNode ${subject} writes ${this.detail}, which the engine did not attach. Add the table to ` +
          "startEngine({ tables }) (and to your migration provider, if it is new)."
      case "not-a-node":
        return `${this.detail}${subject === "" ? "" : ` (in ${subject})`}.`
      case "dependencies-failed":
        return `dependencies() of DataNode ${subject} failed: ${this.detail}`
    }
  }
}
