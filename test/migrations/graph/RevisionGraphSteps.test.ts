/**
 * Upgrade and downgrade steps with the version table's heads before and after each one, the head transitions
 * they are made of, the validation of a database's heads, and the heads a merge revision joins.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import { RevisionGraph } from "../../../src/migrations/graph/RevisionGraph.ts"
import { headsAfterDowngrade, headsAfterUpgrade, validateCurrentHeads } from "../../../src/migrations/graph/RevisionHeads.ts"
import { headsToMerge } from "../../../src/migrations/graph/RevisionMerge.ts"
import { downgradeSteps, type RevisionStep, upgradeSteps } from "../../../src/migrations/graph/RevisionSteps.ts"
import { resolveRevisionTarget } from "../../../src/migrations/graph/RevisionTarget.ts"
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

const state = (heads: ReadonlyArray<string>): string => heads.length === 0 ? "base" : heads.join(",")

/** One line per step: `up b: a -> b`. */
const describeSteps = (steps: ReadonlyArray<RevisionStep>): ReadonlyArray<string> =>
  steps.map((step) => `${step.direction} ${step.revision}: ${state(step.headsBefore)} -> ${state(step.headsAfter)}`)

const plan = (command: "upgrade" | "downgrade", graph: RevisionGraph, heads: ReadonlyArray<string>, target: string) =>
  Result.gen(function*() {
    const resolved = yield* resolveRevisionTarget(graph, target, heads)
    return yield* (command === "upgrade" ? upgradeSteps : downgradeSteps)(graph, heads, resolved)
  })

const upgrade = (graph: RevisionGraph, heads: ReadonlyArray<string>, target: string) =>
  describeSteps(success(plan("upgrade", graph, heads, target)))
const downgrade = (graph: RevisionGraph, heads: ReadonlyArray<string>, target: string) =>
  describeSteps(success(plan("downgrade", graph, heads, target)))
const refuse = (command: "upgrade" | "downgrade", graph: RevisionGraph, heads: ReadonlyArray<string>, target: string) =>
  failure(plan(command, graph, heads, target)).message

describe("upgradeSteps and downgradeSteps: linear", () => {
  const graph = graphOf(linear)

  it("upgrades from base to head, parents first, one head at a time", () => {
    assert.deepStrictEqual(success(plan("upgrade", graph, [], "head")), [
      { revision: "a", direction: "up", headsBefore: [], headsAfter: ["a"] },
      { revision: "b", direction: "up", headsBefore: ["a"], headsAfter: ["b"] },
      { revision: "c", direction: "up", headsBefore: ["b"], headsAfter: ["c"] },
      { revision: "d", direction: "up", headsBefore: ["c"], headsAfter: ["d"] }
    ])
    assert.deepStrictEqual(upgrade(graph, ["b"], "head"), ["up c: b -> c", "up d: c -> d"])
    assert.deepStrictEqual(upgrade(graph, ["b"], "+1"), ["up c: b -> c"])
    assert.deepStrictEqual(upgrade(graph, ["a"], "c"), ["up b: a -> b", "up c: b -> c"])
  })

  it("downgrades children first, down to base", () => {
    assert.deepStrictEqual(downgrade(graph, ["d"], "base"), [
      "down d: d -> c",
      "down c: c -> b",
      "down b: b -> a",
      "down a: a -> base"
    ])
    assert.deepStrictEqual(downgrade(graph, ["d"], "b"), ["down d: d -> c", "down c: c -> b"])
    assert.deepStrictEqual(downgrade(graph, ["d"], "-1"), ["down d: d -> c"])
    assert.deepStrictEqual(downgrade(graph, ["c"], "a-1"), ["down c: c -> b", "down b: b -> a", "down a: a -> base"])
  })

  it("a target already reached gives no steps", () => {
    assert.deepStrictEqual(upgrade(graph, ["d"], "head"), [])
    assert.deepStrictEqual(upgrade(graph, ["d"], "heads"), [])
    assert.deepStrictEqual(upgrade(graph, [], "base"), [])
    assert.deepStrictEqual(downgrade(graph, ["b"], "b"), [])
    assert.deepStrictEqual(downgrade(graph, [], "base"), [])
  })

  it("upgrading to an older revision, or to base, points to downgrade", () => {
    assert.strictEqual(
      refuse("upgrade", graph, ["d"], "b"),
      `Cannot upgrade to "b": "b" is behind the database, which is at "d". Use downgrade to go back.`
    )
    assert.strictEqual(
      refuse("upgrade", graph, ["d"], "-1"),
      `Cannot upgrade to "-1": "c" is behind the database, which is at "d". Use downgrade to go back.`
    )
    assert.strictEqual(
      refuse("upgrade", graph, ["d"], "base"),
      `Cannot upgrade to "base": base is behind the database, which is at "d". Use downgrade to go back.`
    )
    assert.deepStrictEqual(tagsOf(failure(plan("upgrade", graph, ["d"], "a"))), ["RevisionGraphError", "WrongDirection"])
  })

  it("downgrading to a newer revision points to upgrade", () => {
    assert.strictEqual(
      refuse("downgrade", graph, ["b"], "d"),
      `Cannot downgrade to "d": "d" is not applied (the database is at "b"). Use upgrade to move forward.`
    )
    assert.strictEqual(
      refuse("downgrade", graph, [], "+1"),
      `Cannot downgrade to "+1": "a" is not applied (the database is at base). Use upgrade to move forward.`
    )
  })
})

