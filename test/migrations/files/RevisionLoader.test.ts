/**
 * Loading revision files: a valid history becomes a graph (with branch labels and dependencies); every problem
 * of a broken one (unimportable files, invalid exports, duplicate ids, unknown parents, cycles, redundant merge
 * parents, duplicated labels, unknown dependencies) is reported at once, each with its file.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { loadRevisions } from "../../../src/migrations/files/RevisionLoader.ts"
import { scratchDirectory, writeRevision } from "../../support/revisions.ts"

const load = (...locations: ReadonlyArray<string>) => loadRevisions(locations).pipe(Effect.provide(NodeFileSystem.layer))

describe("loadRevisions", () => {
  it.effect("loads a history from several locations, with checksums and defaults", () =>
    Effect.gen(function*() {
      const first = scratchDirectory()
      const second = scratchDirectory()
      writeRevision(first, { id: "0001", upgrade: ["CREATE TABLE a (id int)"], downgrade: ["DROP TABLE a"] })
      writeRevision(second, { id: "0002", parents: ["0001"], transactional: false, upgrade: ["SELECT 1"] })
      NodeFs.writeFileSync(NodePath.join(first, "index.ts"), "export const ignored = true\n")
      NodeFs.writeFileSync(NodePath.join(first, "notes.md"), "not a revision\n")
      const loaded = yield* load(first, second, NodePath.join(first, "missing"))
      assert.deepStrictEqual([...loaded.revisions.keys()], ["0001", "0002"])
      assert.deepStrictEqual(loaded.graph.heads, ["0002"])
      const revision = loaded.revisions.get("0001")!
      assert.deepStrictEqual(revision.upgrade, ["CREATE TABLE a (id int)"])
      assert.isTrue(revision.transactional)
      assert.isFalse(loaded.revisions.get("0002")!.transactional)
      assert.match(revision.checksum, /^[0-9a-f]{64}$/)
      assert.strictEqual(revision.source, NodePath.join(first, "0001_revision.ts"))
    }))

  it.effect("reports every problem of a broken history in one error, with its file", () =>
    Effect.gen(function*() {
      const directory = scratchDirectory()
      writeRevision(directory, { id: "0001" })
      writeRevision(directory, { id: "0002", parents: ["0001"] })
      const duplicate = NodePath.join(directory, "0002_copy.ts")
      NodeFs.copyFileSync(NodePath.join(directory, "0002_revision.ts"), duplicate)
      writeRevision(directory, { id: "0003", parents: ["9999"] })
      writeRevision(directory, { id: "0004", parents: ["0005"], message: "loop a" })
      writeRevision(directory, { id: "0005", parents: ["0004"], message: "loop b" })
      const syntax = NodePath.join(directory, "0006_syntax.ts")
      NodeFs.writeFileSync(syntax, "export const id = \n")
      const invalid = NodePath.join(directory, "0007_invalid.ts")
      NodeFs.writeFileSync(invalid, "export const id = 7\nexport const upgrade = 'DROP TABLE x'\n")
      const error = yield* Effect.flip(load(directory))
      assert.strictEqual(error._tag, "RevisionLoadError")
      const lines = error.message.split("\n")
      assert.match(lines[0]!, /^The revisions cannot be loaded \(5 problems\):$/)
      const text = error.message
      assert.include(text, `${syntax}: cannot be imported:`)
      assert.include(text, `${invalid}: does not export a valid revision: export \`id\` must be a non-empty string; ` +
        "export `parents` must be an array of revision ids (empty for a first revision)")
      assert.include(text, "export `upgrade` must be an array of SQL statements or Effect functions")
      assert.include(text, `revision "0002" is defined 2 times: ${duplicate}, ${NodePath.join(directory, "0002_revision.ts")}`)
      assert.include(text, `revision "0003" (${NodePath.join(directory, "0003_revision.ts")}) has parent "9999", which no revision defines`)
      assert.include(text, 'cycle "0004" -> "0005" -> "0004"')
    }))

  it.effect("reads branch labels and dependencies, which default to none", () =>
    Effect.gen(function*() {
      const directory = scratchDirectory()
      writeRevision(directory, { id: "0001", branchLabels: ["accounts"] })
      writeRevision(directory, { id: "0002", branchLabels: ["networking"] })
      writeRevision(directory, { id: "0003", parents: ["0002"], dependsOn: ["accounts"] })
      const loaded = yield* load(directory)
      assert.deepStrictEqual(loaded.revisions.get("0001")!.branchLabels, ["accounts"])
      assert.deepStrictEqual(loaded.revisions.get("0003")!.dependsOn, ["accounts"])
      assert.deepStrictEqual(loaded.revisions.get("0002")!.dependsOn, [])
      assert.deepStrictEqual(loaded.graph.dependencies("0003"), ["0001"])
      assert.deepStrictEqual(loaded.graph.branchLabels("0003"), ["networking"])
      assert.deepStrictEqual([loaded.graph.heads, loaded.graph.upgradedHeads], [["0001", "0003"], ["0003"]])
    }))

  it.effect("refuses a merge that lists a parent its other parent builds on, invalid labels and dependencies", () =>
    Effect.gen(function*() {
      const directory = scratchDirectory()
      writeRevision(directory, { id: "0001", branchLabels: ["main"] })
      writeRevision(directory, { id: "0002", parents: ["0001"], branchLabels: ["main"] })
      const merge = writeRevision(directory, { id: "0003", parents: ["0001", "0002"] })
      writeRevision(directory, { id: "0004", parents: ["0003"], dependsOn: ["nowhere"] })
      writeRevision(directory, { id: "0006", parents: ["0004"], dependsOn: ["main"] })
      const odd = NodePath.join(directory, "0005_odd.ts")
      NodeFs.writeFileSync(
        odd,
        [
          `export const id = "0005"`,
          `export const parents = []`,
          `export const dependsOn = "0001"`,
          `export const branchLabels = [1]`,
          `export const message = "odd"`,
          `export const createdAt = "2026-01-01T00:00:00.000Z"`,
          `export const upgrade = []`,
          `export const downgrade = []`
        ].join("\n")
      )
      const error = yield* Effect.flip(load(directory))
      const text = error.message
      assert.include(text, "The revisions cannot be loaded (4 problems):")
      // A label declared twice names its first revision, so a dependency on it still resolves.
      assert.include(
        text,
        `${odd}: does not export a valid revision: export \`dependsOn\` must be an array of revision ids or branch ` +
          "labels when given; export `branchLabels` must be an array of branch names when given"
      )
      assert.include(text, `revision "0004" (${NodePath.join(directory, "0004_revision.ts")}) depends on "nowhere"`)
      assert.include(text, `branch label "main" is declared by "0001" and "0002"`)
      assert.include(text, `merge revision "0003" (${merge}) lists parent "0001", which "0002" already builds on`)
    }))

  it.effect("reads the tables a revision renames, which default to none (files written before they were recorded)", () =>
    Effect.gen(function*() {
      const directory = scratchDirectory()
      writeRevision(directory, { id: "0001", upgrade: ["CREATE TABLE a (id int)"] })
      writeRevision(directory, {
        id: "0002",
        parents: ["0001"],
        prelude: 'export const renamedTables = [{ from: { schema: "public", table: "a" }, to: { schema: "x.y", table: "b \\"c\\"" } }]',
        upgrade: ['ALTER TABLE a SET SCHEMA "x.y"']
      })
      const loaded = yield* load(directory)
      assert.deepStrictEqual(loaded.revisions.get("0001")!.renamedTables, [])
      assert.deepStrictEqual(loaded.revisions.get("0002")!.renamedTables, [
        { from: { schema: "public", table: "a" }, to: { schema: "x.y", table: 'b "c"' } }
      ])

      const broken = scratchDirectory()
      const path = writeRevision(broken, { id: "0001", prelude: 'export const renamedTables = [{ from: "public.a", to: { schema: "public", table: "" } }]' })
      const error = yield* Effect.flip(load(broken))
      assert.include(
        error.message,
        `${path}: does not export a valid revision: export \`renamedTables\` must be an array of { from: { schema, table }, ` +
          "to: { schema, table } } (non-empty names) when given"
      )
    }))

  it.effect("reads an edited file afresh in the same process", () =>
    Effect.gen(function*() {
      const directory = scratchDirectory()
      const path = writeRevision(directory, { id: "0001", upgrade: ["SELECT 1"] })
      const before = yield* load(directory)
      NodeFs.writeFileSync(path, NodeFs.readFileSync(path, "utf8").replace("SELECT 1", "SELECT 2"))
      const after = yield* load(directory)
      assert.deepStrictEqual(after.revisions.get("0001")!.upgrade, ["SELECT 2"])
      assert.notStrictEqual(after.revisions.get("0001")!.checksum, before.revisions.get("0001")!.checksum)
    }))
})
