/**
 * The revision history as a pure graph, in the manner of Alembic's `script/revision.py`: fed revisions (an id,
 * its parents, what it depends on and the branch labels it declares), it answers heads, bases, branch points,
 * merges, branches, ancestry and a deterministic order, with no files and no database.
 *
 * Two kinds of links: parents make the history's lines (heads, branches, labels and relative steps follow
 * them), and `dependsOn` says that another line's revision must be applied first without merging into it.
 * Everything about what is applied (ancestors, the applied set, the order upgrades run in) follows both.
 */
import * as Result from "effect/Result"
import { InvalidHistory, RevisionGraphError, type RevisionGraphProblem } from "./RevisionGraphError.ts"
import { findRevisionCycles, findRevisionGraphProblems, type RevisionGraphParts } from "./RevisionGraphProblems.ts"
import { compareRevisionIds } from "./RevisionId.ts"

/** One revision as the graph sees it; `source` (its file) only makes messages point somewhere. */
export interface RevisionNode {
  readonly id: string
  /** None for a base, one for an ordinary revision, several for a merge. */
  readonly parents: ReadonlyArray<string>
  /** Revisions (ids or branch labels) of other lines that must be applied before this one. */
  readonly dependsOn?: ReadonlyArray<string> | undefined
  /** Names for the branch this revision starts; its descendants carry them too. */
  readonly branchLabels?: ReadonlyArray<string> | undefined
  readonly source?: string | undefined
}

export interface AncestryOptions {
  /** Include the revisions the walk starts from (not by default). */
  readonly inclusive?: boolean | undefined
  /** Follow `dependsOn` links as well as parents (by default); `false` stays on the lines of parents. */
  readonly dependencies?: boolean | undefined
}

/** Problems after which the links between revisions cannot be walked. */
const brokenLinks: ReadonlySet<RevisionGraphProblem["_tag"]> = new Set([
  "UnknownParent",
  "RepeatedParent",
  "RevisionCycle"
])

const sortedIds = (ids: Iterable<string>): Array<string> => Array.from(ids).sort(compareRevisionIds)
const none: ReadonlyArray<string> = []

