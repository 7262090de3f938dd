/**
 * The graph with branch labels and `dependsOn`, in memory: dependencies counted in ancestry and order but not
 * in the lines of parents, effective heads, inherited labels and lines, every new problem the history can
 * have (unknown, repeated or parent dependencies, dependency cycles, unusable or duplicated labels), and merges
 * listing a parent their other parent already builds on, refused when the history loads.
 */
import { assert, describe, it } from "@effect/vitest"
import { RevisionGraph } from "../../../src/migrations/graph/RevisionGraph.ts"
import type { RevisionGraphProblem } from "../../../src/migrations/graph/RevisionGraphError.ts"
import {
  alembicBranches,
  dependent,
  failure,
  graphOf,
  type HistoryEntry,
  historyOf,
  merged,
  nodesOf,
  reasonOf,
  success
} from "./RevisionGraphFixtures.ts"

const problemsOf = (entries: Readonly<Record<string, ReadonlyArray<string> | HistoryEntry>>) =>
  reasonOf(failure(RevisionGraph.make(nodesOf(entries))), "InvalidHistory").problems

const messageOf = (entries: Readonly<Record<string, ReadonlyArray<string> | HistoryEntry>>) =>
  failure(RevisionGraph.make(nodesOf(entries))).message

describe("RevisionGraph: dependsOn", () => {
  const graph = historyOf(dependent)

  it("keeps dependencies apart from parents, and lists both as prerequisites", () => {
    assert.deepStrictEqual(graph.parents("n2"), ["n1"])
    assert.deepStrictEqual(graph.dependencies("n2"), ["a2"])
    assert.deepStrictEqual(graph.prerequisites("n2"), ["n1", "a2"])
    assert.deepStrictEqual(graph.dependants("a2"), ["n2"])
    assert.deepStrictEqual(graph.children("a2"), [])
    assert.deepStrictEqual(graph.successors("a2"), ["n2"])
    assert.deepStrictEqual(graph.successors("n1"), ["n2"])
  })

  it("counts dependencies in ancestry and order, but not in the lines of parents", () => {
    assert.deepStrictEqual(graph.ancestors("n2"), ["a1", "a2", "n1"])
    assert.deepStrictEqual(graph.ancestors("n2", { dependencies: false }), ["n1"])
    assert.deepStrictEqual(graph.descendants("a1"), ["a2", "n2"])
    assert.deepStrictEqual(graph.descendants("a1", { dependencies: false }), ["a2"])
    assert.deepStrictEqual([...graph.appliedSet(["n2"])].sort(), ["a1", "a2", "n1", "n2"])
    assert.isTrue(graph.isAncestor("a1", "n2"))
    // A dependency comes first even when its id sorts after its dependant's.
    const order = historyOf({ z1: [], b1: { parents: [], dependsOn: ["z1"] } }).topologicalOrder
    assert.deepStrictEqual(order, ["z1", "b1"])
  })

  it("a head another branch depends on is an effective head, which the fully upgraded state does not record", () => {
    assert.deepStrictEqual(graph.heads, ["a2", "n2"])
    assert.deepStrictEqual(graph.effectiveHeads, ["a2"])
    assert.deepStrictEqual(graph.upgradedHeads, ["n2"])
    assert.deepStrictEqual(graph.bases, ["a1", "n1"])
    assert.deepStrictEqual(graph.merges, [])
    // Once the dependency has a child of its own, it is an ordinary revision again.
    const grown = historyOf({ ...dependent, a3: ["a2"] })
    assert.deepStrictEqual([grown.heads, grown.effectiveHeads, grown.upgradedHeads], [["a3", "n2"], [], ["a3", "n2"]])
  })

  it("normalizes heads through dependencies, and finds the pair that overlaps", () => {
    assert.deepStrictEqual(graph.normalizeHeads(["a2", "n2"]), ["n2"])
    assert.deepStrictEqual(graph.normalizeHeads(["a1", "n1"]), ["a1", "n1"])
    assert.deepStrictEqual(graph.findAncestorPair(["n2", "a1"]), ["a1", "n2"])
    assert.strictEqual(graph.findAncestorPair(["a2", "n1"]), undefined)
  })

  it("a dependency may name a branch label: the revision that declares it", () => {
    const labelled = historyOf({ a1: { parents: [], labels: ["accounts"] }, n1: { parents: [], dependsOn: ["accounts"] } })
    assert.deepStrictEqual(labelled.dependencies("n1"), ["a1"])
  })

  it("reports dependencies that name nothing, repeat, or are also parents", () => {
    assert.deepStrictEqual(problemsOf({ a: [], b: { parents: ["a"], dependsOn: ["gone"] } }), [
      { _tag: "UnknownDependency", revision: "b", dependency: "gone", source: "versions/b.ts" }
    ])
    assert.deepStrictEqual(problemsOf({ a: [], x: [], b: { parents: ["a"], dependsOn: ["x", "a", "x"] } }), [
      { _tag: "RepeatedDependency", revision: "b", dependency: "a", source: "versions/b.ts", reason: "parent" },
      { _tag: "RepeatedDependency", revision: "b", dependency: "x", source: "versions/b.ts", reason: "repeated" }
    ])
    assert.include(
      messageOf({ a: { parents: [], labels: ["acc"] }, b: { parents: [], dependsOn: ["a", "acc"] } }),
      `revision "b" (versions/b.ts) lists dependency "acc" more than once`
    )
    assert.include(
      messageOf({ a: [], b: { parents: ["a"], dependsOn: ["a"] } }),
      `revision "b" (versions/b.ts) lists "a" both as a parent and as a dependency`
    )
    assert.include(
      messageOf({ b: { parents: [], dependsOn: ["gone"] } }),
      `revision "b" (versions/b.ts) depends on "gone", which is neither a revision id nor a branch label`
    )
  })

  it("reports a cycle through a dependency, saying so", () => {
    const problems = problemsOf({ a: { parents: [], dependsOn: ["b"] }, b: ["a"] })
    assert.deepStrictEqual(problems, [
      { _tag: "RevisionCycle", revisions: ["a", "b"], sources: ["versions/a.ts", "versions/b.ts"], throughDependencies: true }
    ])
    assert.include(
      messageOf({ a: { parents: [], dependsOn: ["b"] }, b: ["a"] }),
      `cycle "a" -> "b" -> "a" (each is a parent or a dependency of the next): versions/a.ts, versions/b.ts`
    )
    assert.include(messageOf({ a: { parents: [], dependsOn: ["a"] } }), `revision "a" is its own dependency: versions/a.ts`)
  })
})

