/**
 * Targets, steps, stamps, merges and history ranges over branched, labelled and dependent histories, in
 * memory: LABEL, BRANCH@head/heads/base/ID/+N/-N, ID@head, heads-N, ID+0 and steps counted from a state that
 * is not read; upgrades that apply dependencies first and downgrades that undo dependants first, kept to a
 * branch when the target names one; and, for every state of three histories, steps and stamps that agree with
 * the version table's definition of heads.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import type { RevisionGraph } from "../../../src/migrations/graph/RevisionGraph.ts"
import { AppliedState, headsAfterDowngrade, validateCurrentHeads } from "../../../src/migrations/graph/RevisionHeads.ts"
import { parseRevisionRange, revisionsInRange } from "../../../src/migrations/graph/RevisionRange.ts"
import { stampedHeads } from "../../../src/migrations/graph/RevisionStamp.ts"
import { downgradeSteps, type RevisionStep, upgradeSteps } from "../../../src/migrations/graph/RevisionSteps.ts"
import {
  type ResolvedRevisionTarget,
  resolveRevisionTarget,
  resolveSingleRevision
} from "../../../src/migrations/graph/RevisionTarget.ts"
import { alembicBranches, dependent, failure, historyOf, reasonOf, success } from "./RevisionGraphFixtures.ts"

const resolve = (graph: RevisionGraph, target: string, currentHeads?: ReadonlyArray<string>) =>
  success(resolveRevisionTarget(graph, target, currentHeads))
const refuse = (graph: RevisionGraph, target: string, currentHeads?: ReadonlyArray<string>) =>
  failure(resolveRevisionTarget(graph, target, currentHeads))

const steps = (
  command: "upgrade" | "downgrade",
  graph: RevisionGraph,
  heads: ReadonlyArray<string>,
  target: string
) =>
  Result.gen(function*() {
    const resolved = yield* resolveRevisionTarget(graph, target, heads)
    return yield* (command === "upgrade" ? upgradeSteps : downgradeSteps)(graph, heads, resolved)
  })

/** One line per step: `down n2: n2 -> a2,n1`. */
const describeSteps = (result: Result.Result<ReadonlyArray<RevisionStep>, unknown>): ReadonlyArray<string> =>
  success(result as Result.Result<ReadonlyArray<RevisionStep>, { readonly message: string }>).map((step) =>
    `${step.direction} ${step.revision}: ${step.headsBefore.join(",") || "base"} -> ${step.headsAfter.join(",") || "base"}`
  )

