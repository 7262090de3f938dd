/**
 * The heads a version table records and how one step moves them, with Alembic's semantics: the heads are the
 * applied revisions nothing applied builds on, so the applied set is the heads and everything below them.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { compareRevisionIds } from "./RevisionId.ts"
import { DependentRecordedHeads, RevisionGraphError, UnknownRecordedHeads } from "./RevisionGraphError.ts"

/**
 * The database's heads, checked against the graph and returned once each, by id. An id the graph does not
 * know (its file is missing) or a head that builds on another head is an error naming them.
 */
export const validateCurrentHeads = (
  graph: RevisionGraph,
  heads: Iterable<string>
): Result.Result<ReadonlyArray<string>, RevisionGraphError> => {
  const recorded = Array.from(heads)
  const unique = Array.from(new Set(recorded)).sort(compareRevisionIds)
  const unknown = unique.filter((id) => !graph.has(id))
  if (unknown.length > 0) {
    return Result.fail(
      new RevisionGraphError({ reason: new UnknownRecordedHeads({ heads: recorded, revisions: unknown }) })
    )
  }
  for (const head of unique) {
    const ancestor = graph.ancestors(head).find((id) => unique.includes(id))
    if (ancestor !== undefined) {
      return Result.fail(
        new RevisionGraphError({
          reason: new DependentRecordedHeads({ heads: recorded, revisions: [ancestor, head] })
        })
      )
    }
  }
  return Result.succeed(unique)
}

/** The heads after applying `revision`: its parents stop being heads (a merge joins them all), it becomes one. */
export const headsAfterUpgrade = (
  graph: RevisionGraph,
  heads: ReadonlyArray<string>,
  revision: string
): ReadonlyArray<string> => {
  const parents = graph.parents(revision)
  return [...heads.filter((head) => !parents.includes(head)), revision].sort(compareRevisionIds)
}

/**
 * The heads after un-applying `revision`: it stops being a head, and each of its parents becomes one again
 * unless a remaining head still builds on it (a merge's other parent often does not, so both come back).
 */
export const headsAfterDowngrade = (
  graph: RevisionGraph,
  heads: ReadonlyArray<string>,
  revision: string
): ReadonlyArray<string> => {
  const remaining = heads.filter((head) => head !== revision)
  const stillApplied = graph.appliedSet(remaining)
  const restored = graph.parents(revision).filter((parent) => !stillApplied.has(parent))
  return [...remaining, ...restored].sort(compareRevisionIds)
}
