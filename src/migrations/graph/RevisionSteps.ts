/**
 * The ordered steps between the database's current heads and a resolved target, with the heads before and
 * after each one: what a plan executes, one revision per step, moving the version table after each.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { RevisionGraphError, UnknownRevision, WrongDirection } from "./RevisionGraphError.ts"
import { headsAfterDowngrade, headsAfterUpgrade, validateCurrentHeads } from "./RevisionHeads.ts"
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
 * The steps of an upgrade: every revision the target state needs that is not applied (everything below the
 * current heads counts as applied), parents first in the graph's topological order. A target already reached
 * gives no steps; a target the database has moved past (base included) is an error pointing to downgrade.
 */
export const upgradeSteps = (
  graph: RevisionGraph,
  currentHeads: Iterable<string>,
  target: ResolvedRevisionTarget
): Result.Result<ReadonlyArray<RevisionStep>, RevisionStepsError> =>
  Result.gen(function*() {
    const heads = yield* validateCurrentHeads(graph, currentHeads)
    yield* checkTargetRevisions(graph, target)
    const applied = graph.appliedSet(heads)
    const needed = graph.ancestors(target.revisions, { inclusive: true }).filter((id) => !applied.has(id))
    if (needed.length === 0) {
      const behind = target.revisions.filter((id) => !heads.includes(id))
      const movedPast = target.revisions.length === 0 ? heads.length > 0 : behind.length > 0
      if (movedPast) {
        return yield* Result.fail(
          new RevisionGraphError({
            reason: new WrongDirection({
              command: "upgrade",
              target: target.target,
              revisions: behind,
              currentHeads: heads
            })
          })
        )
      }
    }
    return walk(heads, needed, (before, revision) => ({
      revision,
      direction: "up",
      headsBefore: before,
      headsAfter: headsAfterUpgrade(graph, before, revision)
    }))
  })

/**
 * The steps of a downgrade, children first: to `base`, every applied revision; to a state, every applied
 * revision built on one of its revisions (Alembic's rule: branches and histories the target does not build
 * on are left alone, so downgrading from a merge to one of its parents keeps the other). Every target
 * revision must be applied, else it is an error pointing to upgrade; a target already reached gives no steps.
 */
export const downgradeSteps = (
  graph: RevisionGraph,
  currentHeads: Iterable<string>,
  target: ResolvedRevisionTarget
): Result.Result<ReadonlyArray<RevisionStep>, RevisionStepsError> =>
  Result.gen(function*() {
    const heads = yield* validateCurrentHeads(graph, currentHeads)
    yield* checkTargetRevisions(graph, target)
    const applied = graph.appliedSet(heads)
    const notApplied = target.revisions.filter((id) => !applied.has(id))
    if (notApplied.length > 0) {
      return yield* Result.fail(
        new RevisionGraphError({
          reason: new WrongDirection({
            command: "downgrade",
            target: target.target,
            revisions: notApplied,
            currentHeads: heads
          })
        })
      )
    }
    const removed = target.revisions.length === 0
      ? graph.inTopologicalOrder(applied)
      : graph.descendants(target.revisions).filter((id) => applied.has(id))
    return walk(heads, [...removed].reverse(), (before, revision) => ({
      revision,
      direction: "down",
      headsBefore: before,
      headsAfter: headsAfterDowngrade(graph, before, revision)
    }))
  })

const walk = (
  heads: ReadonlyArray<string>,
  revisions: ReadonlyArray<string>,
  step: (headsBefore: ReadonlyArray<string>, revision: string) => RevisionStep
): ReadonlyArray<RevisionStep> => {
  let current = heads
  return revisions.map((revision) => {
    const next = step(current, revision)
    current = next.headsAfter
    return next
  })
}

/** A target built by hand (not by `resolveRevisionTarget`) may name revisions the graph lacks. */
const checkTargetRevisions = (
  graph: RevisionGraph,
  target: ResolvedRevisionTarget
): Result.Result<void, RevisionGraphError> => {
  const unknown = target.revisions.find((id) => !graph.has(id))
  if (unknown === undefined) return Result.void
  return Result.fail(
    new RevisionGraphError({ reason: new UnknownRevision({ target: target.target, revision: unknown }) })
  )
}