/** The graph over any revision type that has an id and parents; `get` gives back the revision as given. */
export class RevisionGraph<R extends RevisionNode = RevisionNode> {
  /**
   * The graph of `revisions`, or one `RevisionGraphError` listing every problem: empty, reserved or
   * unaddressable ids, duplicate ids (with each file), repeated and unknown parents, dependencies that name
   * nothing, unusable or duplicated branch labels, cycles, and merges listing a parent their other parent
   * already builds on.
   */
  static make<R extends RevisionNode>(revisions: Iterable<R>): Result.Result<RevisionGraph<R>, RevisionGraphError> {
    const parts = findRevisionGraphProblems(Array.from(revisions))
    // The graph is built over the known links whatever the problems; a topological order that falls short of
    // every revision is the sign of a cycle, looked for only then.
    const graph = new RevisionGraph(parts)
    const cycles = graph.topologicalOrder.length === graph.size ? [] : findRevisionCycles(parts.revisions, parts.prerequisites)
    const problems = [...parts.problems, ...cycles]
    // Redundant parents are looked for along the links, which must all lead somewhere and not loop.
    if (problems.every((problem) => !brokenLinks.has(problem._tag))) problems.push(...graph.#redundantParents())
    return problems.length > 0
      ? Result.fail(new RevisionGraphError({ reason: new InvalidHistory({ problems }) }))
      : Result.succeed(graph)
  }

  /** Every revision id, parents and dependencies first, ties broken by id: the order upgrades apply them in. */
  readonly topologicalOrder: ReadonlyArray<string>
  /** Revisions no revision lists as a parent, by id: the tips of the history's lines. */
  readonly heads: ReadonlyArray<string>
  /**
   * Heads another revision depends on, by id (Alembic's "effective heads"): while that revision is applied,
   * the version table records it rather than them.
   */
  readonly effectiveHeads: ReadonlyArray<string>
  /** The heads the version table records once everything is applied: `heads` less `effectiveHeads`. */
  readonly upgradedHeads: ReadonlyArray<string>
  /** Revisions without parents (roots of independent histories), by id. */
  readonly bases: ReadonlyArray<string>
  /** Revisions with several children, by id. */
  readonly branchPoints: ReadonlyArray<string>
  /** Revisions with several parents, by id. */
  readonly merges: ReadonlyArray<string>
  /** Every branch label, sorted. */
  readonly labels: ReadonlyArray<string>

  readonly #revisions: ReadonlyMap<string, R>
  readonly #dependencies: ReadonlyMap<string, ReadonlyArray<string>>
  readonly #labels: ReadonlyMap<string, string>
  readonly #children: ReadonlyMap<string, ReadonlyArray<string>>
  readonly #dependants: ReadonlyMap<string, ReadonlyArray<string>>
  readonly #prerequisites: ReadonlyMap<string, ReadonlyArray<string>>
  readonly #successors: ReadonlyMap<string, ReadonlyArray<string>>
  readonly #position: ReadonlyMap<string, number>
  #inheritedLabels: ReadonlyMap<string, ReadonlyArray<string>> | undefined

  private constructor(parts: RevisionGraphParts<R>) {
    const { dependencies, labels, prerequisites, revisions } = parts
    this.#revisions = revisions
    this.#dependencies = dependencies
    this.#labels = labels
    this.#prerequisites = prerequisites
    // Lists are made only for revisions that have children or dependants; most have one child.
    const children = new Map<string, Array<string>>()
    const dependants = new Map<string, Array<string>>()
    const append = (map: Map<string, Array<string>>, key: string, id: string) => {
      const list = map.get(key)
      if (list === undefined) map.set(key, [id])
      else list.push(id)
    }
    for (const revision of revisions.values()) {
      for (const parent of revision.parents) if (revisions.has(parent)) append(children, parent, revision.id)
      for (const dependency of dependencies.get(revision.id) ?? none) append(dependants, dependency, revision.id)
    }
    for (const list of children.values()) if (list.length > 1) list.sort(compareRevisionIds)
    for (const list of dependants.values()) if (list.length > 1) list.sort(compareRevisionIds)
    this.#children = children
    this.#dependants = dependants
    const successors = new Map<string, ReadonlyArray<string>>(children)
    for (const [id, needed] of dependants) {
      successors.set(id, sortedIds(new Set([...(children.get(id) ?? none), ...needed])))
    }
    this.#successors = successors

    this.topologicalOrder = topologicalOrder(revisions, prerequisites, successors)
    this.#position = new Map(this.topologicalOrder.map((id, index) => [id, index]))
    const ids = sortedIds(revisions.keys())
    this.heads = ids.filter((id) => !children.has(id))
    this.effectiveHeads = this.heads.filter((id) => dependants.has(id))
    this.upgradedHeads = this.heads.filter((id) => !dependants.has(id))
    this.bases = ids.filter((id) => (revisions.get(id)?.parents.length ?? 0) === 0)
    this.branchPoints = ids.filter((id) => (children.get(id)?.length ?? 0) > 1)
    this.merges = ids.filter((id) => (revisions.get(id)?.parents.length ?? 0) > 1)
    this.labels = sortedIds(labels.keys())
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
    return this.#revisions.get(id)?.parents ?? none
  }

  /** The revisions that list `id` as a parent, by id; none for a head or an unknown id. */
  children(id: string): ReadonlyArray<string> {
    return this.#children.get(id) ?? none
  }

  /** What `id` depends on besides its parents, as revision ids (labels resolved), in the order declared. */
  dependencies(id: string): ReadonlyArray<string> {
    return this.#dependencies.get(id) ?? none
  }

  /** The revisions that depend on `id`, by id. */
  dependants(id: string): ReadonlyArray<string> {
    return this.#dependants.get(id) ?? none
  }

  /** What must be applied before `id`: its parents, then its dependencies. */
  prerequisites(id: string): ReadonlyArray<string> {
    return this.#prerequisites.get(id) ?? none
  }

  /** What cannot stay applied without `id`: its children and its dependants, by id. */
  successors(id: string): ReadonlyArray<string> {
    return this.#successors.get(id) ?? none
  }

  /** The place of `id` in `topologicalOrder`, or -1 for an unknown id. */
  position(id: string): number {
    return this.#position.get(id) ?? -1
  }

  /** The ids that start with `prefix`, by id (an exact id is one of them). */
  idsStartingWith(prefix: string): ReadonlyArray<string> {
    return sortedIds(Array.from(this.#revisions.keys()).filter((id) => id.startsWith(prefix)))
  }

  /** The revision that declares the branch label `label`. */
  labelledRevision(label: string): string | undefined {
    return this.#labels.get(label)
  }

  /** The branch labels `id` declares itself, sorted. */
  declaredBranchLabels(id: string): ReadonlyArray<string> {
    const declared = this.#revisions.get(id)?.branchLabels ?? none
    return declared.length === 0 ? none : sortedIds(new Set(declared))
  }

  /** The branch labels `id` carries: its own and those of every revision it builds on through parents, sorted. */
  branchLabels(id: string): ReadonlyArray<string> {
    this.#inheritedLabels ??= this.#inheritLabels()
    return this.#inheritedLabels.get(id) ?? none
  }

  /**
   * Everything `ids` build on, in topological order. A starting revision is included with
   * `{ inclusive: true }`, or when another starting revision builds on it. Unknown ids contribute nothing.
   */
  ancestors(ids: string | ReadonlyArray<string>, options?: AncestryOptions): ReadonlyArray<string> {
    const next = options?.dependencies === false ? this.parents.bind(this) : this.prerequisites.bind(this)
    return this.inTopologicalOrder(this.#reach(ids, next, options?.inclusive === true))
  }

  /**
   * Everything that builds on `ids`, in topological order. A starting revision is included with
   * `{ inclusive: true }`, or when it builds on another starting revision. Unknown ids contribute nothing.
   */
  descendants(ids: string | ReadonlyArray<string>, options?: AncestryOptions): ReadonlyArray<string> {
    const next = options?.dependencies === false ? this.children.bind(this) : this.successors.bind(this)
    return this.inTopologicalOrder(this.#reach(ids, next, options?.inclusive === true))
  }

  /** The set of `ids` and everything they build on: the revisions applied when `ids` are the heads. */
  appliedSet(ids: Iterable<string>): ReadonlySet<string> {
    return this.#reach(Array.from(ids), (id) => this.prerequisites(id), true)
  }

  /** Whether `descendant` builds on `ancestor`, directly or not (a revision is not its own ancestor). */
  isAncestor(ancestor: string, descendant: string): boolean {
    if (ancestor === descendant || !this.has(ancestor)) return false
    return this.#below([descendant], this.position(ancestor)).has(ancestor)
  }

  /** A pair of `ids` where the second builds on the first, or `undefined` when none does. */
  findAncestorPair(ids: Iterable<string>): readonly [string, string] | undefined {
    const known = sortedIds(new Set(Array.from(ids).filter((id) => this.has(id))))
    const floor = Math.min(...known.map((id) => this.position(id)))
    const reached = this.#below(known, floor)
    const ancestor = known.find((id) => reached.has(id))
    if (ancestor === undefined) return undefined
    const descendant = known.find((id) => id !== ancestor && this.#below([id], this.position(ancestor)).has(ancestor))
    return descendant === undefined ? undefined : [ancestor, descendant]
  }

  /** `ids` (known ones, once each) without those another of them builds on, by id: the heads of their state. */
  normalizeHeads(ids: Iterable<string>): ReadonlyArray<string> {
    const known = sortedIds(new Set(Array.from(ids).filter((id) => this.has(id))))
    if (known.length < 2) return known
    const reached = this.#below(known, Math.min(...known.map((id) => this.position(id))))
    return known.filter((id) => !reached.has(id))
  }

  /**
   * The line of `id`: what it builds on and what builds on it, through parents only, itself included. A branch
   * label names the line of the revision that declares it.
   */
  line(id: string): ReadonlySet<string> {
    if (!this.has(id)) return new Set()
    const line = this.#reach(id, (next) => this.parents(next), true)
    for (const descendant of this.#reach(id, (next) => this.children(next), false)) line.add(descendant)
    return line
  }

  /** `ids` (known ones, once each) sorted parents first, as in `topologicalOrder`. */
  inTopologicalOrder(ids: Iterable<string>): ReadonlyArray<string> {
    const wanted = ids instanceof Set ? ids as ReadonlySet<string> : new Set(ids)
    // A large share of the history is faster to pick out of the order than to sort.
    if (wanted.size * 8 > this.topologicalOrder.length) return this.topologicalOrder.filter((id) => wanted.has(id))
    const known = Array.from(wanted).filter((id) => this.#position.has(id))
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

  /**
   * Everything `ids` build on (not themselves, unless one builds on another) down to topological position
   * `floor`: nothing lower can lead back up to a revision at or above it, so the walk stops there.
   */
  #below(ids: ReadonlyArray<string>, floor: number): Set<string> {
    const reached = new Set<string>()
    const pending = ids.flatMap((id) => this.prerequisites(id))
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      if (reached.has(id) || this.position(id) < floor) continue
      reached.add(id)
      pending.push(...this.prerequisites(id))
    }
    return reached
  }

  /** Merges listing a parent that another of their parents already builds on. */
  #redundantParents(): ReadonlyArray<RevisionGraphProblem> {
    const problems: Array<RevisionGraphProblem> = []
    for (const id of this.merges) {
      const revision = this.#revisions.get(id)!
      for (const through of revision.parents) {
        const others = revision.parents.filter((parent) => parent !== through)
        const reached = this.#below([through], Math.min(...others.map((parent) => this.position(parent))))
        for (const parent of others) {
          if (reached.has(parent)) {
            problems.push({ _tag: "RedundantParent", revision: id, parent, through, source: revision.source })
          }
        }
      }
    }
    return problems
  }

  /** Labels flow from each revision to its children, in one pass parents first. */
  #inheritLabels(): ReadonlyMap<string, ReadonlyArray<string>> {
    const inherited = new Map<string, ReadonlyArray<string>>()
    for (const id of this.topologicalOrder) {
      const own = this.declaredBranchLabels(id)
      const parents = this.parents(id)
      const first = parents.length === 0 ? none : inherited.get(parents[0]!) ?? none
      if (own.length === 0 && parents.length <= 1) {
        inherited.set(id, first)
        continue
      }
      const all = new Set(own)
      for (const parent of parents) for (const label of inherited.get(parent) ?? none) all.add(label)
      inherited.set(id, sortedIds(all))
    }
    return inherited
  }
}

/** Kahn's algorithm taking the smallest ready id each time, so equal histories give equal orders. */
const topologicalOrder = (
  revisions: ReadonlyMap<string, RevisionNode>,
  prerequisites: ReadonlyMap<string, ReadonlyArray<string>>,
  successors: ReadonlyMap<string, ReadonlyArray<string>>
): ReadonlyArray<string> => {
  const waitingFor = new Map<string, number>()
  const ready: Array<string> = []
  for (const id of revisions.keys()) {
    const count = prerequisites.get(id)?.length ?? 0
    waitingFor.set(id, count)
    if (count === 0) ready.push(id)
  }
  // Kept sorted descending so that the smallest id pops off the end.
  ready.sort((left, right) => compareRevisionIds(right, left))
  const order: Array<string> = []
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    order.push(id)
    for (const child of successors.get(id) ?? none) {
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
