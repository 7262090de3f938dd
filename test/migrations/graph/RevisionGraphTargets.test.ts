/**
 * Every target form parsed and resolved against in-memory histories and current heads, with the errors a user
 * reads when a target is malformed, unknown, ambiguous or steps out of the history.
 */
import { assert, describe, it } from "@effect/vitest"
import { RevisionGraph } from "../../../src/migrations/graph/RevisionGraph.ts"
import {
  formatRevisionTarget,
  lookupRevision,
  parseRevisionTarget,
  resolveRevisionTarget,
  type RevisionTarget
} from "../../../src/migrations/graph/RevisionTarget.ts"
import {
  branched,
  diamond,
  failure,
  graphOf,
  linear,
  merged,
  reasonOf,
  success,
  tagsOf,
  twoHistories
} from "./RevisionGraphFixtures.ts"

/** The heads of the state `target` resolves to. */
const resolve = (graph: RevisionGraph, target: string, currentHeads: ReadonlyArray<string> = []) =>
  success(resolveRevisionTarget(graph, target, currentHeads)).revisions

/** The message of the error `target` resolves to. */
const refuse = (graph: RevisionGraph, target: string, currentHeads: ReadonlyArray<string> = []) =>
  failure(resolveRevisionTarget(graph, target, currentHeads)).message

describe("parseRevisionTarget", () => {
  it("reads every form", () => {
    const cases: ReadonlyArray<readonly [string, RevisionTarget]> = [
      ["head", { _tag: "Head" }],
      ["heads", { _tag: "Heads" }],
      ["base", { _tag: "Base" }],
      ["  head\n", { _tag: "Head" }],
      ["ae10", { _tag: "Revision", id: "ae10" }],
      ["+2", { _tag: "Relative", from: { _tag: "Current" }, steps: 2 }],
      ["-1", { _tag: "Relative", from: { _tag: "Current" }, steps: -1 }],
      ["ae10+2", { _tag: "Relative", from: { _tag: "Revision", id: "ae10" }, steps: 2 }],
      ["ae10-12", { _tag: "Relative", from: { _tag: "Revision", id: "ae10" }, steps: -12 }],
      ["head-1", { _tag: "Relative", from: { _tag: "Head" }, steps: -1 }],
      ["base+3", { _tag: "Relative", from: { _tag: "Base" }, steps: 3 }],
      ["ae10+0", { _tag: "Relative", from: { _tag: "Revision", id: "ae10" }, steps: 0 }],
      ["heads-1", { _tag: "Relative", from: { _tag: "Heads" }, steps: -1 }],
      ["accounts@head", { _tag: "OnBranch", branch: "accounts", target: { _tag: "Head" } }],
      ["accounts@heads", { _tag: "OnBranch", branch: "accounts", target: { _tag: "Heads" } }],
      ["accounts@base", { _tag: "OnBranch", branch: "accounts", target: { _tag: "Base" } }],
      ["accounts@ae10", { _tag: "OnBranch", branch: "accounts", target: { _tag: "Revision", id: "ae10" } }],
      [
        "accounts@-1",
        { _tag: "OnBranch", branch: "accounts", target: { _tag: "Relative", from: { _tag: "Current" }, steps: -1 } }
      ],
      [
        "ae10@head-2",
        { _tag: "OnBranch", branch: "ae10", target: { _tag: "Relative", from: { _tag: "Head" }, steps: -2 } }
      ]
    ]
    for (const [text, expected] of cases) {
      assert.deepStrictEqual(success(parseRevisionTarget(text)), expected, text)
    }
  })

  it("formats a target back to text that parses to it", () => {
    for (
      const text of [
        "head",
        "heads",
        "base",
        "ae10",
        "+2",
        "-1",
        "ae10+2",
        "ae10-3",
        "head-1",
        "base+1",
        "ae10+0",
        "heads+2",
        "accounts@head",
        "accounts@+2",
        "ae10@head-1",
        "accounts@base"
      ]
    ) {
      assert.strictEqual(formatRevisionTarget(success(parseRevisionTarget(text))), text)
    }
  })

  it("rejects what is not a target, saying why", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["", "it is empty"],
      ["   ", "it is empty"],
      ["+0", "+0 and -0 need a revision to count from, as in ID+0"],
      ["-0", "+0 and -0 need a revision to count from, as in ID+0"],
      ["+", "+ and - must be followed by a number"],
      ["ae10+x", "+ and - must be followed by a number"],
      ["-1x", "+ and - must be followed by a number"],
      ["ae10+1+1", "only one relative step is allowed"],
      ["+99999999999999999999", "N is too large"],
      ["@head", "a branch label or a revision must come before @"],
      ["accounts@", "@ must be followed by head, heads, base, a revision or a step"],
      ["a@b@head", "only one @ is allowed"],
      ["a-1@head", "before @ comes a branch label or a revision"],
      ["accounts@head+1+1", "only one relative step is allowed"]
    ]
    for (const [text, detail] of cases) {
      const error = failure(parseRevisionTarget(text))
      assert.deepStrictEqual(tagsOf(error), ["RevisionGraphError", "MalformedTarget"], text)
      assert.strictEqual(reasonOf(error, "MalformedTarget").detail, detail, text)
    }
    assert.strictEqual(
      failure(parseRevisionTarget("+0")).message,
      `"+0" is not a revision target (+0 and -0 need a revision to count from, as in ID+0): expected head, ` +
        `heads, base, a revision id, a unique prefix of one or a branch label, each optionally followed by +N ` +
        `or -N; +N or -N alone (N at least 1); and BRANCH@ before any of them (BRANCH a branch label or a ` +
        `revision).`
    )
  })
})

