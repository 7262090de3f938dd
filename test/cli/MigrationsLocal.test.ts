/**
 * The local migrations commands as a user types them: heads of a branched history, merge, history, the
 * offline `--sql FROM:TO` plan (no database touched), and `check` failing with a report (the command tree
 * run in-process, with its output captured).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Database } from "../../src/db/Database.ts"
import { repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { writeRevision } from "../support/revisions.ts"
import { scratchDirectory } from "../support/scratch.ts"

const library = NodePath.join(repositoryRoot, "src", "index.ts")

const project = async () => {
  const root = scratchDirectory("local", "repository")
  NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "local", private: true, type: "module" }))
  NodeFs.writeFileSync(
    NodePath.join(root, "storage", "models.ts"),
    `import { uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: "local__thing", namespace: "local", identifier: "local.thing", description: "Things.",
  columns: { uid: uuid().primaryKey() }, columnInfo: { uid: { label: "UID", description: "Key." } }
}) {}
export const models = [Thing]
`
  )
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "local", "--namespace", "local", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  return root
}

describe("local migrations commands", () => {
  it("shows two heads, merges them, lists the history and prints an offline plan without a database", async () => {
    const root = await project()
    try {
      const versions = NodePath.join(root, "migrations", "versions", "local")
      writeRevision(versions, { id: "0001", message: "base", upgrade: ["CREATE TABLE local_a (id int)"], downgrade: ["DROP TABLE local_a"] })
      writeRevision(versions, { id: "0002", parents: ["0001"], message: "left", upgrade: ["CREATE TABLE local_b (id int)"], downgrade: ["DROP TABLE local_b"] })
      writeRevision(versions, { id: "0003", parents: ["0001"], message: "right", upgrade: ["CREATE TABLE local_c (id int)"], downgrade: ["DROP TABLE local_c"] })

      const heads = await runCliInProcess(["migrations", "heads", "--json"], { cwd: root })
      assert.deepStrictEqual(JSON.parse(heads.stdout), { provider: "local:local", heads: ["0002", "0003"] })

      const ambiguous = await runCliInProcess(["migrations", "upgrade", "--sql", "base:head"], { cwd: root })
      assert.strictEqual(ambiguous.exitCode, 1)
      assert.include(ambiguous.stderr, 'Target "head" is ambiguous: the history has 2 heads, "0002" and "0003"')

      const revision = await runCliInProcess(["migrations", "revision", "-m", "blocked"], { cwd: root })
      assert.strictEqual(revision.exitCode, 1)
      assert.include(revision.stderr, "several heads (0002, 0003)")

      const merge = await runCliInProcess(["migrations", "merge", "-m", "join branches", "--json"], { cwd: root })
      assert.strictEqual(merge.exitCode, 0, merge.stderr)
      assert.deepStrictEqual(JSON.parse(merge.stdout).parents, ["0002", "0003"])
      assert.strictEqual(JSON.parse(merge.stdout).revision, "0004")

      const history = await runCliInProcess(["migrations", "history"], { cwd: root })
      assert.match(history.stderr, /^0002, 0003 -> 0004 \(head, merge\), join branches/)
      assert.include(history.stderr, "0001 -> 0002, left")
      assert.include(history.stderr, "<base> -> 0001 (branch point), base")

      const sql = await runCliInProcess(["migrations", "upgrade", "--sql", "0002:head"], { cwd: root })
      assert.strictEqual(sql.exitCode, 0, sql.stderr)
      assert.include(sql.stdout, "-- metatables upgrade to head: 0002 -> 0004, 2 steps")
      assert.include(sql.stdout, "CREATE TABLE local_c (id int);")
      assert.include(sql.stdout, `"heads_removed" AS (DELETE FROM "public"."local__alembic_version" WHERE "version_num" IN ('0002', '0003'))`)
      assert.notInclude(sql.stdout, "CREATE TABLE local_a")
      const down = await runCliInProcess(["migrations", "downgrade", "--sql", "0004:base", "--json"], { cwd: root })
      assert.include(JSON.parse(down.stdout).sql, "DROP TABLE local_a;")
      assert.isFalse(NodeFs.existsSync(NodePath.join(root, ".metatables")), "no database was opened")
    } finally {
      NodeFs.rmSync(root, { recursive: true, force: true })
    }
  }, 120_000)

  it("exits 1 from check with a report when the models are ahead of the revisions", async () => {
    const root = await project()
    try {
      // The project's embedded database exists (check creates none), with nothing applied.
      const dataDir = NodePath.join(root, ".metatables", "pgdata")
      await Effect.runPromise(Effect.provide(Effect.void, Database.layerEmbedded(dataDir).pipe(Layer.provide(NodeFileSystem.layer))))
      const check = await runCliInProcess(["migrations", "check", "--json"], { cwd: root })
      assert.strictEqual(check.exitCode, 1)
      const report = JSON.parse(check.stdout)
      assert.isFalse(report.ok)
      assert.strictEqual(report.pendingModelChanges.length, 1)
      assert.match(report.pendingModelChanges[0], /^CREATE TABLE "local__thing"/)
      const human = await runCliInProcess(["migrations", "check"], { cwd: root })
      assert.include(human.stderr, "The models differ from the head revision; a new revision would run:")
    } finally {
      NodeFs.rmSync(root, { recursive: true, force: true })
    }
  }, 120_000)
})