describe("targets naming a branch", () => {
  const graph = historyOf(alembicBranches)

  it("a label is the revision that declares it; LABEL@head and ID@head the head of its line", () => {
    assert.deepStrictEqual(resolve(graph, "shoppingcart").revisions, ["27c6"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@head"), { target: "shoppingcart@head", revisions: ["d747"], branch: "27c6" })
    assert.deepStrictEqual(resolve(graph, "networking@head").revisions, ["2a95"])
    assert.deepStrictEqual(resolve(graph, "ae10@head").revisions, ["55af"])
    assert.deepStrictEqual(resolve(graph, "ae@head").revisions, ["55af"], "a branch may be an id's prefix")
    assert.deepStrictEqual(resolve(graph, "2a95@head").revisions, ["2a95"])
  })

  it("a branch point's line has several heads: @head is ambiguous, @heads names them all", () => {
    const error = refuse(graph, "1975@head")
    assert.strictEqual(
      error.message,
      `Target "1975@head" is ambiguous: branch "1975" has 2 heads, "55af" and "d747". Use "1975@heads" for all ` +
        `of them, name one revision, or write a merge revision that joins them.`
    )
    assert.deepStrictEqual(resolve(graph, "1975@heads").revisions, ["55af", "d747"])
  })

  it("BRANCH@ID must be on the branch's line; a prefix is read among the branch's revisions first", () => {
    assert.deepStrictEqual(resolve(graph, "shoppingcart@d747").revisions, ["d747"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@1975").revisions, ["1975"], "what the branch builds on is on it")
    assert.strictEqual(
      refuse(graph, "shoppingcart@ae10").message,
      `Revision "ae10" in target "shoppingcart@ae10" is not on branch "shoppingcart" (which starts at "27c6"): it ` +
        `neither builds on "27c6" nor is built on by it.`
    )
    const prefixed = historyOf({ r: [], x1a: { parents: ["r"], labels: ["x"] }, x1b: ["r"] })
    assert.strictEqual(reasonOf(refuse(prefixed, "x1"), "AmbiguousPrefix").candidates.length, 2)
    assert.deepStrictEqual(resolve(prefixed, "x@x1").revisions, ["x1a"])
  })

  it("an unknown branch says so", () => {
    assert.strictEqual(
      refuse(graph, "payments@head").message,
      `Unknown branch "payments" in target "payments@head": no branch label or revision id is "payments", and no ` +
        `revision id starts with it.`
    )
  })

  it("steps from an anchor keep to the branch's line, where the whole history would branch", () => {
    assert.deepStrictEqual(resolve(graph, "shoppingcart@head-1").revisions, ["27c6"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@1975+1").revisions, ["27c6"])
    assert.strictEqual(reasonOf(refuse(graph, "1975+1"), "BranchesUp").candidates.length, 2)
    assert.deepStrictEqual(resolve(graph, "networking@base+2").revisions, ["109e"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@base").revisions, [])
  })

  it("BRANCH@+N and BRANCH@-N count from the database's latest revision on the branch", () => {
    assert.deepStrictEqual(resolve(graph, "shoppingcart@+2", []).revisions, ["27c6"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@+1", ["55af"]).revisions, ["27c6"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@-1", ["d747", "55af"]).revisions, ["27c6"])
    // The networking branch's latest revision is applied through its dependant being the head.
    assert.deepStrictEqual(resolve(graph, "networking@-2", ["2a95", "d747"]).revisions, ["109e"])
    // Only the revision shoppingcart branches from is applied: one step down from it is base.
    assert.deepStrictEqual(resolve(graph, "shoppingcart@-1", ["55af"]).revisions, [])
    assert.strictEqual(
      refuse(graph, "networking@-1", ["d747"]).message,
      `Target "networking@-1" goes below base: no step down is possible from base.`
    )
    assert.strictEqual(
      refuse(graph, "1975@-1", ["d747", "55af"]).message,
      `Target "1975@-1" is ambiguous: the database is at 2 heads of branch "1975", "55af" and "d747", and a step ` +
        `could start from either. Name the revision to go to instead (ID-N counts from one revision).`
    )
  })

  it("a step from the database's heads where they are not read is an error; any other target resolves", () => {
    for (const target of ["+1", "-2", "shoppingcart@-1"]) {
      assert.strictEqual(
        refuse(graph, target).message,
        `Target "${target}" counts from the heads the database is at, which are not read here (offline --sql, or ` +
          `a command that does not open the database): count from a revision instead, such as ID-1 or BRANCH@head-1.`
      )
    }
    assert.deepStrictEqual(resolve(graph, "heads").revisions, ["2a95", "d747"])
  })

  it("resolveSingleRevision names one revision or base, and refuses several", () => {
    assert.strictEqual(success(resolveSingleRevision(graph, "networking@head")), "2a95")
    assert.strictEqual(success(resolveSingleRevision(graph, "base")), undefined)
    assert.deepStrictEqual(reasonOf(failure(resolveSingleRevision(graph, "heads")), "SeveralHeads").candidates, ["2a95", "d747"])
    assert.strictEqual(reasonOf(failure(resolveSingleRevision(graph, "1975@heads")), "SeveralHeads").branch, "1975")
  })
})

describe("heads+N, heads-N and ID+0", () => {
  it("heads with a step means the one head, and is ambiguous otherwise", () => {
    const linear = historyOf({ a: [], b: ["a"], c: ["b"] })
    assert.deepStrictEqual(resolve(linear, "heads-1").revisions, ["b"])
    assert.strictEqual(reasonOf(refuse(linear, "heads+1"), "PastHead").steps, 0)
    const graph = historyOf(alembicBranches)
    assert.deepStrictEqual(reasonOf(refuse(graph, "heads-1"), "SeveralHeads").candidates, ["2a95", "d747"])
    // An effective head does not count: the upgraded history has one head here, though `head` sees two.
    const deps = historyOf(dependent)
    assert.deepStrictEqual(resolve(deps, "heads-1").revisions, ["n1"])
    assert.deepStrictEqual(reasonOf(refuse(deps, "head-1"), "SeveralHeads").candidates, ["a2", "n2"])
  })

  it("ID+0 and ID-0 are the revision itself", () => {
    const graph = historyOf(alembicBranches)
    assert.deepStrictEqual(resolve(graph, "ae10+0").revisions, ["ae10"])
    assert.deepStrictEqual(resolve(graph, "shoppingcart@head-0").revisions, ["d747"])
    assert.deepStrictEqual(resolve(graph, "base+0").revisions, [])
  })
})

describe("steps with dependencies and branches", () => {
  const graph = historyOf(dependent)

  it("an upgrade applies a dependency first, and its dependant replaces it in the version table", () => {
    assert.deepStrictEqual(describeSteps(steps("upgrade", graph, [], "n2")), [
      "up a1: base -> a1",
      "up a2: a1 -> a2",
      "up n1: a2 -> a2,n1",
      "up n2: a2,n1 -> n2"
    ])
    assert.deepStrictEqual(describeSteps(steps("upgrade", graph, ["n1"], "heads")), [
      "up a1: n1 -> a1,n1",
      "up a2: a1,n1 -> a2,n1",
      "up n2: a2,n1 -> n2"
    ])
    // The dependency is applied and nothing builds on it through a parent: reached, not passed.
    assert.deepStrictEqual(success(steps("upgrade", graph, ["n2"], "a2")), [])
    assert.include(failure(steps("upgrade", graph, ["n2"], "a1")).message, `Cannot upgrade to "a1": "a1" is behind`)
  })

  it("a downgrade undoes dependants first; down to the dependency itself, its dependant stays", () => {
    assert.deepStrictEqual(describeSteps(steps("downgrade", graph, ["n2"], "a1")), [
      "down n2: n2 -> a2,n1",
      "down a2: a2,n1 -> a1,n1"
    ])
    assert.deepStrictEqual(success(steps("downgrade", graph, ["n2"], "a2")), [])
    assert.deepStrictEqual(describeSteps(steps("downgrade", graph, ["n2"], "-1")), ["down n2: n2 -> a2,n1"])
    assert.strictEqual(
      refuse(graph, "-2", ["n2"]).message,
      `Target "-2" is ambiguous: after 1 step the database would be at 2 heads, "a2" and "n1", and a step down ` +
        `could leave either. Name the revision to go to instead (ID-N counts from one revision).`
    )
  })

  it("a branch target's downgrade undoes only that line and what needs it", () => {
    const docs = historyOf(alembicBranches)
    const all = ["2a95", "d747"]
    assert.deepStrictEqual(describeSteps(steps("downgrade", docs, all, "networking@base")), [
      "down 2a95: 2a95,d747 -> 29f8,55af,d747",
      "down 29f8: 29f8,55af,d747 -> 109e,55af,d747",
      "down 109e: 109e,55af,d747 -> 3cac,55af,d747",
      "down 3cac: 3cac,55af,d747 -> 55af,d747"
    ])
    // Down one step along shoppingcart reaches the branch point; the other branch stays.
    assert.deepStrictEqual(describeSteps(steps("downgrade", docs, ["55af", "d747"], "shoppingcart@-2")), [
      "down d747: 55af,d747 -> 27c6,55af",
      "down 27c6: 27c6,55af -> 55af"
    ])
    // Without the branch, down to the branch point undoes both branches, and what depends on them.
    assert.deepStrictEqual(
      success(steps("downgrade", docs, all, "1975")).map((step) => step.revision),
      ["d747", "2a95", "55af", "ae10", "27c6"]
    )
    // shoppingcart's line goes down to 1975, which the other branch builds on: all of it goes (as Alembic).
    assert.deepStrictEqual(
      success(steps("downgrade", docs, ["55af", "d747"], "shoppingcart@base")).map((step) => step.revision),
      ["d747", "55af", "ae10", "27c6", "1975"]
    )
  })

  it("AppliedState never records a head that another builds on, even across a redundant dependency", () => {
    // x's dependency a1 is already below its parent a2: un-applying x gives back a2 alone.
    const redundant = historyOf({ a1: [], a2: ["a1"], x: { parents: ["a2"], dependsOn: ["a1"] } })
    const state = new AppliedState(redundant, ["x"])
    assert.deepStrictEqual(state.downgrade("x"), ["a2"])
    assert.deepStrictEqual(headsAfterDowngrade(redundant, ["x"], "x"), ["a2"])
    assert.deepStrictEqual(state.upgrade("x"), ["x"])
  })
})

describe("stampedHeads", () => {
  const graph = historyOf(alembicBranches)
  const at = (target: string): ResolvedRevisionTarget => resolve(graph, target, [])
  const stamp = (heads: ReadonlyArray<string>, targets: ReadonlyArray<string>, purge = false) =>
    success(stampedHeads(graph, heads, targets.map(at), { purge }))

  it("moves only the heads each target is related to", () => {
    assert.deepStrictEqual(stamp(["2a95", "d747"], ["27c6"]), ["27c6", "2a95"])
    assert.deepStrictEqual(stamp(["27c6"], ["networking@head", "d747"]), ["2a95", "d747"])
    assert.deepStrictEqual(stamp(["27c6"], ["networking@head"]), ["27c6", "2a95"])
    assert.deepStrictEqual(stamp(["2a95", "d747"], ["base"]), [])
    assert.deepStrictEqual(stamp(["2a95", "d747"], ["networking@base"]), ["55af", "d747"])
    assert.deepStrictEqual(stamp(["d747"], ["d747"]), ["d747"])
  })

  it("with purge, records exactly the targets over whatever the table held", () => {
    assert.deepStrictEqual(success(stampedHeads(graph, ["zz"], [at("ae10"), at("d747")], { purge: true })), ["ae10", "d747"])
    assert.strictEqual(reasonOf(failure(stampedHeads(graph, ["zz"], [at("ae10")], { purge: false })), "UnknownRecordedHeads").revisions[0], "zz")
  })

  it("refuses targets where one builds on another, through a dependency too", () => {
    const error = failure(stampedHeads(graph, [], [at("55af"), at("2a95")], { purge: false }))
    assert.deepStrictEqual(reasonOf(error, "OverlappingRevisions").revisions, ["55af", "2a95"])
  })
})

describe("revisionsInRange", () => {
  const graph = historyOf(alembicBranches)
  const range = (text: string) => {
    const { lower, upper } = success(parseRevisionRange(text))
    return revisionsInRange(
      graph,
      lower === undefined ? undefined : resolve(graph, lower),
      upper === undefined ? undefined : resolve(graph, upper)
    )
  }

  it("lists, newest first, what UPPER needs that is LOWER or built on it (Alembic's examples)", () => {
    assert.deepStrictEqual(range("networking@base:"), ["2a95", "29f8", "109e", "3cac"])
    assert.deepStrictEqual(range(":networking@head"), ["2a95", "55af", "ae10", "29f8", "109e", "3cac", "1975"])
    assert.deepStrictEqual(range(":shoppingcart@head"), ["d747", "27c6", "1975"])
    // The base of shoppingcart's line is 1975, which the other branch shares (Alembic lists it too).
    assert.deepStrictEqual(range("shoppingcart@base:"), ["d747", "55af", "ae10", "27c6", "1975"])
    assert.deepStrictEqual(range("27c6:"), ["d747", "27c6"])
    assert.deepStrictEqual(range(":"), [...graph.topologicalOrder].reverse())
  })

  it("a range needs its colon", () => {
    assert.strictEqual(
      failure(parseRevisionRange("27c6")).message,
      `"27c6" is not a revision target (a range is LOWER:UPPER, LOWER: or :UPPER): expected head, heads, base, a ` +
        `revision id, a unique prefix of one or a branch label, each optionally followed by +N or -N; +N or -N ` +
        `alone (N at least 1); and BRANCH@ before any of them (BRANCH a branch label or a revision).`
    )
  })
})

describe("steps and stamps agree with the version table's definition of heads, from every state", () => {
  // The heads of an applied set are its members nothing else in it builds on, through a parent or a
  // dependency; every step must keep the heads equal to that and land on the applied set the target asks for.
  const headsOf = (graph: RevisionGraph, applied: ReadonlySet<string>): ReadonlyArray<string> =>
    [...applied].filter((id) => !graph.successors(id).some((next) => applied.has(next))).sort()

  const checkSteps = (graph: RevisionGraph, start: ReadonlyArray<string>, list: ReadonlyArray<RevisionStep>) => {
    const applied = new Set(graph.appliedSet(start))
    for (const step of list) {
      if (step.direction === "up") {
        assert.isTrue(graph.prerequisites(step.revision).every((id) => applied.has(id)), `${step.revision} early`)
        applied.add(step.revision)
      } else {
        assert.isTrue(graph.successors(step.revision).every((id) => !applied.has(id)), `${step.revision} early`)
        applied.delete(step.revision)
      }
      assert.deepStrictEqual(step.headsAfter, headsOf(graph, applied))
    }
    return applied
  }

  const histories = {
    dependent,
    alembicBranches,
    merged: {
      a: { parents: [], labels: ["main"] },
      b: { parents: ["a"], labels: ["left"] },
      c: { parents: ["a"], dependsOn: ["x"] },
      m: { parents: ["b", "c"] },
      x: { parents: [], labels: ["other"] }
    }
  }

  for (const [name, history] of Object.entries(histories)) {
    it(`${name}: every target, both directions and stamp`, () => {
      const graph = historyOf(history)
      const ids = graph.topologicalOrder
      const states = Array.from({ length: 2 ** ids.length }, (_, mask) => ids.filter((_, bit) => (mask >> bit) & 1))
        .filter((heads) => Result.isSuccess(validateCurrentHeads(graph, heads)))
      const targets = [
        "base",
        "heads",
        ...ids,
        ...graph.labels.flatMap((label) => [`${label}@base`, `${label}@heads`, ...ids.map((id) => `${label}@${id}`)])
      ].flatMap((text) => {
        const resolved = resolveRevisionTarget(graph, text, undefined)
        return Result.isSuccess(resolved) ? [resolved.success] : []
      })
      let checked = 0
      for (const start of states) {
        for (const target of targets) {
          const up = upgradeSteps(graph, start, target)
          const down = downgradeSteps(graph, start, target)
          assert.isTrue(Result.isSuccess(up) || Result.isSuccess(down), `${start.join(",")} to ${target.target}`)
          let expected: ReadonlyArray<string> | undefined
          if (Result.isSuccess(up)) {
            const applied = checkSteps(graph, start, up.success)
            const wanted = new Set([...graph.appliedSet(start), ...graph.appliedSet(target.revisions)])
            assert.deepStrictEqual([...applied].sort(), [...wanted].sort())
            expected = headsOf(graph, applied)
            checked++
          }
          if (Result.isSuccess(down)) {
            const applied = checkSteps(graph, start, down.success)
            for (const id of target.revisions) assert.isTrue(applied.has(id), `${id} kept`)
            for (const child of target.revisions.flatMap((id) => graph.children(id))) {
              if (target.branch === undefined) assert.isFalse(applied.has(child), `${child} removed`)
            }
            if (Result.isSuccess(up)) assert.strictEqual(up.success.length + down.success.length, 0)
            expected = headsOf(graph, applied)
            checked++
          }
          // A stamp records what the move would have left, without running it.
          const stamped = stampedHeads(graph, start, [target], { purge: false })
          assert.deepStrictEqual(success(stamped), expected, `stamp ${target.target} over ${start.join(",")}`)
        }
      }
      assert.isAbove(checked, states.length)
    })
  }
})