describe("resolveRevisionTarget: head, heads, base", () => {
  it("head is the single head", () => {
    assert.deepStrictEqual(resolve(graphOf(linear), "head"), ["d"])
    assert.deepStrictEqual(resolve(graphOf(merged), "head"), ["n"])
  })

  it("head with several heads is an error listing them and suggesting heads, an id or a merge", () => {
    assert.strictEqual(
      refuse(graphOf(branched), "head"),
      `Target "head" is ambiguous: the history has 2 heads, "b2" and "c1". Use "heads" for all of them, name ` +
        `one revision, or write a merge revision that joins them.`
    )
    const error = failure(resolveRevisionTarget(graphOf(twoHistories), "head", []))
    assert.deepStrictEqual(tagsOf(error), ["RevisionGraphError", "SeveralHeads"])
    if (error.reason._tag === "SeveralHeads") assert.deepStrictEqual(error.reason.candidates, ["x2", "y2"])
  })

  it("heads is every head; base is nothing applied", () => {
    assert.deepStrictEqual(resolve(graphOf(branched), "heads"), ["b2", "c1"])
    assert.deepStrictEqual(resolve(graphOf(twoHistories), "heads"), ["x2", "y2"])
    assert.deepStrictEqual(resolve(graphOf(linear), "heads"), ["d"])
    assert.deepStrictEqual(resolve(graphOf(linear), "base"), [])
  })

  it("an empty history's head and heads are base", () => {
    const empty = success(RevisionGraph.make([]))
    assert.deepStrictEqual(resolve(empty, "head"), [])
    assert.deepStrictEqual(resolve(empty, "heads"), [])
    assert.deepStrictEqual(resolve(empty, "base"), [])
    assert.strictEqual(refuse(empty, "+1"), `Target "+1" goes past the head: no step up is possible from base.`)
  })

  it("keeps the target as typed for messages, and formats a parsed one", () => {
    assert.strictEqual(success(resolveRevisionTarget(graphOf(linear), " head ", [])).target, "head")
    const parsed: RevisionTarget = { _tag: "Relative", from: { _tag: "Revision", id: "b" }, steps: 1 }
    assert.deepStrictEqual(success(resolveRevisionTarget(graphOf(linear), parsed, [])), {
      target: "b+1",
      revisions: ["c"]
    })
  })
})

