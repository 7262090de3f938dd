/**
 * Which heads a merge revision joins: the ones named, each a head and none built on another, or, when none is
 * named, every head that the fully upgraded history records (a head another branch depends on is joined
 * through its dependant already), so that afterwards the history has one head again.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import {
  MergeNeedsTwo,
  MergeOfNonHead,
  NothingToMerge,
  OverlappingRevisions,
  RevisionGraphError
} from "./RevisionGraphError.ts"
import { compareRevisionIds } from "./RevisionId.ts"

/**
 * The parents a new merge revision lists, by id. With `chosen` (revision ids), those; otherwise the
 * history's upgraded heads. Fewer than two heads, a chosen revision that is not a head, or one chosen head
 * built on another (through a dependency) is an error.
 */
export const headsToMerge = (
  graph: RevisionGraph,
  chosen?: ReadonlyArray<string>
): Result.Result<ReadonlyArray<string>, RevisionGraphError> => {
  const fail = (reason: ConstructorParameters<typeof RevisionGraphError>[0]["reason"]) =>
    Result.fail(new RevisionGraphError({ reason }))
  if (chosen === undefined || chosen.length === 0) {
    return graph.upgradedHeads.length >= 2
      ? Result.succeed(graph.upgradedHeads)
      : fail(new NothingToMerge({ heads: graph.upgradedHeads }))
  }
  const parents = Array.from(new Set(chosen)).sort(compareRevisionIds)
  const notHead = parents.find((id) => !graph.heads.includes(id))
  if (notHead !== undefined) return fail(new MergeOfNonHead({ revision: notHead, heads: graph.heads }))
  if (parents.length < 2) return fail(new MergeNeedsTwo({ revisions: parents }))
  const overlap = graph.findAncestorPair(parents)
  if (overlap !== undefined) return fail(new OverlappingRevisions({ purpose: "merge", target: parents.join(" "), revisions: overlap }))
  return Result.succeed(parents)
}