describe("RevisionGraph: branch labels", () => {
  const graph = historyOf(alembicBranches)

  it("a label names the revision declaring it and is carried by everything built on it through parents", () => {
    assert.deepStrictEqual(graph.labels, ["networking", "shoppingcart"])
    assert.strictEqual(graph.labelledRevision("shoppingcart"), "27c6")
    assert.strictEqual(graph.labelledRevision("nothing"), undefined)
    assert.deepStrictEqual(graph.declaredBranchLabels("27c6"), ["shoppingcart"])
    assert.deepStrictEqual(graph.declaredBranchLabels("d747"), [])
    assert.deepStrictEqual(graph.branchLabels("d747"), ["shoppingcart"])
    assert.deepStrictEqual(graph.branchLabels("1975"), [])
    assert.deepStrictEqual(graph.branchLabels("2a95"), ["networking"], "a dependency does not carry its label over")
    assert.deepStrictEqual(graph.branchLabels("55af"), [])
  })

  it("a merge carries the labels of every branch it joins", () => {
    const joined = historyOf({
      root: [],
      l1: { parents: ["root"], labels: ["left"] },
      r1: { parents: ["root"], labels: ["right", "also"] },
      both: ["l1", "r1"]
    })
    assert.deepStrictEqual(joined.branchLabels("both"), ["also", "left", "right"])
  })

  it("the line of a revision is what it builds on and what builds on it, through parents only", () => {
    assert.deepStrictEqual([...graph.line("27c6")].sort(), ["1975", "27c6", "d747"])
    assert.deepStrictEqual([...graph.line("1975")].sort(), ["1975", "27c6", "55af", "ae10", "d747"])
    assert.deepStrictEqual([...graph.line("29f8")].sort(), ["109e", "29f8", "2a95", "3cac"])
    assert.deepStrictEqual([...graph.line("zz")], [])
  })

  it("reports labels declared twice, labels that are revision ids, and labels targets could not address", () => {
    assert.deepStrictEqual(problemsOf({ a: { parents: [], labels: ["x"] }, b: { parents: ["a"], labels: ["x"] } }), [
      { _tag: "DuplicateBranchLabel", label: "x", revisions: ["a", "b"], sources: ["versions/a.ts", "versions/b.ts"] }
    ])
    assert.include(
      messageOf({ a: { parents: [], labels: ["x"] }, b: { parents: ["a"], labels: ["x"] } }),
      `branch label "x" is declared by "a" and "b"; a label names one branch: versions/a.ts, versions/b.ts`
    )
    assert.include(
      messageOf({ a: { parents: [], labels: ["b"] }, b: ["a"] }),
      `revision "a" (versions/a.ts) declares the branch label "b", which is also a revision id`
    )
    const invalid = problemsOf({ a: { parents: [], labels: ["head", "net-2", ""] } })
    assert.deepStrictEqual(invalid.map((problem) => problem._tag === "InvalidBranchLabel" ? problem.reason : problem._tag), [
      "reserved-word",
      "illegal-character",
      "empty"
    ])
    assert.include(
      messageOf({ a: { parents: [], labels: ["net@2"] } }),
      `revision "a" (versions/a.ts) declares the branch label "net@2", which has whitespace or one of + - @ : , ` +
        `(targets such as LABEL@head use them)`
    )
    // The same label listed twice by one revision is one label.
    assert.deepStrictEqual(historyOf({ a: { parents: [], labels: ["x", "x"] } }).declaredBranchLabels("a"), ["x"])
  })
})