describe("resolveRevisionTarget: ids and prefixes", () => {
  const graph = graphOf({ ae1027: [], ae1999: ["ae1027"], bf0001: ["ae1999"], bf00: ["bf0001"] })

  it("a full id or a unique prefix names one revision", () => {
    assert.deepStrictEqual(resolve(graph, "ae1999"), ["ae1999"])
    assert.deepStrictEqual(resolve(graph, "ae19"), ["ae1999"])
    assert.deepStrictEqual(resolve(graph, "bf000"), ["bf0001"])
  })

  it("an exact id wins over being a prefix of another id", () => {
    assert.deepStrictEqual(resolve(graph, "bf00"), ["bf00"])
  })

  it("an ambiguous prefix lists the candidates", () => {
    assert.strictEqual(
      refuse(graph, "ae"),
      `Revision prefix "ae" is ambiguous: it starts "ae1027" and "ae1999". Type more of the id.`
    )
    assert.strictEqual(
      refuse(graph, "bf0"),
      `Revision prefix "bf0" is ambiguous: it starts "bf00" and "bf0001". Type more of the id.`
    )
    assert.strictEqual(
      refuse(graph, "ae+1"),
      `Revision prefix "ae" in target "ae+1" is ambiguous: it starts "ae1027" and "ae1999". Type more of the id.`
    )
  })

  it("an unknown id or prefix says so", () => {
    assert.strictEqual(refuse(graph, "zz"), `Unknown revision "zz": no revision id is or starts with it.`)
    assert.strictEqual(
      refuse(graph, "zz-1"),
      `Unknown revision "zz" in target "zz-1": no revision id is or starts with it.`
    )
    assert.deepStrictEqual(tagsOf(failure(lookupRevision(graph, "AE1027"))), ["RevisionGraphError", "UnknownRevision"])
  })
})

describe("resolveRevisionTarget: ID+N and ID-N walk from one revision", () => {
  it("walks a line up and down, one step below a base being base", () => {
    const graph = graphOf(linear)
    assert.deepStrictEqual(resolve(graph, "a+1"), ["b"])
    assert.deepStrictEqual(resolve(graph, "b+2"), ["d"])
    assert.deepStrictEqual(resolve(graph, "d-2"), ["b"])
    assert.deepStrictEqual(resolve(graph, "a-1"), [])
    assert.deepStrictEqual(resolve(graph, "head-1"), ["c"])
    assert.deepStrictEqual(resolve(graph, "head-4"), [])
    assert.deepStrictEqual(resolve(graph, "base+2"), ["b"])
  })

  it("does not depend on the current heads", () => {
    assert.deepStrictEqual(resolve(graphOf(linear), "b+1", ["d"]), ["c"])
    assert.deepStrictEqual(resolve(graphOf(linear), "b+1", ["unknown-to-the-graph"]), ["c"])
  })

  it("past a head or below base says how far one can go", () => {
    const graph = graphOf(linear)
    assert.strictEqual(
      refuse(graph, "b+3"),
      `Target "b+3" goes past the head: only 2 steps up are possible, reaching "d".`
    )
    assert.strictEqual(
      refuse(graph, "c+2"),
      `Target "c+2" goes past the head: only 1 step up is possible, reaching "d".`
    )
    assert.strictEqual(refuse(graph, "d+1"), `Target "d+1" goes past the head: no step up is possible from "d".`)
    assert.strictEqual(refuse(graph, "head+1"), `Target "head+1" goes past the head: no step up is possible from "d".`)
    assert.strictEqual(
      refuse(graph, "b-3"),
      `Target "b-3" goes below base: only 2 steps down are possible, reaching base.`
    )
    assert.strictEqual(refuse(graph, "base-1"), `Target "base-1" goes below base: no step down is possible from base.`)
    assert.strictEqual(
      refuse(graph, "base+5"),
      `Target "base+5" goes past the head: only 4 steps up are possible, reaching "d".`
    )
  })

  it("a branch point going up is ambiguous", () => {
    const graph = graphOf(branched)
    assert.strictEqual(
      refuse(graph, "a+1"),
      `Target "a+1" is ambiguous: the history branches, and the next revision could be "b1" or "c1". Name the ` +
        `revision to go to instead.`
    )
    assert.deepStrictEqual(resolve(graph, "b1+1"), ["b2"])
    assert.include(refuse(graph, "head-1"), `Target "head-1" is ambiguous: the history has 2 heads, "b2" and "c1".`)
  })

  it("walks through a branch point going down and a merge going up", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual(resolve(graph, "b2-2"), ["a"])
    assert.deepStrictEqual(resolve(graph, "c1+1"), ["m"])
    assert.deepStrictEqual(resolve(graph, "b1+3"), ["n"])
  })

  it("a merge going down is ambiguous, after however many steps", () => {
    const graph = graphOf(merged)
    assert.strictEqual(
      refuse(graph, "m-1"),
      `Target "m-1" is ambiguous: "m" merges "b2" and "c1", so a step down from it could go to either. Name the ` +
        `revision to go to instead.`
    )
    assert.strictEqual(
      refuse(graph, "head-2"),
      `Target "head-2" is ambiguous after 1 step: "m" merges "b2" and "c1", so a step down from it could go to ` +
        `either. Name the revision to go to instead.`
    )
    assert.deepStrictEqual(resolve(graph, "head-1"), ["m"])
    assert.include(refuse(graphOf(diamond), "e-2"), `after 1 step: "d" merges "b" and "c"`)
  })

  it("several bases make base+N ambiguous", () => {
    assert.strictEqual(
      refuse(graphOf(twoHistories), "base+1"),
      `Target "base+1" is ambiguous: the history branches, and the next revision could be "x1" or "y1". Name ` +
        `the revision to go to instead.`
    )
    assert.deepStrictEqual(resolve(graphOf(twoHistories), "x1+1"), ["x2"])
    assert.deepStrictEqual(resolve(graphOf(twoHistories), "y2-2"), [])
  })
})

