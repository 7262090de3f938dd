/**
 * `--rename table:old=schema.new` as a user types it, on both backends: a table moved to another
 * schema in the models gives, without the hint, a revision that says how to write the move; with it,
 * `upgrade` moves the table (`SET SCHEMA`) with its row, the catalog row keeps its uid under the new
 * physical schema, and `check` is clean; `downgrade -1` moves it back, the row (same uid, active) naming
 * the table where it is again, and `upgrade` again gives the same row active under the new schema. (Each command in
 * its own process, as a user runs them.)
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { repositoryRoot, runCli } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")

const library = NodePath.join(repositoryRoot, "src", "index.ts")

const writeModels = (root: string, schema: string | undefined) =>
  NodeFs.writeFileSync(
    NodePath.join(root, "storage", "models.ts"),
    `import { text, uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: "local__thing", ${schema === undefined ? "" : `schema: ${JSON.stringify(schema)}, `}namespace: "local",
  identifier: "local.thing", description: "Things.",
  columns: { uid: uuid().primaryKey(), label: text().unique() },
  columnInfo: { uid: { label: "UID", description: "Key." }, label: { label: "Label", description: "Name." } }
}) {}
export const models = [Thing]
`
  )

interface Row {
  readonly identifier: string
  readonly uid?: string
  readonly schema?: string
  readonly table?: string
  readonly status?: string
}

const backends = [
  { name: "embedded", available: true },
  { name: "server", available: server.available }
] as const

describe("migrations revision --rename table:old=schema.new", () => {
  for (const backend of backends) {
    it.skipIf(!backend.available)(`${backend.name}: moves a table to another schema through upgrade, keeping its rows and its catalog row`, async () => {
      const root = scratchDirectory("move", "repository")
      const scratch = backend.name === "server" ? createServerDatabase(server.url, "mt_move") : undefined
      const env: Record<string, string> = scratch === undefined ? {} : { DATABASE_URL: scratch.url }
      try {
        NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
        NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "local", private: true, type: "module" }))
        writeModels(root, undefined)
        const cli = (args: ReadonlyArray<string>) => runCli(args, { cwd: root, env })
        const scaffold = await cli(["migrations", "scaffold", "--package", "local", "--namespace", "local", "--metadata", "storage/models.ts:models", "--import-from", library])
        assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
        assert.strictEqual((await cli(["migrations", "revision", "-m", "initial"])).exitCode, 0)
        const first = await cli(["migrations", "upgrade"])
        assert.strictEqual(first.exitCode, 0, first.stderr)
        const rows = async () => {
          const listed = JSON.parse((await cli(["catalog", "list", "--json"])).stdout)
          return ((listed.tables ?? listed) as ReadonlyArray<Row>).find((entry) => entry.identifier === "local.thing")!
        }
        const before = await rows()

        writeModels(root, "archive")
        const unhinted = await cli(["migrations", "revision", "-m", "move", "--rev-id", "9999"])
        assert.include(unhinted.stderr, "--rename table:local__thing=archive.local__thing")
        NodeFs.rmSync(NodePath.join(root, "migrations", "versions", "local", "9999_move.ts"))
        NodeFs.rmSync(NodePath.join(root, "migrations", "versions", "local", "9999_move.snapshot.json"))

        const hinted = await cli(["migrations", "revision", "-m", "move", "--rename", "table:local__thing=archive.local__thing"])
        assert.strictEqual(hinted.exitCode, 0, hinted.stderr)
        assert.notInclude(hinted.stderr, "DESTRUCTIVE")
        const sql = await cli(["migrations", "upgrade", "--sql"])
        assert.include(sql.stdout, "SET SCHEMA \"archive\"")
        assert.notInclude(sql.stdout, "DROP TABLE")
        const upgraded = await cli(["migrations", "upgrade"])
        assert.strictEqual(upgraded.exitCode, 0, upgraded.stderr)
        const moved = await rows()
        assert.deepStrictEqual([moved.uid, moved.schema, moved.table, moved.status], [before.uid, "archive", "local__thing", "active"])
        const check = await cli(["migrations", "check"])
        assert.strictEqual(check.exitCode, 0, check.stderr)

        const revisionFile = NodeFs.readdirSync(NodePath.join(root, "migrations", "versions", "local")).find((name) =>
          name.endsWith("_move.ts")
        )!
        assert.include(
          NodeFs.readFileSync(NodePath.join(root, "migrations", "versions", "local", revisionFile), "utf8"),
          'export const renamedTables = [\n  { from: { schema: "public", table: "local__thing" }, to: { schema: "archive", table: "local__thing" } }\n]'
        )

        assert.strictEqual((await cli(["migrations", "downgrade", "-1"])).exitCode, 0)
        // Below the move: the same row, active, naming the table where it is, and show reads that table.
        const back = await rows()
        assert.deepStrictEqual([back.uid, back.schema, back.table, back.status], [before.uid, "public", "local__thing", "active"])
        const show = await cli(["catalog", "show", "local.thing", "--json"])
        assert.strictEqual(show.exitCode, 0, show.stderr)
        const shown = JSON.parse(show.stdout) as { schema: string; statusReason: string; indexes: ReadonlyArray<unknown> }
        assert.strictEqual(shown.schema, "public")
        assert.include(shown.statusReason, "a later revision renames it from public.local__thing to archive.local__thing")
        assert.lengthOf(shown.indexes, 2, "the primary key and the unique label, read from public.local__thing")
        const listed = await cli(["catalog", "list"])
        assert.notInclude(listed.stdout + listed.stderr, "deleted")
        assert.strictEqual((await cli(["migrations", "upgrade"])).exitCode, 0)
        const again = await rows()
        assert.deepStrictEqual([again.uid, again.schema, again.table, again.status], [before.uid, "archive", "local__thing", "active"])
        assert.strictEqual((await cli(["migrations", "check"])).exitCode, 0)
      } finally {
        NodeFs.rmSync(root, { recursive: true, force: true })
        scratch?.drop()
      }
    }, 300_000)
  }
})