describe("upgradeSteps and downgradeSteps: branches", () => {
  const graph = graphOf(branched)

  it("upgrading to every head applies both branches; the second adds a head", () => {
    assert.deepStrictEqual(upgrade(graph, [], "heads"), [
      "up a: base -> a",
      "up b1: a -> b1",
      "up b2: b1 -> b2",
      "up c1: b2 -> b2,c1"
    ])
  })

  it("a branch point with one branch applied: the other branch is added beside it", () => {
    assert.deepStrictEqual(upgrade(graph, ["b2"], "c1"), ["up c1: b2 -> b2,c1"])
    assert.deepStrictEqual(upgrade(graph, ["b2"], "heads"), ["up c1: b2 -> b2,c1"])
    assert.deepStrictEqual(upgrade(graph, ["b1"], "heads"), ["up b2: b1 -> b2", "up c1: b2 -> b2,c1"])
    assert.deepStrictEqual(upgrade(graph, ["b2", "c1"], "b2"), [])
  })

  it("upgrade head with several heads is an error listing them", () => {
    assert.include(refuse("upgrade", graph, ["b2"], "head"), `the history has 2 heads, "b2" and "c1"`)
  })

  it("downgrading to the branch point un-applies both branches, children first", () => {
    assert.deepStrictEqual(downgrade(graph, ["b2", "c1"], "a"), [
      "down c1: b2,c1 -> b2",
      "down b2: b2 -> b1",
      "down b1: b1 -> a"
    ])
  })

  it("downgrading one branch leaves the other branch alone (Alembic's rule)", () => {
    assert.deepStrictEqual(downgrade(graph, ["b2", "c1"], "b1"), ["down b2: b2,c1 -> b1,c1"])
    assert.deepStrictEqual(downgrade(graph, ["b2", "c1"], "b2-2"), [
      "down c1: b2,c1 -> b2",
      "down b2: b2 -> b1",
      "down b1: b1 -> a"
    ])
  })

  it("downgrading to the unapplied branch points to upgrade", () => {
    assert.strictEqual(
      refuse("downgrade", graph, ["b2"], "c1"),
      `Cannot downgrade to "c1": "c1" is not applied (the database is at "b2"). Use upgrade to move forward.`
    )
  })
})

