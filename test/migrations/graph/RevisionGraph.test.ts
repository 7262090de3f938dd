/**
 * The revision graph in memory: construction with every problem reported at once, and its queries on linear,
 * branched, merged, diamond and multi-base histories.
 */
import { assert, describe, it } from "@effect/vitest"
import { RevisionGraph, type RevisionNode } from "../../../src/migrations/graph/RevisionGraph.ts"
import { type RevisionGraphProblem } from "../../../src/migrations/graph/RevisionGraphError.ts"
import { headsToMerge } from "../../../src/migrations/graph/RevisionMerge.ts"
import { resolveRevisionTarget } from "../../../src/migrations/graph/RevisionTarget.ts"
import {
  branched,
  diamond,
  failure,
  graphOf,
  linear,
  merged,
  reasonOf,
  revisionsOf,
  success,
  twoHistories
} from "./RevisionGraphFixtures.ts"

const problemsOf = (revisions: ReadonlyArray<RevisionNode>): ReadonlyArray<RevisionGraphProblem> =>
  reasonOf(failure(RevisionGraph.make(revisions)), "InvalidHistory").problems

describe("RevisionGraph.make", () => {
  it("accepts an empty history: no heads, no bases, base is the only state", () => {
    const graph = success(RevisionGraph.make([]))
    assert.strictEqual(graph.size, 0)
    assert.deepStrictEqual(graph.heads, [])
    assert.deepStrictEqual(graph.bases, [])
    assert.deepStrictEqual(graph.topologicalOrder, [])
  })

  it("keeps each revision as given, source included", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual(graph.get("m"), { id: "m", parents: ["b2", "c1"], source: "versions/m.ts" })
    assert.isUndefined(graph.get("zz"))
    assert.isTrue(graph.has("c1"))
    assert.isFalse(graph.has("c"))
  })

  it("gives back the caller's own revision type, which the other graph functions accept", () => {
    interface LoadedRevision extends RevisionNode {
      readonly message: string
      readonly source: string
    }
    const loaded: ReadonlyArray<LoadedRevision> = [
      { id: "0001", parents: [], message: "create account", source: "versions/0001.ts" },
      { id: "0002", parents: ["0001"], message: "add status", source: "versions/0002.ts" }
    ]
    const graph: RevisionGraph<LoadedRevision> = success(RevisionGraph.make(loaded))
    assert.strictEqual(graph.get("0002")?.message, "add status")
    assert.deepStrictEqual(success(resolveRevisionTarget(graph, "head", [])).revisions, ["0002"])
    assert.strictEqual(reasonOf(failure(headsToMerge(graph)), "NothingToMerge").heads[0], "0002")
  })

  it("accepts revisions without a source", () => {
    const graph = success(RevisionGraph.make([{ id: "a", parents: [] }, { id: "b", parents: ["a"] }]))
    assert.deepStrictEqual(graph.heads, ["b"])
  })

  it("reports an unknown parent with the revision's file", () => {
    const error = failure(RevisionGraph.make(revisionsOf({ a: [], b: ["a", "zz"] })))
    assert.deepStrictEqual(reasonOf(error, "InvalidHistory").problems, [
      { _tag: "UnknownParent", revision: "b", parent: "zz", source: "versions/b.ts" }
    ])
    assert.strictEqual(
      error.message,
      "The revision history is not valid (1 problem):\n" +
        `  - revision "b" (versions/b.ts) has parent "zz", which no revision defines`
    )
  })

  it("reports a duplicate id once, with every file that defines it", () => {
    const problems = problemsOf([
      { id: "a", parents: [], source: "versions/one.ts" },
      { id: "a", parents: [], source: "versions/two.ts" },
      { id: "a", parents: [] }
    ])
    assert.deepStrictEqual(problems, [
      { _tag: "DuplicateRevisionId", revision: "a", occurrences: 3, sources: ["versions/one.ts", "versions/two.ts"] }
    ])
  })

  it("reports an empty id by position and file, and an empty parent id", () => {
    const error = failure(RevisionGraph.make([
      { id: "a", parents: [""], source: "versions/a.ts" },
      { id: "", parents: ["a"], source: "versions/blank.ts" }
    ]))
    assert.deepStrictEqual(reasonOf(error, "InvalidHistory").problems, [
      { _tag: "UnknownParent", revision: "a", parent: "", source: "versions/a.ts" },
      { _tag: "EmptyRevisionId", position: 1, source: "versions/blank.ts" }
    ])
    assert.include(error.message, `revision #2 (versions/blank.ts) has an empty id`)
    assert.include(error.message, `revision "a" (versions/a.ts) lists an empty parent id`)
  })

  it("reports a parent listed twice", () => {
    const error = failure(RevisionGraph.make(revisionsOf({ a: [], b: ["a", "a"] })))
    assert.deepStrictEqual(reasonOf(error, "InvalidHistory").problems, [
      { _tag: "RepeatedParent", revision: "b", parent: "a", source: "versions/b.ts" }
    ])
    assert.include(error.message, `revision "b" (versions/b.ts) lists parent "a" more than once`)
  })

  it("reports ids the target syntax could not address", () => {
    const error = failure(RevisionGraph.make(revisionsOf({ head: [], "a-1": [], "b+c": [], "d e": [], ok: [] })))
    assert.deepStrictEqual(
      reasonOf(error, "InvalidHistory").problems.map((problem) =>
        problem._tag === "InvalidRevisionId" ? [problem.revision, problem.reason] : []
      ),
      [["head", "reserved-word"], ["a-1", "illegal-character"], ["b+c", "illegal-character"], [
        "d e",
        "illegal-character"
      ]]
    )
    assert.include(error.message, `revision "head" (versions/head.ts) uses a reserved word as its id`)
    assert.include(error.message, `revision "a-1" (versions/a-1.ts) has an id with whitespace or one of + - @ : ,`)
  })

  it("reports a cycle with its revisions in order, each a parent of the next", () => {
    // a <- b <- c <- a: every revision has a parent, none is a base.
    const error = failure(RevisionGraph.make(revisionsOf({ c: ["b"], a: ["c"], b: ["a"] })))
    assert.deepStrictEqual(reasonOf(error, "InvalidHistory").problems, [
      {
        _tag: "RevisionCycle",
        revisions: ["a", "b", "c"],
        sources: ["versions/a.ts", "versions/b.ts", "versions/c.ts"]
      }
    ])
    assert.include(
      error.message,
      `cycle "a" -> "b" -> "c" -> "a" (each is a parent of the next): versions/a.ts, versions/b.ts, versions/c.ts`
    )
  })

  it("reports a revision that is its own parent", () => {
    const error = failure(RevisionGraph.make(revisionsOf({ a: [], b: ["a", "b"] })))
    assert.deepStrictEqual(reasonOf(error, "InvalidHistory").problems, [
      { _tag: "RevisionCycle", revisions: ["b"], sources: ["versions/b.ts"] }
    ])
    assert.include(error.message, `revision "b" is its own parent: versions/b.ts`)
  })

  it("reports each cycle once, not the revisions that merely build on one", () => {
    const problems = problemsOf(revisionsOf({
      root: [],
      p: ["root", "r"],
      q: ["p"],
      r: ["q"],
      above: ["r"],
      x: ["y"],
      y: ["x"]
    }))
    assert.deepStrictEqual(problems, [
      {
        _tag: "RevisionCycle",
        revisions: ["p", "q", "r"],
        sources: ["versions/p.ts", "versions/q.ts", "versions/r.ts"]
      },
      { _tag: "RevisionCycle", revisions: ["x", "y"], sources: ["versions/x.ts", "versions/y.ts"] }
    ])
  })

  it("reports the shortest cycle through the smallest id when a cycle has a shortcut", () => {
    // a -> b -> c -> a and a -> c -> a are both cycles; the second is shorter.
    const problems = problemsOf(revisionsOf({ a: ["c"], b: ["a"], c: ["b", "a"] }))
    assert.deepStrictEqual(problems, [
      { _tag: "RevisionCycle", revisions: ["a", "c"], sources: ["versions/a.ts", "versions/c.ts"] }
    ])
  })

  it("lists every problem of a broken history in one error", () => {
    const error = failure(RevisionGraph.make([
      { id: "a", parents: [], source: "versions/a.ts" },
      { id: "a", parents: [], source: "versions/a_copy.ts" },
      { id: "b", parents: ["a", "a"], source: "versions/b.ts" },
      { id: "c", parents: ["gone"], source: "versions/c.ts" },
      { id: "", parents: [], source: "versions/empty.ts" },
      { id: "d", parents: ["e"], source: "versions/d.ts" },
      { id: "e", parents: ["d"], source: "versions/e.ts" }
    ]))
    assert.strictEqual(
      error.message,
      [
        "The revision history is not valid (5 problems):",
        `  - revision "b" (versions/b.ts) lists parent "a" more than once`,
        `  - revision "c" (versions/c.ts) has parent "gone", which no revision defines`,
        `  - revision #5 (versions/empty.ts) has an empty id`,
        `  - revision "a" is defined 2 times: versions/a.ts, versions/a_copy.ts`,
        `  - cycle "d" -> "e" -> "d" (each is a parent of the next): versions/d.ts, versions/e.ts`
      ].join("\n")
    )
  })

  it("handles a long history without exhausting the stack", () => {
    const count = 10_000
    const ids = Array.from({ length: count }, (_, index) => `r${String(index).padStart(5, "0")}`)
    const last = ids[count - 1] ?? ""
    const chain = ids.map((id, index) => ({ id, parents: index === 0 ? [] : [ids[index - 1] ?? ""] }))
    const graph = success(RevisionGraph.make([...chain].reverse()))
    assert.deepStrictEqual(graph.topologicalOrder, ids)
    assert.deepStrictEqual(graph.heads, [last])
    assert.strictEqual(graph.ancestors(last).length, count - 1)

    const looped = chain.map((revision, index) => index === 0 ? { ...revision, parents: [last] } : revision)
    const problems = problemsOf(looped)
    assert.strictEqual(problems.length, 1)
    assert.strictEqual(problems[0]?._tag === "RevisionCycle" ? problems[0].revisions.length : 0, count)
  })
})

