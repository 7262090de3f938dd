/**
 * What keeps a list of revisions from forming a graph: bad ids, duplicates, repeated or unknown parents,
 * dependencies that name nothing, unusable or duplicated branch labels, and cycles, all found so that
 * `RevisionGraph.make` can report every one of them at once. It also resolves each `dependsOn` entry (a revision
 * id or a branch label) to the revision it names and lists each revision's prerequisites, which the graph is
 * built from.
 */
import type { RevisionNode } from "./RevisionGraph.ts"
import type { RevisionGraphProblem } from "./RevisionGraphError.ts"
import { compareRevisionIds, invalidBranchLabelReason, invalidRevisionIdReason } from "./RevisionId.ts"

const sortedIds = (ids: Iterable<string>): Array<string> => Array.from(ids).sort(compareRevisionIds)
const none: ReadonlyArray<string> = []
const noProblems: ReadonlyArray<RevisionGraphProblem> = []

/** What a list of revisions is made of, besides its problems. */
export interface RevisionGraphParts<R extends RevisionNode> {
  /** The revisions by id (the first definition of a duplicated id). */
  readonly revisions: ReadonlyMap<string, R>
  /** Each revision's `dependsOn`, resolved to revision ids, in the order declared; known ones only. */
  readonly dependencies: ReadonlyMap<string, ReadonlyArray<string>>
  /** Each revision's known parents, then its dependencies, once each: what must be applied before it. */
  readonly prerequisites: ReadonlyMap<string, ReadonlyArray<string>>
  /** Each branch label and the revision that declares it (the first, when several do). */
  readonly labels: ReadonlyMap<string, string>
  /** Every problem but cycles, which need the links walked (`findRevisionCycles`). */
  readonly problems: ReadonlyArray<RevisionGraphProblem>
}

/**
 * The parts and every problem but cycles: per revision in the order given (empty, reserved or unaddressable
 * id, repeated or unknown parent, dependency problems, label problems), then duplicate ids, then duplicate
 * labels. Most revisions have one known parent and nothing else; that path allocates nothing of its own.
 */
export const findRevisionGraphProblems = <R extends RevisionNode>(list: ReadonlyArray<R>): RevisionGraphParts<R> => {
  const revisions = new Map<string, R>()
  const duplicates = new Map<string, Array<R>>()
  for (const revision of list) {
    if (revision.id === "") continue
    const first = revisions.get(revision.id)
    if (first === undefined) {
      revisions.set(revision.id, revision)
    } else {
      const same = duplicates.get(revision.id)
      if (same === undefined) duplicates.set(revision.id, [first, revision])
      else same.push(revision)
    }
  }
  const declarations = new Map<string, Array<R>>()
  for (const revision of revisions.values()) {
    if ((revision.branchLabels?.length ?? 0) === 0) continue
    for (const label of new Set(revision.branchLabels)) {
      if (invalidBranchLabelReason(label) !== undefined || revisions.has(label)) continue
      const declaring = declarations.get(label)
      if (declaring === undefined) declarations.set(label, [revision])
      else declaring.push(revision)
    }
  }
  const labels = new Map(Array.from(declarations, ([label, [first]]) => [label, first!.id] as const))
  const dependencies = new Map<string, ReadonlyArray<string>>()
  const prerequisites = new Map<string, ReadonlyArray<string>>()
  const problems: Array<RevisionGraphProblem> = []
  list.forEach((revision, position) => {
    const own = revisionProblems(revision, position, revisions)
    if (own.length > 0) problems.push(...own)
    if (revision.id === "" || revisions.get(revision.id) !== revision) return
    const resolved = (revision.dependsOn?.length ?? 0) === 0
      ? { ids: none, problems: noProblems }
      : resolveDependencies(revision, revisions, labels)
    dependencies.set(revision.id, resolved.ids)
    const parents = own.length === 0
      ? revision.parents
      : Array.from(new Set(revision.parents)).filter((parent) => revisions.has(parent))
    prerequisites.set(revision.id, resolved.ids.length === 0 ? parents : [...parents, ...resolved.ids])
    if (resolved.problems.length > 0) problems.push(...resolved.problems)
    if ((revision.branchLabels?.length ?? 0) > 0) problems.push(...labelProblems(revision, revisions))
  })
  problems.push(...duplicateProblems(duplicates), ...duplicateLabelProblems(declarations))
  return { revisions, dependencies, prerequisites, labels, problems }
}

