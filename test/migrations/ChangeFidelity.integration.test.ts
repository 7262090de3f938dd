/**
 * Issue 12's "done when", second half, on both backends: each kind of model change (add, drop and alter a
 * column, change its type, add an enum value, change an index, change a foreign key's action, rename a table,
 * rename a column, move a table to another schema) is taken through `revision` and `upgrade` as a user does,
 * with rows in every table, and `check` is clean after each upgrade; then `downgrade -1` one revision at a
 * time gives back exactly the schema before that revision (by introspection, not SQL text) with the drift
 * `check` sees empty; then `upgrade` gives the head's schema again, `check` clean. Renamed and moved tables
 * keep their catalog rows and their rows. Done twice: on three small tables, one change of each kind; and on
 * the model set of every pg-core feature (`FidelityModels`), twenty-two changes made to its hardest parts (hostile
 * names, composite keys, arrays, enums in other schemas, identity and generated columns), whose head, after
 * all of them, is also the schema drizzle-kit's push makes of the head models, names aside.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { sql } from "drizzle-orm"
import { foreignKey, index, integer, numeric, pgEnum, serial, text, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import type { RenameHint } from "../../src/migrations/Autogenerate.ts"
import { type AnyStorageTable, Catalog, PlatformManagedMetaTable } from "../../src/index.ts"
import { namelessShape } from "../support/namelessShape.ts"
import { roundTrip } from "../support/roundTrip.ts"
import {
  type FidelityChange,
  fidelityChanges,
  fidelityDomains,
  fidelityModels,
  fidelityRenames,
  fidelityRows,
  pushWithDrizzleKit
} from "./FidelityModels.ts"
import { backendLayer, describeBackends, resetDatabase } from "../support/TestDatabase.ts"

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

const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())

const memoRow = Effect.gen(function*() {
  const rows = yield* (yield* Catalog).list
  return rows.find((row) => row.identifier === "fidc.memos")!
})

/** At the head, after every change: the row of each table is still there, renamed, moved or altered. */
const keptRows = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const count = (table: string) =>
    Effect.map(sql.unsafe<{ readonly n: number }>(`SELECT count(*)::int AS n FROM ${table}`), (rows) => rows[0]?.n)
  for (const table of ["fid__accounts", "fid__everything", "fid_ledger.fid__entries", "fid_ledger.fid__allocations", "fid_ledger.fid__readings"]) {
    assert.strictEqual(yield* count(table), 1, `${table} kept its row`)
  }
  const [odd] = yield* sql.unsafe<{ readonly value: string }>(`SELECT "q""uote""d" AS value FROM "Fid ""Odd"" Schema"."Fid ""Odder"" Table"`)
  assert.strictEqual(odd?.value, "it's", "the hostile table and column kept their value through their renames")
  const [entry] = yield* sql.unsafe<{ readonly line: number }>(`SELECT "line no" AS line FROM fid_ledger.fid__entries`)
  assert.strictEqual(entry?.line, 1)
})

