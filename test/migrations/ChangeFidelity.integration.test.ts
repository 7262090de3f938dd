/**
 * Issue 12's "done when", second half, on both backends: each kind of model change (add, drop and alter a
 * column, change its type, add an enum value, change an index, change a foreign key's action, rename a table,
 * rename a column, move a table to another schema) is taken through `revision` and `upgrade` as a user does,
 * with rows in every table, and `check` is clean after each upgrade; then `downgrade -1` one revision at a
 * time gives back exactly the schema before that revision (by introspection, not SQL text) with the drift
 * `check` sees empty; then `upgrade` gives the head's schema again, `check` clean. Renamed and moved tables
 * keep their catalog rows.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { sql } from "drizzle-orm"
import { foreignKey, index, integer, numeric, pgEnum, serial, text, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeFs from "node:fs"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import type { RenameHint } from "../../src/migrations/Autogenerate.ts"
import {
  type AnyStorageTable,
  buildMigrationProvider,
  buildVersionMetaTable,
  Catalog,
  checkMigrations,
  createRevision,
  loadRevisions,
  type MigrationProvider,
  migrateProvider,
  PlatformManagedMetaTable,
  versionTableOf
} from "../../src/index.ts"
import { scratchDirectory } from "../support/revisions.ts"
import { schemaShape, type SchemaShape } from "../support/schemaShape.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const versionTableName = "fidc__alembic_version"

/** What one version of the models looks like. */
interface Version {
  readonly change: string
  readonly email: boolean
  readonly nickname: boolean
  readonly scoreRequired: boolean
  readonly wideAmounts: boolean
  readonly statuses: readonly [string, ...Array<string>]
  readonly wideIndex: boolean
  readonly onDelete: "cascade" | "set null"
  readonly memoSchema: string
  readonly memoTable: string
  readonly memoBody: string
  readonly renames: ReadonlyArray<RenameHint>
  /** The destructive changes the revision must flag, by kind. */
  readonly destructive: ReadonlyArray<string>
  /** What the user runs before the upgrade, as the flagged change asks. */
  readonly prepare?: string | undefined
}

const info = (label: string) => ({ label, description: `${label}.` })

const modelsOf = (version: Version): ReadonlyArray<AnyStorageTable> => {
  const status = pgEnum("fidc_status", version.statuses)
  const accountColumns = {
    id: integer().primaryKey(),
    name: varchar({ length: version.wideAmounts ? 80 : 40 }).notNull(),
    status: status().notNull().default("open"),
    score: version.scoreRequired ? integer().notNull().default(0) : integer(),
    ...(version.nickname ? { nickname: text() } : {}),
    ...(version.email ? { email: text().default("none") } : {})
  }
  class Accounts extends PlatformManagedMetaTable<Accounts>()({
    name: "fidc__accounts",
    namespace: "fidc",
    identifier: "fidc.accounts",
    description: "Accounts.",
    columns: accountColumns,
    columnInfo: Object.fromEntries(Object.keys(accountColumns).map((key) => [key, info(key)])) as never
  }) {}
  const entryColumns = {
    id: serial().primaryKey(),
    account: integer(),
    amount: version.wideAmounts ? numeric({ precision: 14, scale: 4 }).notNull() : numeric({ precision: 10, scale: 2 }).notNull(),
    note: text()
  }
  class Entries extends PlatformManagedMetaTable<Entries>()({
    name: "fidc__entries",
    schema: "fidc_ledger",
    namespace: "fidc",
    identifier: "fidc.entries",
    description: "Entries.",
    columns: entryColumns,
    columnInfo: { id: info("ID"), account: info("Account"), amount: info("Amount"), note: info("Note") },
    constraints: (table) => [
      foreignKey({ columns: [table.account], foreignColumns: [Accounts.table.id] }).onDelete(version.onDelete),
      version.wideIndex ? index().on(table.account, table.amount).where(sql`${table.note} IS NOT NULL`) : index().on(table.account)
    ]
  }) {}
  const memoColumns = { id: integer().primaryKey(), [version.memoBody]: text().notNull().default("") }
  class Memos extends PlatformManagedMetaTable<Memos>()({
    name: version.memoTable,
    schema: version.memoSchema,
    namespace: "fidc",
    identifier: "fidc.memos",
    description: "Memos: renamed, then a column renamed, then moved to another schema.",
    columns: memoColumns,
    columnInfo: { id: info("ID"), [version.memoBody]: info("Body") } as never,
    constraints: (table) => [index().on(table[version.memoBody]!)]
  }) {}
  return [Accounts, Entries, Memos]
}