describe("upgradeSteps and downgradeSteps: merges", () => {
  const graph = graphOf(merged)

  it("upgrading through a merge joins the branch heads into one", () => {
    assert.deepStrictEqual(upgrade(graph, [], "head"), [
      "up a: base -> a",
      "up b1: a -> b1",
      "up b2: b1 -> b2",
      "up c1: b2 -> b2,c1",
      "up m: b2,c1 -> m",
      "up n: m -> n"
    ])
  })

  it("upgrading to a merge from one branch applies the other branch first", () => {
    assert.deepStrictEqual(upgrade(graph, ["b2"], "m"), ["up c1: b2 -> b2,c1", "up m: b2,c1 -> m"])
    assert.deepStrictEqual(upgrade(graph, ["b2", "c1"], "+1"), ["up m: b2,c1 -> m"])
  })

  it("downgrading across a merge to one parent restores both parents as heads", () => {
    assert.deepStrictEqual(downgrade(graph, ["n"], "b2"), ["down n: n -> m", "down m: m -> b2,c1"])
    assert.deepStrictEqual(downgrade(graph, ["n"], "c1"), ["down n: n -> m", "down m: m -> b2,c1"])
    assert.deepStrictEqual(downgrade(graph, ["n"], "-2"), ["down n: n -> m", "down m: m -> b2,c1"])
  })

  it("downgrading below the branch point un-applies everything built on it", () => {
    assert.deepStrictEqual(downgrade(graph, ["n"], "a"), [
      "down n: n -> m",
      "down m: m -> b2,c1",
      "down c1: b2,c1 -> b2",
      "down b2: b2 -> b1",
      "down b1: b1 -> a"
    ])
  })

  it("-N across the merge is ambiguous once the database would be at two heads", () => {
    assert.include(refuse("downgrade", graph, ["n"], "-3"), `after 2 steps the database would be at 2 heads`)
    assert.include(refuse("downgrade", graph, ["m"], "m-1"), `"m" merges "b2" and "c1"`)
  })
})

describe("upgradeSteps and downgradeSteps: diamond and several bases", () => {
  it("diamond: the second side of the diamond adds a head, the merge joins them", () => {
    const graph = graphOf(diamond)
    assert.deepStrictEqual(upgrade(graph, [], "head"), [
      "up a: base -> a",
      "up b: a -> b",
      "up c: b -> b,c",
      "up d: b,c -> d",
      "up e: d -> e"
    ])
    assert.deepStrictEqual(downgrade(graph, ["e"], "base"), [
      "down e: e -> d",
      "down d: d -> b,c",
      "down c: b,c -> b",
      "down b: b -> a",
      "down a: a -> base"
    ])
    assert.deepStrictEqual(downgrade(graph, ["e"], "b"), ["down e: e -> d", "down d: d -> b,c"])
  })

  it("several bases: each history gets its own head; downgrading one leaves the other", () => {
    const graph = graphOf(twoHistories)
    assert.deepStrictEqual(upgrade(graph, [], "heads"), [
      "up x1: base -> x1",
      "up x2: x1 -> x2",
      "up y1: x2 -> x2,y1",
      "up y2: x2,y1 -> x2,y2"
    ])
    assert.deepStrictEqual(upgrade(graph, ["x2"], "y2"), ["up y1: x2 -> x2,y1", "up y2: x2,y1 -> x2,y2"])
    assert.deepStrictEqual(downgrade(graph, ["x2", "y2"], "x1"), ["down x2: x2,y2 -> x1,y2"])
    // One step below a base revision is base, and base is the whole database's: the other history goes too.
    assert.deepStrictEqual(downgrade(graph, ["x2", "y2"], "x1-1"), downgrade(graph, ["x2", "y2"], "base"))
    assert.deepStrictEqual(downgrade(graph, ["x2", "y2"], "base"), [
      "down y2: x2,y2 -> x2,y1",
      "down y1: x2,y1 -> x2",
      "down x2: x2 -> x1",
      "down x1: x1 -> base"
    ])
  })

  it("a merge of two bases", () => {
    const graph = graphOf({ x: [], y: [], joined: ["y", "x"] })
    assert.deepStrictEqual(upgrade(graph, [], "head"), [
      "up x: base -> x",
      "up y: x -> x,y",
      "up joined: x,y -> joined"
    ])
    assert.deepStrictEqual(downgrade(graph, ["joined"], "-1"), ["down joined: joined -> x,y"])
    assert.deepStrictEqual(downgrade(graph, ["joined"], "base"), [
      "down joined: joined -> x,y",
      "down y: x,y -> x",
      "down x: x -> base"
    ])
  })

  it("an empty history upgrades to head with no steps", () => {
    assert.deepStrictEqual(upgrade(success(RevisionGraph.make([])), [], "head"), [])
  })
})

