/**
 * Naming one node (or several) the way people see them: by kind (`DailyReturns`), by update hash or a prefix
 * of it (`dailyreturns_3f9a`, `3f9a12cd`), or by the `Kind hash` pair the command line prints
 * (`DailyReturns 3f9a12cd`). `nodes status NODE` and a backfill's `--node` take it.
 */
import * as Schema from "effect/Schema"

export interface SelectableNode {
  readonly kind: string
  readonly updateHash: string
}

/** The hash's hexadecimal part, as the command line prints it after the kind. */
const hexOf = (updateHash: string): string => updateHash.slice(updateHash.lastIndexOf("_") + 1)

/** Whether `selector` names `node`. */
export const selects = (selector: string, node: SelectableNode): boolean => {
  const text = selector.trim()
  if (text.length === 0) return false
  if (text === node.kind) return true
  const [kind, hash, ...rest] = text.split(/[\s:]+/)
  if (rest.length === 0 && hash !== undefined && kind === node.kind) return hexOf(node.updateHash).startsWith(hash.toLowerCase())
  const lower = text.toLowerCase()
  return lower.length >= 4 && (node.updateHash.startsWith(lower) || hexOf(node.updateHash).startsWith(lower))
}

export class NodeSelectionError extends Schema.TaggedError<NodeSelectionError>()("NodeSelectionError", {
  selector: Schema.String,
  /** The nodes it matched (several), as `Kind hash`; empty when it matched none. */
  matched: Schema.Array(Schema.String),
  /** The nodes there are to choose from, as `Kind hash`. */
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    if (this.matched.length > 1) {
      return `"${this.selector}" names ${this.matched.length} nodes (${this.matched.join(", ")}); ` +
        "add the hash to choose one, like \"Kind 3f9a12cd\"."
    }
    return `No node is named "${this.selector}"` +
      (this.known.length === 0 ? "." : `; there are ${this.known.join(", ")}.`) +
      " Name a node by its kind, its update hash (or a prefix of at least 4 characters), or \"Kind hash\"."
  }
}

/** `Kind hash` as the command line prints a node. */
export const nodeName = (node: SelectableNode): string => `${node.kind} ${hexOf(node.updateHash).slice(0, 8)}`
