/**
 * Writing revisions into a branched history, on disk and without a database: on a chosen head (`head`), on
 * a revision that is not a head (`splice`), as a new base, with branch labels and dependencies, into a chosen
 * version location; and merges of chosen heads. Every new revision is checked against the history first.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  createMergeRevision,
  createRevision,
  type NewRevisionRequest
} from "../../../src/migrations/files/RevisionAuthoring.ts"
import { loadRevisions } from "../../../src/migrations/files/RevisionLoader.ts"
import { resolveRevisionTarget } from "../../../src/migrations/graph/RevisionTarget.ts"
import { scratchDirectory, writeRevision } from "../../support/revisions.ts"

const load = (...locations: ReadonlyArray<string>) => loadRevisions(locations).pipe(Effect.provide(NodeFileSystem.layer))

/**
 * Two version locations: `main` holds 0001 (labelled accounts) with two children 0002 and 0003; `other`
 * holds 0004 (a base labelled networking).
 */
const history = () => {
  const main = scratchDirectory()
  const other = scratchDirectory()
  writeRevision(main, { id: "0001", branchLabels: ["accounts"] })
  writeRevision(main, { id: "0002", parents: ["0001"] })
  writeRevision(main, { id: "0003", parents: ["0001"] })
  writeRevision(other, { id: "0004", branchLabels: ["networking"] })
  return { main, other }
}

const write = (locations: { readonly main: string; readonly other: string }, options: Partial<NewRevisionRequest>) =>
  Effect.gen(function*() {
    const loaded = yield* load(locations.main, locations.other)
    return yield* createRevision({
      loaded,
      directory: locations.main,
      versionLocations: [locations.main, locations.other],
      tables: [],
      message: "next",
      autogenerate: false,
      renames: [],
      ...options
    }).pipe(Effect.provide(NodeFileSystem.layer))
  })

describe("createRevision in a branched history", () => {
  it.effect("needs --head while there are several heads, and writes onto the head chosen, beside it", () =>
    Effect.gen(function*() {
      const locations = history()
      const several = yield* Effect.flip(write(locations, {}))
      assert.strictEqual(several._tag, "RevisionAuthoringError")
      assert.include(several.message, "The history has several heads (0002, 0003, 0004); choose the one to build on with --head")
      const written = yield* write(locations, { head: "networking@head" })
      assert.strictEqual(written._tag, "Written")
      if (written._tag !== "Written") return
      assert.deepStrictEqual([written.revision, written.parents], ["0005", ["0004"]])
      assert.strictEqual(NodePath.dirname(written.path), locations.other, "beside the revision it builds on")
      const loaded = yield* load(locations.main, locations.other)
      assert.deepStrictEqual(loaded.graph.parents("0005"), ["0004"])
      assert.deepStrictEqual(loaded.graph.branchLabels("0005"), ["networking"])
    }))

  it.effect("refuses a revision that is not a head unless --splice starts a new branch there", () =>
    Effect.gen(function*() {
      const locations = history()
      const refused = yield* Effect.flip(write(locations, { head: "accounts" }))
      assert.include(refused.message, "Revision 0001 is not a head: a new revision on it would start a second branch there.")
      const spliced = yield* write(locations, { head: "accounts", splice: true, revisionId: "0010" })
      assert.strictEqual(spliced._tag === "Written" ? spliced.parents[0] : undefined, "0001")
      const loaded = yield* load(locations.main, locations.other)
      assert.deepStrictEqual(loaded.graph.children("0001"), ["0002", "0003", "0010"])
    }))

  it.effect("a dependency must name one revision", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(write(history(), { head: "base", dependsOn: ["000"] }))
      assert.include(error.message, `Revision prefix "000" is ambiguous: it starts "0001", "0002", "0003" and "0004"`)
    }))

  it.effect("writes a labelled base whose dependencies are resolved to full ids, labels kept as labels", () =>
    Effect.gen(function*() {
      const locations = history()
      const written = yield* write(locations, { head: "base", branchLabels: ["billing"], dependsOn: ["0002", "networking"] })
      if (written._tag !== "Written") return assert.fail("not written")
      assert.deepStrictEqual([written.parents, written.dependsOn, written.branchLabels], [[], ["0002", "networking"], ["billing"]])
      const text = NodeFs.readFileSync(written.path, "utf8")
      assert.include(text, " * Revises: <base>\n * Depends on: 0002, networking\n * Branch labels: billing\n")
      assert.include(text, `export const dependsOn: ReadonlyArray<string> = ["0002", "networking"]`)
      assert.include(text, `export const branchLabels: ReadonlyArray<string> = ["billing"]`)
      const loaded = yield* load(locations.main, locations.other)
      assert.deepStrictEqual(loaded.graph.dependencies("0005"), ["0002", "0004"])
      const target = yield* Effect.fromResult(resolveRevisionTarget(loaded.graph, "billing@head", undefined))
      assert.deepStrictEqual(target.revisions, ["0005"])
      const prefixed = yield* write(locations, { head: "billing@head", dependsOn: ["0003"], revisionId: "0006" })
      assert.deepStrictEqual(prefixed._tag === "Written" ? prefixed.dependsOn : [], ["0003"])
    }))

  it.effect("checks the new revision against the history: labels in use, dependencies on base", () =>
    Effect.gen(function*() {
      const locations = history()
      const taken = yield* Effect.flip(write(locations, { head: "networking@head", branchLabels: ["accounts"] }))
      assert.strictEqual(
        taken.message,
        "The new revision would not fit the history:\n" +
          `  - branch label "accounts" is declared by "0001" and "0005"; a label names one branch: ` +
          `${NodePath.join(locations.main, "0001_revision.ts")}, the new revision`
      )
      const onBase = yield* Effect.flip(write(locations, { head: "0002", dependsOn: ["base"] }))
      assert.include(onBase.message, "--depends-on base names base, which is not a revision")
      const unknown = yield* Effect.flip(write(locations, { head: "0002", dependsOn: ["9999"] }))
      assert.include(unknown.message, `Unknown revision "9999"`)
      assert.isFalse(NodeFs.existsSync(NodePath.join(locations.main, "0005_next.ts")), "nothing was written")
    }))

  it.effect("counts the next id from the revision built on, which a new base does not have", () =>
    Effect.gen(function*() {
      const locations = history()
      writeRevision(locations.other, { id: "feature", parents: ["0004"] })
      const counted = yield* Effect.flip(write(locations, { head: "feature" }))
      assert.include(counted.message, "The head revision feature has no numeric id to count from; pass --rev-id.")
      const base = yield* write(locations, { head: "base" })
      assert.strictEqual(base._tag === "Written" ? base.revision : "", "0005")
    }))

  it.effect("writes into the version location given, and only into one of the provider's", () =>
    Effect.gen(function*() {
      const locations = history()
      const moved = yield* write(locations, { head: "0002", versionPath: locations.other })
      assert.strictEqual(moved._tag === "Written" ? NodePath.dirname(moved.path) : "", locations.other)
      const elsewhere = scratchDirectory()
      const refused = yield* Effect.flip(write(locations, { head: "0003", versionPath: elsewhere }))
      assert.include(refused.message, `--version-path ${elsewhere} is not one of the provider's version locations`)
    }))
})

