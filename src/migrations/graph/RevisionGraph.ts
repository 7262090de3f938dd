/**
 * The revision history as a pure graph, in the manner of Alembic's `script/revision.py`: fed revisions (an id
 * and its parents), it answers heads, bases, branch points, merges, ancestry and a deterministic order, with no
 * files and no database.
 */
import * as Result from "effect/Result"
import { InvalidHistory, RevisionGraphError } from "./RevisionGraphError.ts"
import { findRevisionGraphProblems } from "./RevisionGraphProblems.ts"
import { compareRevisionIds } from "./RevisionId.ts"

/** One revision as the graph sees it; `source` (its file) only makes messages point somewhere. */
export interface RevisionNode {
  readonly id: string
  /** None for a base, one for an ordinary revision, several for a merge. */
  readonly parents: ReadonlyArray<string>
  readonly source?: string | undefined
}

/** Whether `ancestors` and `descendants` include the revisions they start from (they do not by default). */
export interface AncestryOptions {
  readonly inclusive?: boolean | undefined
}

const sortedIds = (ids: Iterable<string>): ReadonlyArray<string> => Array.from(ids).sort(compareRevisionIds)

/** The graph over any revision type that has an id and parents; `get` gives back the revision as given. */
export class RevisionGraph<R extends RevisionNode = RevisionNode> {
  /**
   * The graph of `revisions`, or one `RevisionGraphError` listing every problem: empty, reserved or
   * unaddressable ids, duplicate ids (with each file), repeated and unknown parents, and cycles.
   */
  static make<R extends RevisionNode>(revisions: Iterable<R>): Result.Result<RevisionGraph<R>, RevisionGraphError> {
    const { revisions: byId, problems } = findRevisionGraphProblems(Array.from(revisions))
    if (problems.length > 0) return Result.fail(new RevisionGraphError({ reason: new InvalidHistory({ problems }) }))
    return Result.succeed(new RevisionGraph(byId))
  }

  /** Every revision id, parents before children, ties broken by id: the order upgrades apply them in. */
  readonly topologicalOrder: ReadonlyArray<string>
  /** Revisions no revision builds on, by id. */
  readonly heads: ReadonlyArray<string>
  /** Revisions without parents (roots of independent histories), by id. */
  readonly bases: ReadonlyArray<string>
  /** Revisions with several children, by id. */
  readonly branchPoints: ReadonlyArray<string>
  /** Revisions with several parents, by id. */
  readonly merges: ReadonlyArray<string>

  readonly #revisions: ReadonlyMap<string, R>
  readonly #children: ReadonlyMap<string, ReadonlyArray<string>>
  readonly #position: ReadonlyMap<string, number>

  private constructor(revisions: ReadonlyMap<string, R>) {
    this.#revisions = revisions
    const children = new Map<string, Array<string>>()
    for (const id of revisions.keys()) children.set(id, [])
    for (const revision of revisions.values()) {
      for (const parent of revision.parents) children.get(parent)?.push(revision.id)
    }
    for (const list of children.values()) list.sort(compareRevisionIds)
    this.#children = children

    this.topologicalOrder = topologicalOrder(revisions, children)
    this.#position = new Map(this.topologicalOrder.map((id, index) => [id, index]))
    const ids = sortedIds(revisions.keys())
    this.heads = ids.filter((id) => (children.get(id)?.length ?? 0) === 0)
    this.bases = ids.filter((id) => (revisions.get(id)?.parents.length ?? 0) === 0)
    this.branchPoints = ids.filter((id) => (children.get(id)?.length ?? 0) > 1)
    this.merges = ids.filter((id) => (revisions.get(id)?.parents.length ?? 0) > 1)
  }

  /** How many revisions the graph holds. */
  get size(): number {
    return this.#revisions.size
  }

  /** The revision with exactly this id, as it was given. */
  get(id: string): R | undefined {
    return this.#revisions.get(id)
  }

  has(id: string): boolean {
    return this.#revisions.has(id)
  }

