/**
 * Which tables a plan drops, without a database: a `DROP TABLE` of a candidate's physical name, followed
 * through the renames and moves the planned revisions record, so a protected table is found under the name it
 * has when a downgrade drops it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import type { Revision, TableRename } from "../../src/migrations/files/Revision.ts"
import { RevisionGraph } from "../../src/migrations/graph/RevisionGraph.ts"
import { planMigration } from "../../src/migrations/runtime/MigrationPlan.ts"
import { tablesDroppedBy } from "../../src/migrations/TableDeletions.ts"

const revision = (
  id: string,
  parents: ReadonlyArray<string>,
  upgrade: ReadonlyArray<string>,
  downgrade: ReadonlyArray<string>,
  renamedTables?: ReadonlyArray<TableRename>
): Revision => ({
  id,
  parents,
  dependsOn: [],
  branchLabels: [],
  message: `revision ${id}`,
  createdAt: "2026-01-01T00:00:00.000Z",
  transactional: true,
  upgrade,
  downgrade,
  ...(renamedTables === undefined ? {} : { renamedTables }),
  source: `versions/${id}.ts`,
  checksum: id.padEnd(64, "0")
})

const history = [
  revision("0001", [], ['CREATE TABLE "memos" (id int);'], ['DROP TABLE "memos";']),
  revision("0002", ["0001"], ['ALTER TABLE "memos" RENAME TO "notes";'], ['ALTER TABLE "notes" RENAME TO "memos";'], [
    { from: { schema: "public", table: "memos" }, to: { schema: "public", table: "notes" } }
  ]),
  revision("0003", ["0002"], ['ALTER TABLE "notes" SET SCHEMA "archive";'], ['ALTER TABLE "archive"."notes" SET SCHEMA "public";'], [
    { from: { schema: "public", table: "notes" }, to: { schema: "archive", table: "notes" } }
  ]),
  revision("0004", ["0003"], ['DROP TABLE "archive"."notes";'], ['CREATE TABLE "archive"."notes" (id int);'])
]
const loaded = {
  revisions: new Map(history.map((entry) => [entry.id, entry])),
  graph: Result.getOrThrow(RevisionGraph.make(history))
}
const versionTable = { schema: "public", table: "app__alembic_version" }
const plan = (currentHeads: ReadonlyArray<string>, direction: "upgrade" | "downgrade", target: string) =>
  Result.getOrThrow(planMigration({ loaded, currentHeads, direction, target, versionTable }))

describe("tablesDroppedBy", () => {
  it("finds a downgrade's drop of a table under the name it has at that step", () => {
    assert.deepStrictEqual(tablesDroppedBy(plan(["0003"], "downgrade", "base"), [{ schema: "archive", table: "notes" }]), [
      { table: { schema: "public", table: "memos" }, revision: "0001" }
    ])
    assert.deepStrictEqual(tablesDroppedBy(plan(["0003"], "downgrade", "0001"), [{ schema: "archive", table: "notes" }]), [])
  })

  it("finds an upgrade's drop after the renames before it, and nothing for a table of that name elsewhere", () => {
    assert.deepStrictEqual(tablesDroppedBy(plan(["0001"], "upgrade", "head"), [{ schema: "public", table: "memos" }]), [
      { table: { schema: "archive", table: "notes" }, revision: "0004" }
    ])
    assert.deepStrictEqual(tablesDroppedBy(plan(["0001"], "upgrade", "0003"), [{ schema: "public", table: "memos" }]), [])
    assert.deepStrictEqual(tablesDroppedBy(plan(["0002"], "upgrade", "head"), [{ schema: "public", table: "memos" }]), [])
  })
})