describe("createMergeRevision of chosen heads", () => {
  const merge = (locations: { readonly main: string; readonly other: string }, revisions?: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const loaded = yield* load(locations.main, locations.other)
      return yield* createMergeRevision({
        loaded,
        directory: locations.main,
        versionLocations: [locations.main, locations.other],
        tables: [],
        message: "join",
        revisions,
        branchLabels: revisions === undefined ? [] : ["joined"]
      }).pipe(Effect.provide(NodeFileSystem.layer))
    })

  it.effect("joins the heads named, beside the first of them, leaving the other heads alone", () =>
    Effect.gen(function*() {
      const locations = history()
      const merged = yield* merge(locations, ["networking@head", "0003"])
      assert.deepStrictEqual([merged.revision, merged.parents, merged.branchLabels], ["0005", ["0003", "0004"], ["joined"]])
      assert.strictEqual(NodePath.dirname(merged.path), locations.main)
      const loaded = yield* load(locations.main, locations.other)
      assert.deepStrictEqual(loaded.graph.heads, ["0002", "0005"])
    }))

  it.effect("joins every head when none is named; refuses a revision that is not a head, or a single head", () =>
    Effect.gen(function*() {
      const locations = history()
      const notHead = yield* Effect.flip(merge(locations, ["0001", "0002"]))
      assert.strictEqual(
        notHead.message,
        `Cannot merge "0001": it is not a head (the history's heads are "0002", "0003" and "0004"). A merge joins ` +
          "heads; to build on an older revision, write a revision with --head 0001 --splice."
      )
      const single = yield* Effect.flip(merge(locations, ["0002", "0002"]))
      assert.strictEqual(single.message, `A merge joins at least two heads; only "0002" was named.`)
      const all = yield* merge(locations)
      assert.deepStrictEqual(all.parents, ["0002", "0003", "0004"])
    }))

  it.effect("refuses to merge a head with the revision that depends on it", () =>
    Effect.gen(function*() {
      const locations = history()
      writeRevision(locations.other, { id: "0005", parents: ["0004"], dependsOn: ["0002"] })
      const error = yield* Effect.flip(merge(locations, ["0002", "0005"]))
      assert.strictEqual(
        error.message,
        `Cannot merge "0002" and "0005": "0005" already builds on "0002", so the merge would list a parent it has already.`
      )
      // Without names, the head 0002 is joined through 0005 already: the merge lists 0003 and 0005.
      assert.deepStrictEqual((yield* merge(locations)).parents, ["0003", "0005"])
    }))
})