  /** The parents of `id` in the order its revision lists them; none for a base or an unknown id. */
  parents(id: string): ReadonlyArray<string> {
    return this.#revisions.get(id)?.parents ?? []
  }

  /** The revisions that list `id` as a parent, by id; none for a head or an unknown id. */
  children(id: string): ReadonlyArray<string> {
    return this.#children.get(id) ?? []
  }

  /** The ids that start with `prefix`, by id (an exact id is one of them). */
  idsStartingWith(prefix: string): ReadonlyArray<string> {
    return sortedIds(Array.from(this.#revisions.keys()).filter((id) => id.startsWith(prefix)))
  }

  /**
   * Everything `ids` build on, in topological order. A starting revision is included with
   * `{ inclusive: true }`, or when another starting revision builds on it. Unknown ids contribute nothing.
   */
  ancestors(ids: string | ReadonlyArray<string>, options?: AncestryOptions): ReadonlyArray<string> {
    return this.inTopologicalOrder(this.#reach(ids, (id) => this.parents(id), options?.inclusive === true))
  }

  /**
   * Everything that builds on `ids`, in topological order. A starting revision is included with
   * `{ inclusive: true }`, or when it builds on another starting revision. Unknown ids contribute nothing.
   */
  descendants(ids: string | ReadonlyArray<string>, options?: AncestryOptions): ReadonlyArray<string> {
    return this.inTopologicalOrder(this.#reach(ids, (id) => this.children(id), options?.inclusive === true))
  }

  /** The set of `ids` and everything they build on: the revisions applied when `ids` are the heads. */
  appliedSet(ids: Iterable<string>): ReadonlySet<string> {
    return this.#reach(Array.from(ids), (id) => this.parents(id), true)
  }

  /** Whether `descendant` builds on `ancestor`, directly or not (a revision is not its own ancestor). */
  isAncestor(ancestor: string, descendant: string): boolean {
    return ancestor !== descendant && this.#reach(descendant, (id) => this.parents(id), false).has(ancestor)
  }

  /** `ids` (known ones, once each) sorted parents first, as in `topologicalOrder`. */
  inTopologicalOrder(ids: Iterable<string>): ReadonlyArray<string> {
    const known = Array.from(new Set(ids)).filter((id) => this.#position.has(id))
    return known.sort((left, right) => (this.#position.get(left) ?? 0) - (this.#position.get(right) ?? 0))
  }

  #reach(
    ids: string | ReadonlyArray<string>,
    next: (id: string) => ReadonlyArray<string>,
    inclusive: boolean
  ): Set<string> {
    const starts = (typeof ids === "string" ? [ids] : ids).filter((id) => this.#revisions.has(id))
    const reached = new Set<string>(inclusive ? starts : [])
    const pending = starts.flatMap(next)
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (reached.has(id)) continue
      reached.add(id)
      pending.push(...next(id))
    }
    return reached
  }
}

/** Kahn's algorithm taking the smallest ready id each time, so equal histories give equal orders. */
const topologicalOrder = (
  revisions: ReadonlyMap<string, RevisionNode>,
  children: ReadonlyMap<string, ReadonlyArray<string>>
): ReadonlyArray<string> => {
  const waitingFor = new Map<string, number>()
  const ready: Array<string> = []
  for (const revision of revisions.values()) {
    waitingFor.set(revision.id, revision.parents.length)
    if (revision.parents.length === 0) ready.push(revision.id)
  }
  // Kept sorted descending so that the smallest id pops off the end.
  ready.sort((left, right) => compareRevisionIds(right, left))
  const order: Array<string> = []
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    order.push(id)
    for (const child of children.get(id) ?? []) {
      const remaining = (waitingFor.get(child) ?? 0) - 1
      waitingFor.set(child, remaining)
      if (remaining === 0) insertDescending(ready, child)
    }
  }
  return order
}

const insertDescending = (list: Array<string>, id: string): void => {
  let low = 0
  let high = list.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (compareRevisionIds(list[middle] ?? "", id) > 0) low = middle + 1
    else high = middle
  }
  list.splice(low, 0, id)
}