describe("the database's current heads", () => {
  const graph = graphOf(linear)

  it("are returned once each, by id", () => {
    assert.deepStrictEqual(success(validateCurrentHeads(graph, ["d", "d"])), ["d"])
    assert.deepStrictEqual(success(validateCurrentHeads(graphOf(branched), ["c1", "b1"])), ["b1", "c1"])
    assert.deepStrictEqual(success(validateCurrentHeads(graph, [])), [])
  })

  it("a revision the graph does not know is an error naming it", () => {
    assert.strictEqual(
      failure(validateCurrentHeads(graph, ["d", "gone", "lost"])).message,
      `The database is at revisions "gone", "lost", which no revision file defines: the files are missing, or ` +
        `the database was migrated from another history.`
    )
    const head = { target: "head", revisions: ["d"] }
    const unknown = ["RevisionGraphError", "UnknownRecordedHeads"] as const
    assert.deepStrictEqual(tagsOf(failure(upgradeSteps(graph, ["gone"], head))), unknown)
    assert.deepStrictEqual(tagsOf(failure(downgradeSteps(graph, ["gone"], { target: "base", revisions: [] }))), unknown)
  })

  it("a head built on another head is an error", () => {
    const error = failure(validateCurrentHeads(graph, ["c", "a"]))
    assert.deepStrictEqual(reasonOf(error, "DependentRecordedHeads").revisions, ["a", "c"])
    assert.strictEqual(
      error.message,
      `The database's version table is inconsistent: it records both "a" and "c" as heads, but "c" builds on ` +
        `"a". Repair the version table before migrating.`
    )
  })

  it("a hand-built target naming an unknown revision is an error", () => {
    const error = failure(upgradeSteps(graph, [], { target: "zz", revisions: ["zz"] }))
    assert.strictEqual(error.message, `Unknown revision "zz": no revision id is or starts with it.`)
    const unknown = { target: "zz", revisions: ["zz"] }
    assert.deepStrictEqual(tagsOf(failure(downgradeSteps(graph, ["d"], unknown))), ["RevisionGraphError", "UnknownRevision"])
  })
})

describe("head transitions", () => {
  it("applying a revision replaces those of its parents that are heads", () => {
    assert.deepStrictEqual(headsAfterUpgrade(graphOf(linear), ["a"], "b"), ["b"])
    assert.deepStrictEqual(headsAfterUpgrade(graphOf(merged), ["b2", "c1"], "m"), ["m"])
    assert.deepStrictEqual(headsAfterUpgrade(graphOf(branched), ["b1"], "c1"), ["b1", "c1"])
    assert.deepStrictEqual(headsAfterUpgrade(graphOf(twoHistories), ["x2"], "y1"), ["x2", "y1"])
  })

  it("un-applying a revision restores the parents no remaining head builds on", () => {
    assert.deepStrictEqual(headsAfterDowngrade(graphOf(merged), ["m"], "m"), ["b2", "c1"])
    assert.deepStrictEqual(headsAfterDowngrade(graphOf(branched), ["b1", "c1"], "c1"), ["b1"])
    assert.deepStrictEqual(headsAfterDowngrade(graphOf(linear), ["a"], "a"), [])
    assert.deepStrictEqual(headsAfterDowngrade(graphOf(diamond), ["b", "c"], "c"), ["b"])
  })
})

