/**
 * `migrations check` as a user types it: on the embedded database it fails (exit 1) where there is no database
 * yet and on one behind the history's heads, saying so, and passes at the heads; on a PostgreSQL server it fails
 * on a database never migrated, and a default and an index changed by hand are each reported in text and in
 * `--json`, with exit 1; names that need quoting (a quote, a space, a dot, a keyword) are quoted in the text
 * report as PostgreSQL needs them, and kept as declared in `--json`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { Database } from "../../src/db/Database.ts"
import { type CliRun, repositoryRoot, runCli, runCliInProcess } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")
const library = NodePath.join(repositoryRoot, "src", "index.ts")

const modelSource = (withNote: boolean) => `
import { index, integer, text, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}

export class Ticket extends PlatformManagedMetaTable<Ticket>()({
  name: "desk__ticket",
  namespace: "desk",
  identifier: "desk.ticket",
  description: "Tickets.",
  columns: {
    id: integer().primaryKey(),
    status: varchar({ length: 16 }).notNull().default("open"),
    owner: text()${withNote ? ",\n    note: text()" : ""}
  },
  columnInfo: {
    id: { label: "ID", description: "Ticket number." },
    status: { label: "Status", description: "Status." },
    owner: { label: "Owner", description: "Owner." }${withNote ? ',\n    note: { label: "Note", description: "Note." }' : ""}
  },
  constraints: (table) => [index("ix_desk_ticket_status").on(table.status)]
}) {}

export const models = [Ticket]
`

/** A table whose schema, name, columns and index need quoting: a quote, a space, a dot, a comment, a keyword. */
const HOSTILE = { schema: `we"ird`, table: "a b.c", status: "x;--", owner: "select", index: `Ix "1"` } as const

const hostileModelSource = `
import { index, integer, text, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}

export class Ticket extends PlatformManagedMetaTable<Ticket>()({
  name: ${JSON.stringify(HOSTILE.table)},
  schema: ${JSON.stringify(HOSTILE.schema)},
  namespace: "desk",
  identifier: "desk.ticket",
  description: "Tickets under hostile names.",
  columns: {
    id: integer().primaryKey(),
    status: varchar(${JSON.stringify(HOSTILE.status)}, { length: 16 }).notNull().default("open"),
    owner: text(${JSON.stringify(HOSTILE.owner)})
  },
  columnInfo: {
    id: { label: "ID", description: "Ticket number." },
    status: { label: "Status", description: "Status." },
    owner: { label: "Owner", description: "Owner." }
  },
  constraints: (table) => [index(${JSON.stringify(HOSTILE.index)}).on(table.status)]
}) {}

export const models = [Ticket]
`