describe("resolveRevisionTarget: +N and -N step from the current state", () => {
  it("linear: up and down from the current head, and from base", () => {
    const graph = graphOf(linear)
    assert.deepStrictEqual(resolve(graph, "+1", []), ["a"])
    assert.deepStrictEqual(resolve(graph, "+2", ["b"]), ["d"])
    assert.deepStrictEqual(resolve(graph, "-1", ["d"]), ["c"])
    assert.deepStrictEqual(resolve(graph, "-4", ["d"]), [])
  })

  it("linear: past the head or below base says how far one can go", () => {
    const graph = graphOf(linear)
    assert.strictEqual(
      refuse(graph, "+3", ["b"]),
      `Target "+3" goes past the head: only 2 steps up are possible, reaching "d".`
    )
    assert.strictEqual(refuse(graph, "+1", ["d"]), `Target "+1" goes past the head: no step up is possible from "d".`)
    assert.strictEqual(
      refuse(graph, "-5", ["d"]),
      `Target "-5" goes below base: only 4 steps down are possible, reaching base.`
    )
    assert.strictEqual(refuse(graph, "-1", []), `Target "-1" goes below base: no step down is possible from base.`)
  })

  it("branches: going up from a branch point is ambiguous, up along one branch is not", () => {
    const graph = graphOf(branched)
    assert.strictEqual(
      refuse(graph, "+1", ["a"]),
      `Target "+1" is ambiguous: the history branches, and the next revision could be "b1" or "c1". Name the ` +
        `revision to go to instead.`
    )
    assert.strictEqual(
      refuse(graph, "+2", []),
      `Target "+2" is ambiguous: the history branches after 1 step, and the next revision could be "b1" or "c1". ` +
        `Name the revision to go to instead.`
    )
    // The unapplied sibling branch c1 does not make the step from b1 ambiguous.
    assert.deepStrictEqual(resolve(graph, "+1", ["b1"]), ["b2"])
    // +N follows the line the database is on: the unapplied head c1 is reached with "heads" or by name.
    assert.strictEqual(refuse(graph, "+1", ["b2"]), `Target "+1" goes past the head: no step up is possible from "b2".`)
  })

  it("branches: several current heads step up together when only one revision can come next", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual(resolve(graph, "+1", ["b2", "c1"]), ["m"])
    assert.deepStrictEqual(resolve(graph, "+2", ["b2", "c1"]), ["n"])
    assert.strictEqual(
      refuse(graph, "+1", ["b1", "c1"]),
      `Target "+1" is ambiguous: the history branches, and the next revision could be "b2" or "m". Name the ` +
        `revision to go to instead.`
    )
  })

  it("merges: the next revision may need a branch that is not applied", () => {
    assert.strictEqual(
      refuse(graphOf(merged), "+1", ["b2"]),
      `Target "+1" cannot be reached one step at a time: first, the next revision "m" also needs "c1", which is ` +
        `not applied. Upgrade to "m" by name to apply it too.`
    )
    assert.strictEqual(
      refuse(graphOf(merged), "+2", ["b1"]),
      `Target "+2" cannot be reached one step at a time: after 1 step, the next revision "m" also needs "c1", ` +
        `which is not applied. Upgrade to "m" by name to apply it too.`
    )
  })

  it("merges: -1 from a merge gives back both parents; a further step down is ambiguous", () => {
    const graph = graphOf(merged)
    assert.deepStrictEqual(resolve(graph, "-1", ["n"]), ["m"])
    assert.deepStrictEqual(resolve(graph, "-2", ["n"]), ["b2", "c1"])
    assert.strictEqual(
      refuse(graph, "-3", ["n"]),
      `Target "-3" is ambiguous: after 2 steps the database would be at 2 heads, "b2" and "c1", and a step down ` +
        `could leave either. Name the revision to go to instead (ID-N counts from one revision).`
    )
    assert.strictEqual(
      refuse(graph, "-1", ["b2", "c1"]),
      `Target "-1" is ambiguous: the database is at 2 heads, "b2" and "c1", and a step down could leave either. ` +
        `Name the revision to go to instead (ID-N counts from one revision).`
    )
  })

  it("diamond: down through the merge to both sides", () => {
    const graph = graphOf(diamond)
    assert.deepStrictEqual(resolve(graph, "-2", ["e"]), ["b", "c"])
    assert.include(refuse(graph, "-3", ["e"]), `after 2 steps the database would be at 2 heads, "b" and "c"`)
    assert.deepStrictEqual(resolve(graph, "+1", ["b", "c"]), ["d"])
  })

  it("several bases: up from base is ambiguous, an independent head does not block the other history", () => {
    const graph = graphOf(twoHistories)
    assert.strictEqual(
      refuse(graph, "+1", []),
      `Target "+1" is ambiguous: the history branches, and the next revision could be "x1" or "y1". Name the ` +
        `revision to go to instead.`
    )
    assert.deepStrictEqual(resolve(graph, "+1", ["x1", "y2"]), ["x2", "y2"])
    assert.deepStrictEqual(resolve(graph, "-1", ["x1"]), [])
    assert.include(refuse(graph, "-1", ["x2", "y2"]), `the database is at 2 heads, "x2" and "y2"`)
    assert.strictEqual(
      refuse(graph, "+1", ["x2", "y2"]),
      `Target "+1" goes past the head: no step up is possible from "x2" and "y2".`
    )
  })

  it("validates the current heads it steps from", () => {
    const graph = graphOf(linear)
    assert.strictEqual(
      refuse(graph, "-1", ["zz"]),
      `The database is at revision "zz", which no revision file defines: the file is missing, or the database ` +
        `was migrated from another history.`
    )
    const dependent = failure(resolveRevisionTarget(graph, "+1", ["b", "d"]))
    assert.deepStrictEqual(tagsOf(dependent), ["RevisionGraphError", "DependentRecordedHeads"])
    // Targets that do not step from the current state do not read it.
    assert.deepStrictEqual(resolve(graph, "head", ["zz"]), ["d"])
  })
})