describe("RevisionGraph: a merge listing a parent its other parent builds on", () => {
  it("is refused when the history loads, naming the redundant parent and the parent it is reached through", () => {
    const problems: ReadonlyArray<RevisionGraphProblem> = problemsOf({ a: [], b: ["a"], c: ["a", "b"] })
    assert.deepStrictEqual(problems, [
      { _tag: "RedundantParent", revision: "c", parent: "a", through: "b", source: "versions/c.ts" }
    ])
    assert.strictEqual(
      messageOf({ a: [], b: ["a"], c: ["a", "b"] }),
      [
        "The revision history is not valid (1 problem):",
        `  - merge revision "c" (versions/c.ts) lists parent "a", which "b" already builds on: remove "a" from ` +
        `its parents (a downgrade across it would otherwise record both as heads)`
      ].join("\n")
    )
  })

  it("is found however far the other parent is, and through a dependency on the way", () => {
    assert.deepStrictEqual(problemsOf({ ...merged, late: ["b1", "n"] }), [
      { _tag: "RedundantParent", revision: "late", parent: "b1", through: "n", source: "versions/late.ts" }
    ])
    assert.deepStrictEqual(problemsOf({ a: [], x: { parents: [], dependsOn: ["a"] }, m: ["x", "a"] }), [
      { _tag: "RedundantParent", revision: "m", parent: "a", through: "x", source: "versions/m.ts" }
    ])
  })

  it("an ordinary merge, a diamond and a merge of two bases are fine", () => {
    for (const shape of [merged, { a: [], b: ["a"], c: ["a"], d: ["b", "c"] }, { x: [], y: [], j: ["x", "y"] }]) {
      assert.isTrue(success(RevisionGraph.make(nodesOf(shape))).merges.length === 1)
    }
    assert.deepStrictEqual(graphOf(merged).merges, ["m"])
  })
})
