/**
 * Commands that only read create nothing, as a user types them in a copy of the example project: on an
 * embedded database that does not exist yet (no `.metatables/` is made) and on an empty server database (no
 * catalog schema is made), `catalog list`, `migrations current`, `nodes status` and `doctor` say "nothing here
 * yet" and succeed; `catalog show`, a `nodes run` without `--upgrade` and `migrations check` say so and fail;
 * `migrations check` on an empty server database says it is at base and creates nothing. On a database with a
 * catalog, `migrations current` (of the provider that made it, and of one that never ran), `history
 * --indicate-current`, `show current`, `catalog list`, `nodes status` and `check` leave the catalog's rows, the
 * tables and the roles exactly as they were.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { exampleProject } from "../support/exampleProject.ts"
import { credentialRolePrefix, ownerRolePrefix, runRolePrefix } from "../../src/catalog/ProviderRoles.ts"
import { adminPsql, createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")

const readingCommands = async (project: string, env: Readonly<Record<string, string>>) => {
  const succeed: ReadonlyArray<ReadonlyArray<string>> = [["catalog", "list"], ["migrations", "current"], ["nodes", "status"]]
  for (const args of succeed) {
    const run = await runCliInProcess(args, { cwd: project, env })
    assert.strictEqual(run.exitCode, 0, `${args.join(" ")}: ${run.stderr}`)
    assert.include(run.stderr, "Nothing here yet", args.join(" "))
    assert.include(run.stderr, "`metatables migrations upgrade` creates it", args.join(" "))
    const json = await runCliInProcess([...args, "--json"], { cwd: project, env })
    assert.include(JSON.parse(json.stdout).nothingHereYet, "Nothing here yet", args.join(" "))
  }
  const fail: ReadonlyArray<ReadonlyArray<string>> = [
    ["catalog", "show", "sdk_examples.prices"],
    ["nodes", "run", "nodes/index.ts:exampleGraph"]
  ]
  for (const args of fail) {
    const run = await runCliInProcess(args, { cwd: project, env })
    assert.strictEqual(run.exitCode, 1, `${args.join(" ")}: ${run.stderr}`)
    assert.match(run.stderr, /Nothing here yet|There is no metatables catalog/, args.join(" "))
  }
}

describe("read-only commands create nothing", () => {
  it("on an embedded database that does not exist yet", async () => {
    const project = exampleProject("readonly")
    try {
      await readingCommands(project, {})
      const check = await runCliInProcess(["migrations", "check"], { cwd: project })
      assert.strictEqual(check.exitCode, 1, check.stderr)
      assert.include(check.stderr, "Nothing here yet: there is no embedded PGlite at")
      const doctor = await runCliInProcess(["doctor"], { cwd: project })
      assert.strictEqual(doctor.exitCode, 0, doctor.stderr)
      assert.include(doctor.stderr, "nothing here yet")
      assert.isFalse(NodeFs.existsSync(NodePath.join(project, ".metatables")), "no embedded database was made")
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 180_000)

  it("arguments are checked before the database opens: a wrong provider, an unknown target, a malformed reference", async () => {
    const project = exampleProject("readonly")
    try {
      const typo = await runCliInProcess(["migrations", "current", "--provider", "migrations/indx.ts:migration"], { cwd: project })
      assert.strictEqual(typo.exitCode, 1, typo.stderr)
      assert.include(typo.stderr, "migrations/indx.ts")
      const malformed = await runCliInProcess(["migrations", "current", "--provider", "migrations/index.ts"], { cwd: project })
      assert.strictEqual(malformed.exitCode, 2, malformed.stderr)
      const unknown = await runCliInProcess(["migrations", "upgrade", "9999"], { cwd: project })
      assert.strictEqual(unknown.exitCode, 1, unknown.stderr)
      assert.include(unknown.stderr, "9999")
      const node = await runCliInProcess(["nodes", "run", "nodes/index.ts"], { cwd: project })
      assert.strictEqual(node.exitCode, 2, node.stderr)
      assert.notInclude(unknown.stderr + typo.stderr, "Creating the embedded database")
      assert.isFalse(NodeFs.existsSync(NodePath.join(project, ".metatables")), "no database was opened")
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 120_000)

  it.skipIf(!server.available)("on an empty server database", async () => {
    const project = exampleProject("readonly")
    const { name, url, drop } = createServerDatabase(server.url, "mt_readonly")
    const psql = adminPsql(server.url)
    try {
      const before = psql("SELECT count(*) FROM pg_class", name)
      await readingCommands(project, { DATABASE_URL: url })
      // A server database with nothing applied is at base, behind the history: check says so and writes nothing.
      const check = await runCliInProcess(["migrations", "check"], { cwd: project, env: { DATABASE_URL: url } })
      assert.strictEqual(check.exitCode, 1, check.stderr)
      assert.include(check.stderr, "The database is at <base>")
      assert.strictEqual(psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'metatables'", name), "0")
      assert.strictEqual(psql("SELECT count(*) FROM pg_class", name), before, "no table, index or sequence was made")
    } finally {
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 180_000)

  it.skipIf(!server.available)("on a server database with a catalog, the reading commands change no row, table or role", async () => {
    const project = exampleProject("readonly")
    // A second provider, never upgraded: `current` of it must not register it.
    NodeFs.writeFileSync(
      NodePath.join(project, "storage", "other.ts"),
      `import { uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from "../src/index.ts"
export class Other extends PlatformManagedMetaTable<Other>()({
  name: "other__thing", namespace: "other", identifier: "other.thing", description: "Another provider's table.",
  columns: { uid: uuid().primaryKey() }, columnInfo: { uid: { label: "UID", description: "Key." } }
}) {}
export const models = [Other]
`
    )
    const scaffold = await runCliInProcess(
      ["migrations", "scaffold", "--package", "other", "--namespace", "other", "--metadata", "storage/other.ts:models", "--module", "other_migrations",
        "--import-from", NodePath.join(repositoryRoot, "src", "index.ts")],
      { cwd: project }
    )
    assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
    const { name, url, drop } = createServerDatabase(server.url, "mt_readonly")
    const env = { DATABASE_URL: url }
    const psql = adminPsql(server.url)
    /** Every row of every catalog table, the tables and the roles of the server. */
    const contents = () => {
      const tables = psql("SELECT string_agg(quote_ident(tablename), ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'metatables'", name).split(" ")
      return {
        catalog: Object.fromEntries(tables.map((table) => [
          table,
          psql(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM metatables.${table} t`, name)
        ])),
        relations: psql("SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')", name),
        // Roles are the server's: only this database's (other tests make and drop their own meanwhile).
        roles: psql(
          `SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE ` +
            [ownerRolePrefix(name), runRolePrefix(name), credentialRolePrefix(name)].map((prefix) => `starts_with(rolname, '${prefix}')`).join(" OR ")
        )
      }
    }
    try {
      for (const args of [["migrations", "upgrade"], ["nodes", "run", "nodes/index.ts:exampleGraph"]]) {
        const run = await runCliInProcess(args, { cwd: project, env })
        assert.strictEqual(run.exitCode, 0, run.stderr)
      }
      const before = contents()
      assert.isAbove(Object.keys(before.catalog).length, 3)
      assert.include(before.roles, runRolePrefix(name), "the provider's roles are counted")
      const reads: ReadonlyArray<ReadonlyArray<string>> = [
        ["migrations", "current"],
        ["migrations", "current", "--provider", "other_migrations/index.ts:migration"],
        ["migrations", "history", "--indicate-current"],
        ["migrations", "show", "current"],
        ["catalog", "list"],
        ["catalog", "show", "sdk_examples.prices"],
        ["nodes", "status"],
        ["migrations", "check"]
      ]
      for (const args of reads) {
        const run = await runCliInProcess(args, { cwd: project, env })
        assert.strictEqual(run.exitCode, 0, `${args.join(" ")}: ${run.stderr}`)
        assert.deepStrictEqual(contents(), before, `${args.join(" ")} changed nothing`)
      }
      const other = await runCliInProcess(["migrations", "current", "--provider", "other_migrations/index.ts:migration"], { cwd: project, env })
      assert.include(other.stderr, "other:other: no current revision")
    } finally {
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 300_000)
})
