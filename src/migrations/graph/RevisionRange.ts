/**
 * The revisions a history range `LOWER:UPPER` lists (`history -r`), as Alembic's `history` walks them: what
 * UPPER needs (its revisions and everything below them, dependencies included; every revision when UPPER is
 * left out) that is also LOWER or built on it through parents (everything when LOWER is left out or base;
 * `BRANCH@base` starts from the bases of the branch's line). Newest first.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { MalformedTarget, RevisionGraphError } from "./RevisionGraphError.ts"
import type { ResolvedRevisionTarget } from "./RevisionTarget.ts"

/** `LOWER:UPPER` split into its sides; an empty side is left out (`undefined`). */
export const parseRevisionRange = (
  text: string
): Result.Result<{ readonly lower: string | undefined; readonly upper: string | undefined }, RevisionGraphError> => {
  const range = text.trim()
  const sides = range.split(":")
  if (sides.length !== 2) {
    return Result.fail(
      new RevisionGraphError({
        reason: new MalformedTarget({ target: range, detail: "a range is LOWER:UPPER, LOWER: or :UPPER" })
      })
    )
  }
  const side = (value: string) => value.trim() === "" ? undefined : value.trim()
  return Result.succeed({ lower: side(sides[0]!), upper: side(sides[1]!) })
}

/** The revisions between `lower` and `upper` (both included), newest first; a side left out is unbounded. */
export const revisionsInRange = (
  graph: RevisionGraph,
  lower: ResolvedRevisionTarget | undefined,
  upper: ResolvedRevisionTarget | undefined
): ReadonlyArray<string> => {
  const below = upper === undefined ? undefined : new Set(graph.ancestors(upper.revisions, { inclusive: true }))
  const above = lower === undefined ? undefined : new Set(graph.descendants(lowerStarts(graph, lower), {
    inclusive: true,
    dependencies: false
  }))
  return graph.topologicalOrder
    .filter((id) => (below === undefined || below.has(id)) && (above === undefined || above.has(id)))
    .reverse()
}

const lowerStarts = (graph: RevisionGraph, lower: ResolvedRevisionTarget): ReadonlyArray<string> => {
  if (lower.revisions.length > 0) return lower.revisions
  if (lower.branch === undefined) return graph.bases
  const line = graph.line(lower.branch)
  return graph.bases.filter((id) => line.has(id))
}