const revisionProblems = (
  revision: RevisionNode,
  position: number,
  known: ReadonlyMap<string, RevisionNode>
): ReadonlyArray<RevisionGraphProblem> => {
  const { id, source } = revision
  if (id === "") return [{ _tag: "EmptyRevisionId", position, source }]
  const reason = invalidRevisionIdReason(id)
  if (reason === undefined && revision.parents.length === 1 && known.has(revision.parents[0]!)) return noProblems
  const problems: Array<RevisionGraphProblem> = []
  if (reason !== undefined) problems.push({ _tag: "InvalidRevisionId", revision: id, source, reason })
  const seen = new Set<string>()
  for (const parent of revision.parents) {
    if (seen.has(parent)) {
      problems.push({ _tag: "RepeatedParent", revision: id, parent, source })
    } else if (!known.has(parent)) {
      problems.push({ _tag: "UnknownParent", revision: id, parent, source })
    }
    seen.add(parent)
  }
  return problems
}

/** A dependency names a revision id, else the revision that declares it as a branch label (as in Alembic). */
const resolveDependencies = (
  revision: RevisionNode,
  known: ReadonlyMap<string, RevisionNode>,
  labels: ReadonlyMap<string, string>
): { readonly ids: ReadonlyArray<string>; readonly problems: ReadonlyArray<RevisionGraphProblem> } => {
  const { id, source } = revision
  const ids: Array<string> = []
  const problems: Array<RevisionGraphProblem> = []
  for (const dependency of revision.dependsOn ?? []) {
    const resolved = known.has(dependency) ? dependency : labels.get(dependency)
    if (resolved === undefined) {
      problems.push({ _tag: "UnknownDependency", revision: id, dependency, source })
    } else if (revision.parents.includes(resolved)) {
      problems.push({ _tag: "RepeatedDependency", revision: id, dependency, source, reason: "parent" })
    } else if (ids.includes(resolved)) {
      problems.push({ _tag: "RepeatedDependency", revision: id, dependency, source, reason: "repeated" })
    } else {
      ids.push(resolved)
    }
  }
  return { ids, problems }
}

const labelProblems = (
  revision: RevisionNode,
  known: ReadonlyMap<string, RevisionNode>
): ReadonlyArray<RevisionGraphProblem> =>
  Array.from(new Set(revision.branchLabels ?? [])).flatMap((label): ReadonlyArray<RevisionGraphProblem> => {
    const reason = invalidBranchLabelReason(label)
    if (reason !== undefined) {
      return [{ _tag: "InvalidBranchLabel", revision: revision.id, label, source: revision.source, reason }]
    }
    return known.has(label)
      ? [{ _tag: "BranchLabelIsRevisionId", revision: revision.id, label, source: revision.source }]
      : []
  })

const duplicateProblems = (
  duplicates: ReadonlyMap<string, ReadonlyArray<RevisionNode>>
): ReadonlyArray<RevisionGraphProblem> =>
  Array.from(duplicates).flatMap(([id, same]): ReadonlyArray<RevisionGraphProblem> =>
    same.length < 2 ? [] : [{
      _tag: "DuplicateRevisionId",
      revision: id,
      occurrences: same.length,
      sources: same.flatMap((revision) => revision.source === undefined ? [] : [revision.source])
    }]
  )

const duplicateLabelProblems = (
  declarations: ReadonlyMap<string, ReadonlyArray<RevisionNode>>
): ReadonlyArray<RevisionGraphProblem> =>
  Array.from(declarations).flatMap(([label, declaring]): ReadonlyArray<RevisionGraphProblem> =>
    declaring.length < 2 ? [] : [{
      _tag: "DuplicateBranchLabel",
      label,
      revisions: declaring.map((revision) => revision.id),
      sources: declaring.flatMap((revision) => revision.source === undefined ? [] : [revision.source])
    }]
  )

/**
 * Every cycle of the prerequisite links, one per strongly connected component. It is the slow path: call it
 * only when a topological sort of the links fell short of ordering every revision.
 */
