/**
 * `metatables catalog list | show` as a user types them, on the embedded database and on the server (the
 * command tree run in-process, with its output captured).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { text, uuid } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { Catalog, providerIdentity } from "../../src/catalog/Catalog.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import { Database } from "../../src/db/Database.ts"
import { PlatformManagedMetaTable } from "../../src/index.ts"
import { runCliInProcess, scratchProject } from "../support/cli.ts"
import { createServerDatabase } from "../support/TestDatabase.ts"

class Listed extends PlatformManagedMetaTable<Listed>()({
  name: "cli__listed",
  namespace: "cli",
  identifier: "cli.listed",
  description: "A table the catalog commands list.",
  columns: { uid: uuid().primaryKey(), note: text() },
  columnInfo: { uid: { label: "UID", description: "Key." }, note: { label: "Note", description: "Remark." } }
}) {}

class Versions extends PlatformManagedMetaTable<Versions>()({
  name: "cli__alembic_version",
  namespace: "cli",
  identifier: "cli.alembic_version",
  description: "Versions of the cli provider.",
  columns: { versionNum: text("version_num").primaryKey() },
  columnInfo: { versionNum: { label: "Version", description: "Applied revision." } }
}) {}

/** Registers the provider and reserves `Listed`, as `migrations upgrade` would, then closes the database. */
const seed = <E>(database: Layer.Layer<Database | SqlClient.SqlClient, E>) =>
  Effect.gen(function*() {
    const catalog = yield* Catalog
    const provider = providerIdentity("cli", "cli")
    const registry = yield* catalog.ensureVersionRegistry(provider, Versions)
    const [row] = yield* catalog.reserve({ provider, versionRegistryUid: registry.uid, tables: [Listed] })
    // The physical table, with an index and a foreign key, as a revision would create it.
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe("CREATE TABLE cli__notes (note text PRIMARY KEY)")
    yield* sql.unsafe(
      "CREATE TABLE cli__listed (uid uuid CONSTRAINT pk__cli__listed PRIMARY KEY, note text " +
        "CONSTRAINT fk__cli__listed__note__cli__notes REFERENCES cli__notes (note))"
    )
    yield* sql.unsafe("CREATE INDEX ix__cli__listed__note ON cli__listed (note)")
    return row!.uid
  }).pipe(Effect.provide(SqlCatalog.layer().pipe(Layer.provideMerge(database))))

const server = inject("metatablesServer")

const checkCommands = async (
  uid: string,
  options: { readonly cwd: string; readonly args: ReadonlyArray<string>; readonly references: ReadonlyArray<string> }
) => {
  const list = await runCliInProcess(["catalog", "list", "--json", ...options.args], { cwd: options.cwd })
  assert.strictEqual(list.exitCode, 0, list.stderr)
  const listed = JSON.parse(list.stdout).tables as ReadonlyArray<Record<string, unknown>>
  assert.deepStrictEqual(
    listed.map((row) => [row.table, row.status, row.provider, row.role]),
    [["cli__alembic_version", "reserved", "cli:cli", "version-registry"], ["cli__listed", "reserved", "cli:cli", "application"]]
  )

  const human = await runCliInProcess(["catalog", "list", ...options.args], { cwd: options.cwd })
  assert.strictEqual(human.exitCode, 0, human.stderr)
  assert.match(human.stderr, /UID\s+IDENTIFIER\s+NAMESPACE\s+TABLE\s+STATUS\s+PROVIDER\s+REVISION/)
  assert.include(human.stderr, `${uid}  cli.listed`)

  for (const reference of options.references) {
    const show = await runCliInProcess(["catalog", "show", reference, "--json", ...options.args], { cwd: options.cwd })
    assert.strictEqual(show.exitCode, 0, show.stderr)
    const shown = JSON.parse(show.stdout)
    assert.strictEqual(shown.uid, uid)
    assert.deepStrictEqual(shown.contract.columns.map((column: { readonly name: string }) => column.name), ["uid", "note"])
  }
  const text = await runCliInProcess(["catalog", "show", "cli__listed", ...options.args], { cwd: options.cwd })
  assert.match(text.stderr, /status\s+reserved/)
  assert.match(text.stderr, /uid\s+UUID\s+no\s+primary\s+UID\s+Key\./)
  assert.match(text.stderr, /note\s+TEXT\s+yes\s+Note\s+Remark\./)
  assert.include(text.stderr, "indexes:\n  pk__cli__listed: CREATE UNIQUE INDEX pk__cli__listed ON public.cli__listed USING btree (uid)")
  assert.include(text.stderr, "  ix__cli__listed__note: CREATE INDEX ix__cli__listed__note ON public.cli__listed USING btree (note)")
  assert.include(
    text.stderr,
    "foreign keys:\n  fk__cli__listed__note__cli__notes: FOREIGN KEY (note) REFERENCES cli__notes(note)"
  )
  const document = JSON.parse((await runCliInProcess(["catalog", "show", "cli__listed", "--json", ...options.args], { cwd: options.cwd })).stdout)
  assert.deepStrictEqual(document.foreignKeys.map((key: { readonly name: string }) => key.name), ["fk__cli__listed__note__cli__notes"])
  assert.deepStrictEqual(document.indexes.map((index: { readonly name: string }) => index.name), ["pk__cli__listed", "ix__cli__listed__note"])

  const missing = await runCliInProcess(["catalog", "show", "nothing-here", ...options.args], { cwd: options.cwd })
  assert.strictEqual(missing.exitCode, 1)
  assert.include(missing.stderr, 'No catalog table matches "nothing-here"')
}

describe("metatables catalog", () => {
  it("lists and shows tables of the embedded database", async () => {
    const cwd = scratchProject()
    const dataDir = NodePath.join(cwd, ".metatables", "pgdata")
    const uid = await Effect.runPromise(seed(Database.layerEmbedded(dataDir).pipe(Layer.provide(NodeFileSystem.layer))))
    await checkCommands(uid, { cwd, args: [], references: [uid, "cli.listed"] })
  })

  it.skipIf(!server.available)("lists and shows tables of a server database", async () => {
    const { url, drop } = createServerDatabase(server.url, "mt_cli")
    try {
      const uid = await Effect.runPromise(seed(Database.layerServer(Redacted.make(url))))
      await checkCommands(uid, {
        cwd: scratchProject(),
        args: ["--database-url", url],
        references: [uid, uid.toUpperCase(), "cli__listed", "public.cli__listed", "cli.listed"]
      })
    } finally {
      drop()
    }
  })
})