describeBackends("each kind of change round-trips", (it, backend) => {
  it.effect("through revision, upgrade, downgrade and upgrade, with rows, check clean after each step", () =>
    Effect.andThen(resetDatabase, Effect.gen(function*() {
      let memoUid = ""
      const { provider } = yield* roundTrip("fidc", versions.map((version, step) => ({
        label: version.change,
        tables: modelsOf(version),
        renames: version.renames,
        destructive: version.destructive,
        prepare: version.prepare,
        file: (text: string) => {
          if (version.renames.length === 0) return
          assert.notInclude(text, "DROP TABLE", version.change)
          assert.notInclude(text, "DROP COLUMN", version.change)
          if (version.memoSchema !== "public") assert.include(text, `SET SCHEMA "${version.memoSchema}"`)
        },
        afterUpgrade: Effect.gen(function*() {
          if (step === 0) memoUid = (yield* memoRow).uid
          yield* seed(version, step)
          if (step < versions.length - 1) return
          const memo = yield* memoRow
          assert.deepStrictEqual([memo.uid, memo.schema, memo.tableName, memo.status], [
            memoUid,
            "fidc_archive",
            "fidc__notes",
            "active"
          ], "the renamed and moved table kept its catalog row")
          const memos = yield* (yield* SqlClient.SqlClient).unsafe(`SELECT text_body FROM fidc_archive.fidc__notes`)
          assert.strictEqual(memos.length, versions.length, "renames and the move kept every memo")
        }),
        // Below each revision the memos table is where that state has it, its rows with it, and its catalog row
        // (same uid) says so and stays active, behind the head where it is renamed or moved later; never deleted.
        afterDowngrade: Effect.gen(function*() {
          const memo = yield* memoRow
          if (step === 0) {
            assert.deepStrictEqual([memo.uid, memo.status], [memoUid, "deleted"], "base has no memos table")
            return
          }
          const earlier = versions[step - 1]!
          assert.deepStrictEqual([memo.uid, memo.schema, memo.tableName, memo.status], [
            memoUid,
            earlier.memoSchema,
            earlier.memoTable,
            "active"
          ], `the memos row after the downgrade of: ${version.change}`)
          const renamedLater = earlier.memoSchema !== "fidc_archive" || earlier.memoTable !== "fidc__notes"
          assert.strictEqual(
            memo.statusReason?.includes(
              `a later revision renames it from ${earlier.memoSchema}.${earlier.memoTable} to fidc_archive.fidc__notes`
            ) ?? false,
            renamedLater,
            `the memos row's reason after the downgrade of: ${version.change}`
          )
          const memos = yield* (yield* SqlClient.SqlClient).unsafe(`SELECT id FROM "${earlier.memoSchema}"."${earlier.memoTable}"`)
          assert.strictEqual(memos.length, versions.length, `every memo after the downgrade of: ${version.change}`)
        })
      })))
      const rows = (yield* (yield* Catalog).list).filter((row) => row.role === "application")
      assert.deepStrictEqual(rows.map((row) => row.status), ["active", "active", "active"])
      const memo = yield* memoRow
      assert.deepStrictEqual([memo.uid, memo.schema, memo.tableName, memo.statusReason], [memoUid, "fidc_archive", "fidc__notes", null])
      assert.strictEqual(provider.tables.length, 3)
    }).pipe(Effect.provide(services))))

  it.effect("each kind of change to the model set of every pg-core feature round-trips, check clean after each step", () =>
    Effect.andThen(resetDatabase, Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const statement of fidelityDomains) yield* sql.unsafe(statement)
      const applied = new Set<FidelityChange>()
      const steps = [undefined, ...fidelityChanges].map((change) => {
        if (change !== undefined) applied.add(change)
        const models = fidelityModels("metatables", new Set(applied))
        return {
          label: change ?? "every feature",
          tables: models.tables,
          schemaObjects: models.schemaObjects,
          renames: change === undefined ? [] : fidelityRenames(change),
          destructive: change === "drop a column" ? ["drop-column"] : change === "drop a table another table referenced" ? ["drop-table"] : [],
          file: (text: string) => {
            const outside = change === "add an enum value and use it at once" || change === "add an index concurrently"
            assert.include(text, `export const transactional = ${!outside}`)
            if (change === undefined || fidelityRenames(change).length === 0) return
            assert.notInclude(text, "DROP TABLE", change)
            assert.notInclude(text, "DROP COLUMN", change)
            assert.notInclude(text, "DROP CONSTRAINT", change)
          },
          afterUpgrade: change === undefined
            ? Effect.forEach(fidelityRows, (statement) => sql.unsafe(statement), { discard: true })
            : change === "move a table to another schema"
            ? keptRows
            : Effect.void
        }
      })
      yield* roundTrip("fid", steps)

      // Twenty-two revisions later, the schema is the one drizzle-kit's push makes of the head models at once.
      const migrated = yield* namelessShape(["fid__alembic_version"])
      const pushed = yield* Effect.gen(function*() {
        const pushSql = yield* SqlClient.SqlClient
        for (const statement of fidelityDomains) yield* pushSql.unsafe(statement)
        yield* pushWithDrizzleKit(fidelityModels("drizzle-kit", applied).drizzleImports)
        return yield* namelessShape()
      }).pipe(Effect.provide(backendLayer(backend)))
      for (const aspect of ["schemas", "tables", "enums", "sequences", "columns", "constraints", "indexes"] as const) {
        assert.deepStrictEqual(migrated[aspect], pushed[aspect], `${aspect}: the head after every revision against drizzle-kit's push`)
      }
    }).pipe(Effect.provide(services))))
})
