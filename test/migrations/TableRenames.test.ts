/**
 * A table's name at an earlier revision, without a database: taken back through the renames and moves each
 * revision above that state records (the latest first, each revision's renames at once), through branches
 * and merges; unchanged at the heads, and for revisions that record none (files written before they were); none
 * for a table made later under a name a rename vacated.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import type { Revision, TableRename } from "../../src/migrations/files/Revision.ts"
import { RevisionGraph } from "../../src/migrations/graph/RevisionGraph.ts"
import { tableNamesAt } from "../../src/migrations/TableRenames.ts"

const revision = (id: string, parents: ReadonlyArray<string>, renamedTables?: ReadonlyArray<TableRename>): Revision => ({
  id,
  parents,
  dependsOn: [],
  branchLabels: [],
  message: `revision ${id}`,
  createdAt: "2026-01-01T00:00:00.000Z",
  transactional: true,
  upgrade: [],
  downgrade: [],
  ...(renamedTables === undefined ? {} : { renamedTables }),
  source: `versions/${id}.ts`,
  checksum: id.padEnd(64, "0")
})

const loaded = (revisions: ReadonlyArray<Revision>) => ({
  revisions: new Map(revisions.map((entry) => [entry.id, entry])),
  graph: Result.getOrThrow(RevisionGraph.make(revisions))
})

const name = (schema: string, table: string) => ({ schema, table })
const rename = (from: readonly [string, string], to: readonly [string, string]): TableRename => ({
  from: name(...from),
  to: name(...to)
})

describe("tableNamesAt", () => {
  const history = loaded([
    revision("0001", []),
    revision("0002", ["0001"], [rename(["public", "memos"], ["public", "notes"])]),
    revision("0003", ["0002"], []),
    revision("0004", ["0003"], [rename(["public", "notes"], ["archive", "notes"])]),
    revision("0005", ["0004"])
  ])

  it("follows a table back through each later revision's rename or move", () => {
    const head = name("archive", "notes")
    assert.deepStrictEqual(tableNamesAt(history, ["0005"])(head), head)
    assert.deepStrictEqual(tableNamesAt(history, ["0004"])(head), head)
    assert.deepStrictEqual(tableNamesAt(history, ["0003"])(head), name("public", "notes"))
    assert.deepStrictEqual(tableNamesAt(history, ["0002"])(head), name("public", "notes"))
    assert.deepStrictEqual(tableNamesAt(history, ["0001"])(head), name("public", "memos"))
    assert.deepStrictEqual(tableNamesAt(history, [])(head), name("public", "memos"))
    assert.deepStrictEqual(tableNamesAt(history, ["0001"])(name("public", "other")), name("public", "other"))
  })

  it("has no name below a revision that renames another table away from it: made later, absent there", () => {
    const reused = name("public", "notes")
    assert.deepStrictEqual(tableNamesAt(history, ["0004"])(reused), reused)
    assert.strictEqual(tableNamesAt(history, ["0003"])(reused), undefined)
    assert.strictEqual(tableNamesAt(history, ["0001"])(reused), undefined)
  })

  it("undoes a revision's renames at once, so a swap is taken back", () => {
    const swap = loaded([
      revision("0001", []),
      revision("0002", ["0001"], [rename(["public", "a"], ["public", "b"]), rename(["public", "b"], ["public", "a"])])
    ])
    assert.deepStrictEqual(tableNamesAt(swap, ["0001"])(name("public", "a")), name("public", "b"))
    assert.deepStrictEqual(tableNamesAt(swap, ["0001"])(name("public", "b")), name("public", "a"))
  })

  it("takes back only the renames of the branches not applied, up to the merge", () => {
    const branched = loaded([
      revision("0001", []),
      revision("0002", ["0001"], [rename(["public", "a"], ["public", "a2"])]),
      revision("0003", ["0001"], [rename(["public", "b"], ["public", "b2"])]),
      revision("0004", ["0002", "0003"], [rename(["public", "a2"], ["public", "a3"])])
    ])
    const at = tableNamesAt(branched, ["0002"])
    assert.deepStrictEqual([at(name("public", "a3")), at(name("public", "b2"))], [name("public", "a2"), name("public", "b")])
    const both = tableNamesAt(branched, ["0002", "0003"])
    assert.deepStrictEqual([both(name("public", "a3")), both(name("public", "b2"))], [name("public", "a2"), name("public", "b2")])
  })
})