export const findRevisionCycles = (
  revisions: ReadonlyMap<string, RevisionNode>,
  prerequisites: ReadonlyMap<string, ReadonlyArray<string>>
): ReadonlyArray<RevisionGraphProblem> => {
  const sortedPrerequisites = new Map(
    Array.from(revisions.keys(), (id) => [id, [...(prerequisites.get(id) ?? none)].sort(compareRevisionIds)])
  )
  const prerequisitesOf = (id: string): ReadonlyArray<string> => sortedPrerequisites.get(id) ?? none
  return findCycles(sortedIds(revisions.keys()), prerequisitesOf).map((cycle): RevisionGraphProblem => {
    // Read parent to child: each revision is a prerequisite of the next, the last of the first.
    const throughDependencies = cycle.some((id, index) => {
      const next = cycle[(index + 1) % cycle.length] ?? id
      return !(revisions.get(next)?.parents ?? []).includes(id)
    })
    return {
      _tag: "RevisionCycle",
      revisions: cycle,
      sources: cycle.flatMap((id) => {
        const source = revisions.get(id)?.source
        return source === undefined ? [] : [source]
      }),
      ...(throughDependencies ? { throughDependencies } : {})
    }
  })
}

/**
 * One cycle per strongly connected component of the prerequisite relation (Tarjan's algorithm, iterative so
 * that long histories cannot overflow the stack), each starting at its smallest id and read parent to child.
 */
const findCycles = (
  ids: ReadonlyArray<string>,
  parentsOf: (id: string) => ReadonlyArray<string>
): ReadonlyArray<ReadonlyArray<string>> => {
  const index = new Map<string, number>()
  const lowLink = new Map<string, number>()
  const stack: Array<string> = []
  const onStack = new Set<string>()
  const cycles: Array<ReadonlyArray<string>> = []
  const visit = (id: string) => {
    lowLink.set(id, index.size)
    index.set(id, index.size)
    stack.push(id)
    onStack.add(id)
  }
  const lower = (id: string, candidate: number) => lowLink.set(id, Math.min(lowLink.get(id) ?? candidate, candidate))

  for (const root of ids) {
    if (index.has(root)) continue
    visit(root)
    const frames: Array<{ readonly id: string; edge: number }> = [{ id: root, edge: 0 }]
    for (let frame = frames.at(-1); frame !== undefined; frame = frames.at(-1)) {
      const parent = parentsOf(frame.id)[frame.edge]
      if (parent !== undefined) {
        frame.edge++
        if (!index.has(parent)) {
          visit(parent)
          frames.push({ id: parent, edge: 0 })
        } else if (onStack.has(parent)) {
          lower(frame.id, index.get(parent) ?? 0)
        }
        continue
      }
      frames.pop()
      const caller = frames.at(-1)
      if (caller !== undefined) lower(caller.id, lowLink.get(frame.id) ?? 0)
      if (lowLink.get(frame.id) !== index.get(frame.id)) continue
      const component = new Set<string>()
      for (let member = stack.pop(); member !== undefined; member = stack.pop()) {
        onStack.delete(member)
        component.add(member)
        if (member === frame.id) break
      }
      if (component.size > 1 || parentsOf(frame.id).includes(frame.id)) {
        cycles.push(cycleThrough(component, parentsOf))
      }
    }
  }
  return cycles.sort((left, right) => compareRevisionIds(left[0] ?? "", right[0] ?? ""))
}

/** The shortest cycle through the component's smallest id, found by walking parents back to it. */
const cycleThrough = (
  component: ReadonlySet<string>,
  parentsOf: (id: string) => ReadonlyArray<string>
): ReadonlyArray<string> => {
  const start = sortedIds(component)[0] ?? ""
  // Breadth-first along parent links; `cameFrom` remembers the child each revision was reached from.
  const cameFrom = new Map<string, string>()
  const queue: Array<string> = [start]
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head] ?? start
    for (const parent of parentsOf(id)) {
      if (!component.has(parent)) continue
      if (parent === start) {
        // Reading from `id` back through `cameFrom` to `start` goes parent to child, as messages want.
        const path = [start]
        for (let step: string | undefined = id; step !== undefined && step !== start; step = cameFrom.get(step)) {
          path.push(step)
        }
        return path
      }
      if (!cameFrom.has(parent)) {
        cameFrom.set(parent, id)
        queue.push(parent)
      }
    }
  }
  return [start]
}
