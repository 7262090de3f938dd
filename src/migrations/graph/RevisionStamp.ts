/**
 * The heads `stamp` records: the version table an upgrade or downgrade to each target would leave, without
 * running anything. Each target moves only what it is related to (as Alembic's stamp replaces only the heads on
 * its lineage): one already applied undoes what builds on it, one not applied adds what it needs, and heads on
 * other lines stay. With `purge`, the table is emptied first, so the result is exactly the targets.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { OverlappingRevisions, RevisionGraphError } from "./RevisionGraphError.ts"
import { validateCurrentHeads } from "./RevisionHeads.ts"
import { compareRevisionIds } from "./RevisionId.ts"
import { downgradeRoots } from "./RevisionSteps.ts"
import type { ResolvedRevisionTarget } from "./RevisionTarget.ts"

export interface StampOptions {
  /** Empty the version table first; the current heads are then not read (they may be unknown revisions). */
  readonly purge: boolean
}

/**
 * The heads after stamping `targets` over `currentHeads`, by id. Targets where one builds on another are an
 * error naming the pair; without `purge`, current heads the graph does not know (or that build on each other)
 * are an error too.
 */
export const stampedHeads = (
  graph: RevisionGraph,
  currentHeads: Iterable<string>,
  targets: ReadonlyArray<ResolvedRevisionTarget>,
  options: StampOptions
): Result.Result<ReadonlyArray<string>, RevisionGraphError> =>
  Result.gen(function*() {
    const heads = options.purge ? [] : yield* validateCurrentHeads(graph, currentHeads)
    const overlap = graph.findAncestorPair(targets.flatMap((target) => target.revisions))
    if (overlap !== undefined) {
      const target = targets.map((entry) => entry.target).join(" ")
      return yield* Result.fail(
        new RevisionGraphError({ reason: new OverlappingRevisions({ purpose: "state", target, revisions: overlap }) })
      )
    }
    const before = graph.appliedSet(heads)
    const applied = new Set(before)
    for (const target of targets) {
      const reached = target.revisions.filter((id) => before.has(id))
      const undone = target.revisions.length === 0 || reached.length > 0
        ? graph.descendants(downgradeRoots(graph, { ...target, revisions: reached }), { inclusive: true })
        : []
      for (const id of undone) applied.delete(id)
      const missing = target.revisions.filter((id) => !before.has(id))
      for (const id of graph.ancestors(missing, { inclusive: true })) applied.add(id)
    }
    return Array.from(applied)
      .filter((id) => !graph.successors(id).some((successor) => applied.has(successor)))
      .sort(compareRevisionIds)
  })
