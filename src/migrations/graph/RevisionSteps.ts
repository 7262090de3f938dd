/**
 * The steps between the database's heads and a resolved target: which revisions an upgrade applies or a
 * downgrade un-applies, in which order, and the version table's heads before and after each one. Both
 * directions cost time linear in the history: the applied set is computed once and then moved step by step.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { RevisionGraphError, UnknownRevision, WrongDirection } from "./RevisionGraphError.ts"
import { AppliedState, validateCurrentHeads } from "./RevisionHeads.ts"
import type { ResolvedRevisionTarget } from "./RevisionTarget.ts"

/** Applying (`up`) or un-applying (`down`) one revision; the heads are sorted by id, empty for base. */
export interface RevisionStep {
  readonly revision: string
  readonly direction: "up" | "down"
  readonly headsBefore: ReadonlyArray<string>
  readonly headsAfter: ReadonlyArray<string>
}

/** What planning the steps fails with: recorded heads that do not fit, a target the graph lacks, a wrong direction. */
export type RevisionStepsError = RevisionGraphError

/**
 * The steps of an upgrade: every revision the target state needs (its revisions, their parents and their
 * dependencies, down to base) that is not applied, prerequisites first in the graph's topological order. A
 * target already reached gives no steps; a target the database has moved past (what a downgrade to it would
 * undo is applied) is an error pointing to downgrade.
 */
export const upgradeSteps = (
  graph: RevisionGraph,
  currentHeads: Iterable<string>,
  target: ResolvedRevisionTarget
): Result.Result<ReadonlyArray<RevisionStep>, RevisionStepsError> =>
  Result.gen(function*() {
    const heads = yield* validateCurrentHeads(graph, currentHeads)
    yield* checkTargetRevisions(graph, target)
    const state = new AppliedState(graph, heads)
    const needed = graph.ancestors(target.revisions, { inclusive: true }).filter((id) => !state.isApplied(id))
    const passed = new Set(downgradeRoots(graph, target).filter((id) => state.isApplied(id)))
    if (needed.length === 0 && passed.size > 0) {
      const behind = target.revisions.filter((id) => graph.children(id).some((child) => passed.has(child)))
      return yield* Result.fail(
        new RevisionGraphError({
          reason: new WrongDirection({ command: "upgrade", target: target.target, revisions: behind, currentHeads: heads })
        })
      )
    }
    return needed.map((revision): RevisionStep => {
      const headsBefore = state.heads
      return { revision, direction: "up", headsBefore, headsAfter: state.upgrade(revision) }
    })
  })

/**
 * The steps of a downgrade, dependants and children first. Undone: every applied revision built through a
 * parent on a target revision (base: on nothing, so everything), and every applied revision that needs one of
 * those (Alembic's rule: branches and histories the target does not build on are left alone, so downgrading
 * from a merge to one of its parents keeps the other; a revision that only depends on a target revision stays).
 * A target naming a branch (`BRANCH@...`) undoes only what starts on that branch's line. Every target revision
 * must be applied, else it is an error pointing to upgrade; a target already reached gives no steps.
 */
export const downgradeSteps = (
  graph: RevisionGraph,
  currentHeads: Iterable<string>,
  target: ResolvedRevisionTarget
): Result.Result<ReadonlyArray<RevisionStep>, RevisionStepsError> =>
  Result.gen(function*() {
    const heads = yield* validateCurrentHeads(graph, currentHeads)
    yield* checkTargetRevisions(graph, target)
    const state = new AppliedState(graph, heads)
    const notApplied = target.revisions.filter((id) => !state.isApplied(id))
    if (notApplied.length > 0) {
      return yield* Result.fail(
        new RevisionGraphError({
          reason: new WrongDirection({ command: "downgrade", target: target.target, revisions: notApplied, currentHeads: heads })
        })
      )
    }
    const removed = graph.descendants(downgradeRoots(graph, target), { inclusive: true }).filter((id) => state.isApplied(id))
    return removed.reverse().map((revision): RevisionStep => {
      const headsBefore = state.heads
      return { revision, direction: "down", headsBefore, headsAfter: state.downgrade(revision) }
    })
  })

/**
 * Where a downgrade to `target` starts undoing: the children of its revisions (the bases for base), only those
 * on the branch's line when the target names a branch.
 */
export const downgradeRoots = (graph: RevisionGraph, target: ResolvedRevisionTarget): ReadonlyArray<string> => {
  const roots = target.revisions.length === 0 ? graph.bases : target.revisions.flatMap((id) => graph.children(id))
  if (target.branch === undefined) return roots
  const line = graph.line(target.branch)
  return roots.filter((id) => line.has(id))
}

/** A target built by hand (not by `resolveRevisionTarget`) may name revisions the graph lacks. */
const checkTargetRevisions = (
  graph: RevisionGraph,
  target: ResolvedRevisionTarget
): Result.Result<void, RevisionGraphError> => {
  const unknown = [...target.revisions, ...(target.branch === undefined ? [] : [target.branch])].find((id) => !graph.has(id))
  if (unknown === undefined) return Result.void
  return Result.fail(
    new RevisionGraphError({ reason: new UnknownRevision({ target: target.target, revision: unknown }) })
  )
}