const base: Version = {
  change: "initial",
  email: false,
  nickname: true,
  scoreRequired: false,
  wideAmounts: false,
  statuses: ["open", "closed"],
  wideIndex: false,
  onDelete: "cascade",
  memoSchema: "public",
  memoTable: "fidc__memos",
  memoBody: "body",
  renames: [],
  destructive: []
}

/** Each change on top of the one before it. */
const changes: ReadonlyArray<Partial<Version> & { readonly change: string }> = [
  { change: "add a column", email: true },
  { change: "drop a column", nickname: false, destructive: ["drop-column"] },
  {
    change: "alter a column: NOT NULL with a default",
    scoreRequired: true,
    destructive: ["not-null"],
    prepare: "UPDATE fidc__accounts SET score = 0 WHERE score IS NULL"
  },
  { change: "change types: wider numeric and varchar", wideAmounts: true },
  { change: "add an enum value", statuses: ["open", "closed", "archived"] },
  { change: "change an index: more columns, partial", wideIndex: true },
  { change: "change a foreign key's action", onDelete: "set null" },
  {
    change: "rename a table",
    memoTable: "fidc__notes",
    renames: [{ kind: "table", schema: "public", from: "fidc__memos", to: "fidc__notes" }]
  },
  {
    change: "rename a column",
    memoBody: "text_body",
    renames: [{ kind: "column", schema: "public", table: "fidc__notes", from: "body", to: "text_body" }]
  },
  {
    change: "move a table to another schema",
    memoSchema: "fidc_archive",
    renames: [{ kind: "table", schema: "public", from: "fidc__notes", to: "fidc__notes", toSchema: "fidc_archive" }]
  }
]

const versions: ReadonlyArray<Version> = changes.reduce<Array<Version>>(
  (list, change) => [...list, { ...list.at(-1)!, renames: [], destructive: [], prepare: undefined, ...change }],
  [base]
)

const providerOf = (version: Version, scriptLocation: string): MigrationProvider =>
  buildMigrationProvider({
    package: "fidc",
    migrationNamespace: "fidc",
    scriptLocation,
    versionRegistry: buildVersionMetaTable({ namespace: "fidc", identifier: "fidc.alembic_version", tableName: versionTableName }),
    tables: modelsOf(version)
  })

const checkOf = (provider: MigrationProvider) =>
  Effect.gen(function*() {
    return yield* checkMigrations({
      loaded: yield* loadRevisions(provider.versionLocations),
      tables: provider.targetTables,
      versionTable: versionTableOf(provider)
    })
  })

/** One row more in every table, as the version names its columns. */
const seed = (version: Version, step: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = step + 1
    yield* sql.unsafe(`INSERT INTO fidc__accounts (id, name, status${version.nickname ? ", nickname" : ""})
      VALUES (${id}, 'account ${id}', 'closed'${version.nickname ? ", 'nick'" : ""})`)
    yield* sql.unsafe(`INSERT INTO fidc_ledger.fidc__entries (account, amount, note) VALUES (${id}, 12.5, 'entry ${id}')`)
    yield* sql.unsafe(`INSERT INTO "${version.memoSchema}"."${version.memoTable}" (id, "${version.memoBody}")
      VALUES (${id}, 'memo ${id}')`)
  })

const shape = schemaShape([versionTableName])
const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())

