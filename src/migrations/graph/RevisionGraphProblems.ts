/**
 * What keeps a list of revisions from forming a graph: bad ids, duplicates, repeated or unknown parents and
 * cycles, all found in one pass so that `RevisionGraph.make` can report every one of them at once.
 */
import type { RevisionNode } from "./RevisionGraph.ts"
import type { RevisionGraphProblem } from "./RevisionGraphError.ts"
import { compareRevisionIds, invalidRevisionIdReason } from "./RevisionId.ts"

const sortedIds = (ids: Iterable<string>): Array<string> => Array.from(ids).sort(compareRevisionIds)

/**
 * The revisions by id (the first definition of a duplicated id) and every problem: per revision in the order
 * given (empty, reserved or unaddressable id, repeated parent, unknown parent), then duplicates, then cycles.
 */
export const findRevisionGraphProblems = <R extends RevisionNode>(list: ReadonlyArray<R>): {
  readonly revisions: ReadonlyMap<string, R>
  readonly problems: ReadonlyArray<RevisionGraphProblem>
} => {
  const revisions = new Map<string, R>()
  const definitions = new Map<string, Array<R>>()
  for (const revision of list) {
    if (revision.id === "") continue
    const same = definitions.get(revision.id)
    if (same === undefined) {
      definitions.set(revision.id, [revision])
      revisions.set(revision.id, revision)
    } else {
      same.push(revision)
    }
  }
  const problems = [
    ...list.flatMap((revision, position) => revisionProblems(revision, position, revisions)),
    ...duplicateProblems(definitions),
    ...cycleProblems(revisions)
  ]
  return { revisions, problems }
}

const revisionProblems = (
  revision: RevisionNode,
  position: number,
  known: ReadonlyMap<string, RevisionNode>
): ReadonlyArray<RevisionGraphProblem> => {
  const { id, source } = revision
  if (id === "") return [{ _tag: "EmptyRevisionId", position, source }]
  const problems: Array<RevisionGraphProblem> = []
  const reason = invalidRevisionIdReason(id)
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

const duplicateProblems = (
  definitions: ReadonlyMap<string, ReadonlyArray<RevisionNode>>
): ReadonlyArray<RevisionGraphProblem> =>
  Array.from(definitions).flatMap(([id, same]): ReadonlyArray<RevisionGraphProblem> =>
    same.length < 2 ? [] : [{
      _tag: "DuplicateRevisionId",
      revision: id,
      occurrences: same.length,
      sources: same.flatMap((revision) => revision.source === undefined ? [] : [revision.source])
    }]
  )

const cycleProblems = (revisions: ReadonlyMap<string, RevisionNode>): ReadonlyArray<RevisionGraphProblem> => {
  // Unknown and repeated parents are reported on their own; the cycle search sees each known parent once.
  const knownParents = new Map(
    Array.from(revisions.values(), (revision) => [
      revision.id,
      Array.from(new Set(revision.parents)).filter((parent) => revisions.has(parent)).sort(compareRevisionIds)
    ])
  )
  const parentsOf = (id: string): ReadonlyArray<string> => knownParents.get(id) ?? []
  return findCycles(sortedIds(revisions.keys()), parentsOf).map((cycle) => ({
    _tag: "RevisionCycle",
    revisions: cycle,
    sources: cycle.flatMap((id) => {
      const source = revisions.get(id)?.source
      return source === undefined ? [] : [source]
    })
  }))
}

/**
 * One cycle per strongly connected component of the parent relation (Tarjan's algorithm, iterative so that
 * long histories cannot overflow the stack), each starting at its smallest id and read parent to child.
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
