/**
 * `--rename table:old=new` as a user types it, on the embedded database: without the hint the revision says
 * how to write the rename; with it, `upgrade` renames the table in place and the catalog row keeps its uid
 * under the new physical name; after `downgrade -1`, `revision` finds nothing to write and points at
 * `upgrade`, which goes through again. (Each command in its own
 * process, as a user runs them.)
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { repositoryRoot, runCli } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"

const library = NodePath.join(repositoryRoot, "src", "index.ts")

const writeModels = (root: string, tableName: string) =>
  NodeFs.writeFileSync(
    NodePath.join(root, "storage", "models.ts"),
    `import { text, uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: ${JSON.stringify(tableName)}, namespace: "local", identifier: "local.thing", description: "Things.",
  columns: { uid: uuid().primaryKey(), label: text().unique() },
  columnInfo: { uid: { label: "UID", description: "Key." }, label: { label: "Label", description: "Name." } }
}) {}
export const models = [Thing]
`
  )

describe("migrations revision --rename table", () => {
  it("renames through upgrade, keeping the catalog row", async () => {
    const root = scratchDirectory("rename", "repository")
    try {
      NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
      NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "local", private: true, type: "module" }))
      writeModels(root, "local__thing")
      // In new processes: a command run in this one would keep the models it imported first.
      const cli = (args: ReadonlyArray<string>) => runCli(args, { cwd: root })
      const scaffold = await cli(["migrations", "scaffold", "--package", "local", "--namespace", "local", "--metadata", "storage/models.ts:models", "--import-from", library])
      assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
      assert.strictEqual((await cli(["migrations", "revision", "-m", "initial"])).exitCode, 0)
      const first = await cli(["migrations", "upgrade", "--json"])
      assert.strictEqual(first.exitCode, 0, first.stderr)
      const before = JSON.parse((await cli(["catalog", "list", "--json"])).stdout)
      const row = (rows: ReadonlyArray<{ readonly identifier: string }>) => rows.find((entry) => entry.identifier === "local.thing")

      writeModels(root, "local__renamed")
      const unhinted = await cli(["migrations", "revision", "-m", "rename", "--rev-id", "9999"])
      assert.include(unhinted.stderr, "--rename table:local__thing=local__renamed")
      NodeFs.rmSync(NodePath.join(root, "migrations", "versions", "local", "9999_rename.ts"))
      NodeFs.rmSync(NodePath.join(root, "migrations", "versions", "local", "9999_rename.snapshot.json"))

      const hinted = await cli(["migrations", "revision", "-m", "rename", "--rename", "table:local__thing=local__renamed"])
      assert.strictEqual(hinted.exitCode, 0, hinted.stderr)
      assert.notInclude(hinted.stderr, "DESTRUCTIVE")
      const upgraded = await cli(["migrations", "upgrade"])
      assert.strictEqual(upgraded.exitCode, 0, upgraded.stderr)
      const after = JSON.parse((await cli(["catalog", "list", "--json"])).stdout)
      const renamed = row(after.tables ?? after) as { readonly uid?: string; readonly table?: string; readonly status?: string }
      assert.deepStrictEqual(
        [renamed.uid, renamed.table, renamed.status],
        [(row(before.tables ?? before) as { readonly uid?: string }).uid, "local__renamed", "active"]
      )
      assert.strictEqual((await cli(["migrations", "downgrade", "-1"])).exitCode, 0)
      // The models equal the head revision: nothing to write, and the database behind it is named.
      const nothing = await cli(["migrations", "revision", "-m", "nothing"])
      assert.include(nothing.stderr, "no revision written")
      assert.include(nothing.stderr, "`metatables migrations upgrade` brings it to the head")
      assert.strictEqual((await cli(["migrations", "upgrade"])).exitCode, 0)
    } finally {
      NodeFs.rmSync(root, { recursive: true, force: true })
    }
  }, 300_000)
})
