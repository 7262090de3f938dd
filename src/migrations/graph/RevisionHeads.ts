/**
 * The heads a version table records and how one step moves them, with Alembic's semantics: the heads are the
 * applied revisions nothing applied builds on (through a parent or a dependency), so the applied set is the
 * heads and everything below them, and no head ever builds on another.
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
  const dependent = graph.findAncestorPair(unique)
  if (dependent !== undefined) {
    return Result.fail(new RevisionGraphError({ reason: new DependentRecordedHeads({ heads: recorded, revisions: dependent }) }))
  }
  return Result.succeed(unique)
}

/**
 * A state of the history that moves one revision at a time, keeping its applied set beside its heads so that
 * each move costs only the links of the revision moved: a whole upgrade or downgrade is linear in the history.
 * Start it from validated heads; apply a revision whose prerequisites are applied, un-apply a head.
 */
export class AppliedState {
  readonly #graph: RevisionGraph
  readonly #applied: Set<string>
  #heads: ReadonlyArray<string>

  constructor(graph: RevisionGraph, heads: ReadonlyArray<string>) {
    this.#graph = graph
    this.#heads = [...heads].sort(compareRevisionIds)
    this.#applied = new Set(graph.appliedSet(heads))
  }

  /** The heads, by id; empty for base. */
  get heads(): ReadonlyArray<string> {
    return this.#heads
  }

  isApplied(id: string): boolean {
    return this.#applied.has(id)
  }

  /** Applies `revision`: the prerequisites that were heads stop being heads (a merge joins them), it becomes one. */
  upgrade(revision: string): ReadonlyArray<string> {
    const prerequisites = this.#graph.prerequisites(revision)
    this.#applied.add(revision)
    this.#heads = [...this.#heads.filter((head) => !prerequisites.includes(head)), revision].sort(compareRevisionIds)
    return this.#heads
  }

  /**
   * Un-applies the head `revision`: each of its prerequisites becomes a head again unless something still
   * applied builds on it directly (a merge's other parent often does not, so both come back; a parent that the
   * other parent builds on never does).
   */
  downgrade(revision: string): ReadonlyArray<string> {
    this.#applied.delete(revision)
    const restored = this.#graph.prerequisites(revision).filter((prerequisite) =>
      this.#applied.has(prerequisite) &&
      !this.#heads.includes(prerequisite) &&
      !this.#graph.successors(prerequisite).some((successor) => this.#applied.has(successor))
    )
    this.#heads = [...this.#heads.filter((head) => head !== revision), ...restored].sort(compareRevisionIds)
    return this.#heads
  }
}

/** The heads after applying `revision`: its prerequisites stop being heads (a merge joins them), it becomes one. */
export const headsAfterUpgrade = (
  graph: RevisionGraph,
  heads: ReadonlyArray<string>,
  revision: string
): ReadonlyArray<string> => {
  const prerequisites = graph.prerequisites(revision)
  return [...heads.filter((head) => !prerequisites.includes(head)), revision].sort(compareRevisionIds)
}

/**
 * The heads after un-applying the head `revision`: it stops being a head, and each of its prerequisites
 * becomes one again unless a remaining head, or another of those prerequisites, still builds on it.
 */
export const headsAfterDowngrade = (
  graph: RevisionGraph,
  heads: ReadonlyArray<string>,
  revision: string
): ReadonlyArray<string> => {
  const remaining = heads.filter((head) => head !== revision)
  const candidates = graph.prerequisites(revision)
  const restored = graph.normalizeHeads([...remaining, ...candidates]).filter((id) => candidates.includes(id))
  return [...remaining, ...restored.filter((id) => !remaining.includes(id))].sort(compareRevisionIds)
}