describe("headsToMerge", () => {
  it("joins every head", () => {
    assert.deepStrictEqual(success(headsToMerge(graphOf(branched))), ["b2", "c1"])
    assert.deepStrictEqual(success(headsToMerge(graphOf(twoHistories))), ["x2", "y2"])
  })

  it("needs at least two heads", () => {
    assert.strictEqual(
      failure(headsToMerge(graphOf(merged))).message,
      `Nothing to merge: the history has a single head, "n".`
    )
    assert.strictEqual(
      failure(headsToMerge(success(RevisionGraph.make([])))).message,
      "Nothing to merge: the history has no revisions yet."
    )
  })
})

describe("steps agree with the version table's definition of heads", () => {
  // The heads of an applied set are its members nothing else in it builds on; every step must keep the heads
  // equal to that, and land on exactly the applied set the target asks for.
  const headsOf = (graph: RevisionGraph, applied: ReadonlySet<string>): ReadonlyArray<string> =>
    [...applied].filter((id) => !graph.children(id).some((child) => applied.has(child))).sort()

  const checkSteps = (graph: RevisionGraph, start: ReadonlyArray<string>, steps: ReadonlyArray<RevisionStep>) => {
    const applied = new Set(graph.appliedSet(start))
    let heads = start
    for (const step of steps) {
      assert.deepStrictEqual(step.headsBefore, heads)
      if (step.direction === "up") {
        assert.isFalse(applied.has(step.revision), `${step.revision} applied twice`)
        assert.isTrue(graph.parents(step.revision).every((parent) => applied.has(parent)), `${step.revision} early`)
        applied.add(step.revision)
      } else {
        assert.isTrue(graph.children(step.revision).every((child) => !applied.has(child)), `${step.revision} early`)
        applied.delete(step.revision)
      }
      assert.deepStrictEqual(step.headsAfter, headsOf(graph, applied))
      heads = step.headsAfter
    }
    return applied
  }

  for (const [name, shape] of Object.entries({ linear, branched, merged, diamond, twoHistories })) {
    it(`${name}: from every valid state to every target`, () => {
      const graph = graphOf(shape)
      const ids = graph.topologicalOrder
      const states = Array.from({ length: 2 ** ids.length }, (_, mask) => ids.filter((_, bit) => (mask >> bit) & 1))
        .filter((heads) => Result.isSuccess(validateCurrentHeads(graph, heads)))
      const targets = [[], graph.heads, ...ids.map((id) => [id])]
      let checked = 0
      for (const start of states) {
        for (const revisions of targets) {
          const target = { target: revisions.join(",") || "base", revisions }
          const up = upgradeSteps(graph, start, target)
          if (Result.isSuccess(up)) {
            const applied = checkSteps(graph, start, up.success)
            const expected = new Set([...graph.appliedSet(start), ...graph.appliedSet(revisions)])
            assert.deepStrictEqual([...applied].sort(), [...expected].sort())
            checked++
          }
          const down = downgradeSteps(graph, start, target)
          if (Result.isSuccess(down)) {
            const applied = checkSteps(graph, start, down.success)
            for (const id of revisions) assert.isTrue(applied.has(id), `${id} kept`)
            for (const id of graph.descendants(revisions)) assert.isFalse(applied.has(id), `${id} removed`)
            if (revisions.length === 0) assert.strictEqual(applied.size, 0)
            checked++
          }
          // Exactly one direction works, unless the target is already reached (both give no steps).
          const reached = Result.isSuccess(up) && Result.isSuccess(down)
          assert.isTrue(Result.isSuccess(up) || Result.isSuccess(down), `${state(start)} to ${target.target}`)
          if (reached) assert.strictEqual(up.success.length + down.success.length, 0)
        }
      }
      assert.isAbove(checked, states.length)
    })
  }
})