describe("RevisionGraph queries", () => {
  it("linear: one base, one head, no branch points or merges", () => {
    const graph = graphOf(linear)
    assert.deepStrictEqual(graph.bases, ["a"])
    assert.deepStrictEqual(graph.heads, ["d"])
    assert.deepStrictEqual(graph.branchPoints, [])
    assert.deepStrictEqual(graph.merges, [])
    assert.deepStrictEqual(graph.topologicalOrder, ["a", "b", "c", "d"])
    assert.deepStrictEqual(graph.parents("b"), ["a"])
    assert.deepStrictEqual(graph.children("b"), ["c"])
    assert.deepStrictEqual(graph.children("d"), [])
    assert.deepStrictEqual(graph.parents("a"), [])
  })

  it("branches: the branch point and both heads", () => {
    const graph = graphOf(branched)
    assert.deepStrictEqual(graph.heads, ["b2", "c1"])
    assert.deepStrictEqual(graph.bases, ["a"])
    assert.deepStrictEqual(graph.branchPoints, ["a"])
    assert.deepStrictEqual(graph.merges, [])
    assert.deepStrictEqual(graph.children("a"), ["b1", "c1"])
  })

  it("merges: a merge joins the branches back into one head", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual(graph.heads, ["n"])
    assert.deepStrictEqual(graph.branchPoints, ["a"])
    assert.deepStrictEqual(graph.merges, ["m"])
    assert.deepStrictEqual(graph.parents("m"), ["b2", "c1"])
  })

  it("several bases: independent histories each have a base and a head", () => {
    const graph = graphOf(twoHistories)
    assert.deepStrictEqual(graph.bases, ["x1", "y1"])
    assert.deepStrictEqual(graph.heads, ["x2", "y2"])
    assert.deepStrictEqual(graph.topologicalOrder, ["x1", "x2", "y1", "y2"])
  })

  it("a merge of two bases is both a merge and their only head", () => {
    const graph = graphOf({ x: [], y: [], joined: ["y", "x"] })
    assert.deepStrictEqual(graph.bases, ["x", "y"])
    assert.deepStrictEqual(graph.heads, ["joined"])
    assert.deepStrictEqual(graph.merges, ["joined"])
    assert.deepStrictEqual(graph.parents("joined"), ["y", "x"])
  })

  it("orders topologically with ties broken by id, whatever order the revisions came in", () => {
    const expected = ["a", "b", "c", "d", "e"]
    const revisions = revisionsOf(diamond)
    const shuffled = [3, 0, 4, 2, 1].flatMap((index) => revisions.slice(index, index + 1))
    for (const order of [revisions, [...revisions].reverse(), shuffled]) {
      assert.deepStrictEqual(success(RevisionGraph.make(order)).topologicalOrder, expected)
    }
    // Parents first even when a child's id sorts before its parent's.
    assert.deepStrictEqual(graphOf({ z: [], a: ["z"], m: ["z"], b: ["a"] }).topologicalOrder, ["z", "a", "b", "m"])
  })

  it("ancestors and descendants exclude the starting revision unless asked, in topological order", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual(graph.ancestors("m"), ["a", "b1", "b2", "c1"])
    assert.deepStrictEqual(graph.ancestors("m", { inclusive: true }), ["a", "b1", "b2", "c1", "m"])
    assert.deepStrictEqual(graph.ancestors("a"), [])
    assert.deepStrictEqual(graph.descendants("b1"), ["b2", "m", "n"])
    assert.deepStrictEqual(graph.descendants("b1", { inclusive: true }), ["b1", "b2", "m", "n"])
    assert.deepStrictEqual(graph.descendants("n"), [])
    assert.deepStrictEqual(graph.ancestors(["b2", "c1"]), ["a", "b1"])
    assert.deepStrictEqual(graph.ancestors(["b2", "c1"], { inclusive: true }), ["a", "b1", "b2", "c1"])
    assert.deepStrictEqual(graph.descendants(["b2", "c1"]), ["m", "n"])
  })

  it("a diamond's merge has the shared ancestor once", () => {
    const graph = graphOf(diamond)
    assert.deepStrictEqual(graph.ancestors("e"), ["a", "b", "c", "d"])
    assert.deepStrictEqual(graph.descendants("a"), ["b", "c", "d", "e"])
    assert.deepStrictEqual(graph.branchPoints, ["a"])
    assert.deepStrictEqual(graph.merges, ["d"])
  })

  it("unknown ids have no parents, children, ancestors or descendants", () => {
    const graph = graphOf(linear)
    assert.deepStrictEqual(graph.parents("zz"), [])
    assert.deepStrictEqual(graph.children("zz"), [])
    assert.deepStrictEqual(graph.ancestors("zz"), [])
    assert.deepStrictEqual(graph.descendants("zz", { inclusive: true }), [])
  })

  it("isAncestor is strict and follows every path", () => {
    const graph = graphOf(merged)
    assert.isTrue(graph.isAncestor("c1", "n"))
    assert.isTrue(graph.isAncestor("a", "b1"))
    assert.isFalse(graph.isAncestor("b1", "c1"))
    assert.isFalse(graph.isAncestor("n", "a"))
    assert.isFalse(graph.isAncestor("m", "m"))
  })

  it("appliedSet is the heads and everything below them", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual([...graph.appliedSet(["b1", "c1"])].sort(), ["a", "b1", "c1"])
    assert.deepStrictEqual([...graph.appliedSet([])], [])
  })

  it("finds ids by prefix and sorts ids topologically", () => {
    const graph = graphOf({ ae1027: [], ae1999: ["ae1027"], bf0001: ["ae1999"] })
    assert.deepStrictEqual(graph.idsStartingWith("ae"), ["ae1027", "ae1999"])
    assert.deepStrictEqual(graph.idsStartingWith("bf0001"), ["bf0001"])
    assert.deepStrictEqual(graph.idsStartingWith("zz"), [])
    assert.deepStrictEqual(graph.inTopologicalOrder(["bf0001", "ae1027", "zz", "bf0001"]), ["ae1027", "bf0001"])
  })
})