const scratchProject = (source = modelSource(false)): string => {
  const directory = scratchDirectory("desk", "repository")
  NodeFs.mkdirSync(NodePath.join(directory, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(directory, "package.json"), JSON.stringify({ name: "desk", private: true, type: "module" }))
  NodeFs.writeFileSync(NodePath.join(directory, "storage", "models.ts"), source)
  return directory
}

const succeeded = (run: CliRun) => {
  assert.strictEqual(run.exitCode, 0, run.stderr)
  return run
}

const migrations = (cwd: string, extra: ReadonlyArray<string>) => (...args: ReadonlyArray<string>) =>
  runCliInProcess(["migrations", ...args, ...extra], { cwd })

const deployed = async (cwd: string, extra: ReadonlyArray<string>) => {
  const cli = migrations(cwd, extra)
  succeeded(
    await cli("scaffold", "--package", "desk", "--namespace", "desk", "--metadata", "storage/models.ts:models", "--import-from", library)
  )
  succeeded(await cli("revision", "-m", "initial"))
  return cli
}

describe("metatables migrations check, as a user types it", () => {
  it("fails with no database yet or one behind the heads, and passes at the heads", async () => {
    const project = scratchProject()
    try {
      const cli = await deployed(project, [])
      // No embedded database yet: check creates none, and fails saying so.
      const nothing = await cli("check")
      assert.strictEqual(nothing.exitCode, 1, nothing.stderr + nothing.stdout)
      assert.include(nothing.stderr, "Nothing here yet")

      succeeded(await cli("upgrade"))
      const clean = JSON.parse(succeeded(await cli("check", "--json")).stdout)
      assert.deepStrictEqual([clean.ok, clean.atHeads, clean.drift], [true, true, []])

      NodeFs.writeFileSync(NodePath.join(project, "storage", "models.ts"), modelSource(true))
      // A process of its own: this one has the first models module loaded.
      const second = JSON.parse(succeeded(await runCli(["migrations", "revision", "-m", "add note", "--json"], { cwd: project })).stdout)
      assert.strictEqual(second.revision, "0002")
      const behind = await cli("check", "--json")
      assert.strictEqual(behind.exitCode, 1)
      const report = JSON.parse(behind.stdout)
      assert.deepStrictEqual([report.ok, report.atHeads, report.heads, report.databaseHeads], [false, false, ["0002"], ["0001"]])
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 240_000)

  it.skipIf(!server.available)("fails on a server database never migrated, and reports a default and an index changed by hand in text and JSON", async () => {
    const { url, drop } = createServerDatabase(server.url, "mt_check")
    const run = (database: string, statement: string) =>
      Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
        Effect.provide(Database.layerServer(Redacted.make(database)))
      ))
    const project = scratchProject()
    try {
      const cli = await deployed(project, ["--database-url", url])
      const never = await cli("check")
      assert.strictEqual(never.exitCode, 1, never.stderr + never.stdout)
      assert.include(never.stderr, "The database is at <base>, the history's heads are 0001: run `metatables migrations upgrade heads`.")
      succeeded(await cli("upgrade"))
      succeeded(await cli("check"))
      await run(url, `ALTER TABLE desk__ticket ALTER COLUMN status SET DEFAULT 'closed'`)
      await run(url, `DROP INDEX ix_desk_ticket_status`)
      await run(url, `CREATE INDEX ix_desk_ticket_status ON desk__ticket (owner)`)
      const expected = [
        "column public.desk__ticket.status has default 'closed'::character varying, the revision made it 'open'::character varying",
        "index ix_desk_ticket_status on public.desk__ticket: columns is owner, the revision made it status"
      ]
      const text = await cli("check")
      assert.strictEqual(text.exitCode, 1)
      assert.include(text.stderr, "The database differs from its revision's model:")
      for (const line of expected) assert.include(text.stderr, line)
      const json = await cli("check", "--json")
      assert.strictEqual(json.exitCode, 1)
      const report = JSON.parse(json.stdout)
      assert.deepStrictEqual(report.drift, expected)
      assert.deepStrictEqual(report.driftDetails.map((difference: { readonly _tag: string }) => difference._tag), [
        "ColumnDefault",
        "ObjectChanged"
      ])
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
      drop()
    }
  }, 240_000)

  it.skipIf(!server.available)("writes hostile names in the text report as PostgreSQL needs them, and keeps the JSON as it was", async () => {
    const { url, drop } = createServerDatabase(server.url, "mt_check")
    const run = (database: string, statement: string) =>
      Effect.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
        Effect.provide(Database.layerServer(Redacted.make(database)))
      ))
    const project = scratchProject(hostileModelSource)
    const quoted = (text: string) => `"${text.replaceAll("\"", "\"\"")}"`
    const table = `${quoted(HOSTILE.schema)}.${quoted(HOSTILE.table)}`
    try {
      const cli = await deployed(project, ["--database-url", url])
      succeeded(await cli("upgrade"))
      succeeded(await cli("check"))
      await run(url, `ALTER TABLE ${table} ALTER COLUMN ${quoted(HOSTILE.status)} SET DEFAULT 'closed'`)
      await run(url, `DROP INDEX ${quoted(HOSTILE.schema)}.${quoted(HOSTILE.index)}`)
      await run(url, `CREATE INDEX ${quoted(HOSTILE.index)} ON ${table} (${quoted(HOSTILE.owner)}, id)`)
      await run(url, `CREATE FUNCTION ${quoted(HOSTILE.schema)}.by_hand() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`)
      await run(url, `CREATE TRIGGER "By Hand" AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION ${quoted(HOSTILE.schema)}.by_hand()`)

      const text = await cli("check")
      assert.strictEqual(text.exitCode, 1, text.stderr)
      for (
        const line of [
          `    function by_hand on "we""ird"."a b.c" (called by a trigger) is created by no revision`,
          `    trigger "By Hand" on "we""ird"."a b.c" is created by no revision`,
          `    column "we""ird"."a b.c"."x;--" has default 'closed'::character varying, the revision made it 'open'::character varying`,
          `    index "Ix ""1""" on "we""ird"."a b.c": columns is "select", id, the revision made it "x;--"`
        ]
      ) assert.include(text.stderr, `${line}`)

      const json = await cli("check", "--json")
      assert.strictEqual(json.exitCode, 1)
      const report = JSON.parse(json.stdout)
      assert.deepStrictEqual(Object.keys(report).sort(), [
        "atHeads",
        "databaseHeads",
        "drift",
        "driftDetails",
        "editedRevisions",
        "heads",
        "multipleHeads",
        "notes",
        "ok",
        "pendingModelChanges",
        "provider",
        "undeclaredObjects"
      ])
      // The JSON keeps each name exactly as declared, as it always has.
      assert.deepStrictEqual(report.drift, [
        `column we"ird.a b.c.x;-- has default 'closed'::character varying, the revision made it 'open'::character varying`,
        `index Ix "1" on we"ird.a b.c: columns is select, id, the revision made it x;--`
      ])
      assert.deepStrictEqual(report.undeclaredObjects, [
        { kind: "function", name: "by_hand", table: `we"ird.a b.c` },
        { kind: "trigger", name: "By Hand", table: `we"ird.a b.c` }
      ])
      assert.deepStrictEqual(report.driftDetails[1], {
        _tag: "ObjectChanged",
        table: `we"ird.a b.c`,
        object: "index",
        name: `Ix "1"`,
        aspect: "columns",
        expected: "x;--",
        actual: "select, id"
      })
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
      drop()
    }
  }, 240_000)
})