describeBackends("each kind of change round-trips", (it) => {
  it.effect("through revision, upgrade, downgrade and upgrade, with rows, check clean after each step", () =>
    Effect.andThen(resetDatabase, Effect.gen(function*() {
      const location = scratchDirectory()
      const catalog = yield* Catalog
      const shapes: Array<SchemaShape> = [yield* shape]
      let provider = providerOf(base, location)
      let memoUid = ""
      for (const [step, version] of versions.entries()) {
        provider = providerOf(version, location)
        const written = yield* createRevision({
          loaded: yield* loadRevisions(provider.versionLocations),
          directory: provider.versionLocations[0]!,
          tables: provider.targetTables,
          message: version.change,
          autogenerate: true,
          renames: version.renames
        })
        assert.strictEqual(written._tag, "Written", version.change)
        if (written._tag !== "Written") return
        assert.deepStrictEqual(written.destructive.map((change) => change.kind), version.destructive, version.change)
        if (version.renames.length > 0) {
          const file = NodeFs.readFileSync(written.path, "utf8")
          assert.notInclude(file, "DROP TABLE", version.change)
          assert.notInclude(file, "DROP COLUMN", version.change)
          if (version.memoSchema !== "public") assert.include(file, `SET SCHEMA "${version.memoSchema}"`)
        }
        if (version.prepare !== undefined) yield* (yield* SqlClient.SqlClient).unsafe(version.prepare)
        const report = yield* migrateProvider(provider, { target: "head", direction: "upgrade" })
        assert.deepStrictEqual([report.ok, report.activeCount, report.reservedCount], [true, 4, 0], version.change)
        if (step === 0) memoUid = (yield* catalog.list).find((row) => row.identifier === "fidc.memos")!.uid
        const check = yield* checkOf(provider)
        assert.deepStrictEqual({ ok: check.ok, drift: check.drift, pending: check.pendingModelChanges }, {
          ok: true,
          drift: [],
          pending: []
        }, `check after: ${version.change}`)
        yield* seed(version, step)
        shapes.push(yield* shape)
      }
      const memo = (yield* catalog.list).find((row) => row.identifier === "fidc.memos")!
      assert.deepStrictEqual([memo.uid, memo.schema, memo.tableName, memo.status], [
        memoUid,
        "fidc_archive",
        "fidc__notes",
        "active"
      ], "the renamed and moved table kept its catalog row")
      const sql = yield* SqlClient.SqlClient
      const memos = yield* sql.unsafe<{ readonly body: string }>(`SELECT text_body AS body FROM fidc_archive.fidc__notes ORDER BY id`)
      assert.strictEqual(memos.length, versions.length, "renames and the move kept every memo")

      for (let step = versions.length; step > 0; step--) {
        const report = yield* migrateProvider(provider, { target: "-1", direction: "downgrade" })
        assert.isTrue(report.ok, `downgrade of: ${versions[step - 1]!.change}`)
        assert.deepStrictEqual(yield* shape, shapes[step - 1], `the downgrade of "${versions[step - 1]!.change}" gives back the schema before it`)
        const check = yield* checkOf(provider)
        assert.deepStrictEqual([check.drift, check.editedRevisions, check.atHeads], [[], [], false], `check after the downgrade of: ${versions[step - 1]!.change}`)
      }
      const deleted = (yield* catalog.list).filter((row) => row.role === "application").map((row) => [row.identifier, row.status])
      assert.sameDeepMembers(deleted, [["fidc.accounts", "deleted"], ["fidc.entries", "deleted"], ["fidc.memos", "deleted"]])

      const again = yield* migrateProvider(provider, { target: "head", direction: "upgrade" })
      assert.deepStrictEqual([again.ok, again.activeCount], [true, 4])
      assert.deepStrictEqual(yield* shape, shapes.at(-1), "upgrading again gives the head's schema")
      const check = yield* checkOf(provider)
      assert.deepStrictEqual({ ok: check.ok, drift: check.drift }, { ok: true, drift: [] })
      const row = (yield* catalog.list).find((entry) => entry.identifier === "fidc.memos")!
      assert.deepStrictEqual([row.uid, row.schema, row.tableName, row.status], [memo.uid, "fidc_archive", "fidc__notes", "active"])
    }).pipe(Effect.provide(services))))
})
