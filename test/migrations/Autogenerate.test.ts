/**
 * Autogenerate without a database: the first revision from nothing, an added column with its server default
 * (and the drop in downgrade), renames only by hint, destructive changes flagged, no changes means nothing,
 * `public` versus no schema, and the same models giving the same file.
 */
import { assert, describe, it } from "@effect/vitest"
import { index, integer, pgEnum, pgSchema, pgTable, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import { autogenerate, emptySnapshot, parseRenameHint, type RenameHint } from "../../src/migrations/Autogenerate.ts"
import { renderRevisionModule } from "../../src/migrations/files/RevisionFile.ts"
import { PlatformManagedMetaTable } from "../../src/index.ts"

const info = (label: string) => ({ label, description: `${label}.` })

const accounts = (extra: "none" | "status" | "renamed" | "narrow" | "required-note") => {
  class Accounts extends PlatformManagedMetaTable<Accounts>()({
    name: "gen__accounts",
    namespace: "gen",
    identifier: "gen.accounts",
    description: "Accounts for autogenerate tests.",
    columns: {
      uid: uuid().primaryKey().defaultRandom(),
      code: extra === "narrow" ? varchar({ length: 16 }).notNull() : varchar({ length: 64 }).notNull(),
      ...(extra === "renamed" ? { displayName: text("display_name") } : { name: text() }),
      ...(extra === "status" ? { status: varchar({ length: 32 }).notNull().default("active") } : {}),
      ...(extra === "required-note" ? { note: text().notNull() } : {})
    },
    columnInfo: {
      uid: info("UID"),
      code: info("Code"),
      ...(extra === "renamed" ? { displayName: info("Display name") } : { name: info("Name") }),
      ...(extra === "status" ? { status: info("Status") } : {}),
      ...(extra === "required-note" ? { note: info("Note") } : {})
    } as never
  }) {}
  return Accounts
}

const generate = (tables: Parameters<typeof autogenerate>[0]["tables"], baseline?: Parameters<typeof autogenerate>[0]["baseline"], renames: ReadonlyArray<RenameHint> = []) =>
  Effect.gen(function*() {
    return yield* autogenerate({ tables, baseline: baseline ?? (yield* emptySnapshot), renames })
  })

describe("autogenerate", () => {
  it.effect("writes the first revision from nothing, and its exact reverse", () =>
    Effect.gen(function*() {
      const result = yield* generate([accounts("none")])
      assert.deepStrictEqual(result.upgrade, [
        'CREATE TABLE "gen__accounts" (\n\t"uid" uuid DEFAULT gen_random_uuid(),\n\t"code" varchar(64) NOT NULL,\n' +
        '\t"name" text,\n\tCONSTRAINT "pk__gen__accounts" PRIMARY KEY("uid")\n);\n'
      ])
      assert.deepStrictEqual(result.downgrade, ['DROP TABLE "gen__accounts";'])
      assert.deepStrictEqual(result.destructive, [])
      assert.deepStrictEqual(result.downgradeDestructive.map((change) => change.kind), ["drop-table"])
    }))

  it.effect("adds a column with its server default, and drops it in downgrade", () =>
    Effect.gen(function*() {
      const first = yield* generate([accounts("none")])
      const second = yield* generate([accounts("status")], first.snapshot)
      assert.deepStrictEqual(second.upgrade, [
        `ALTER TABLE "gen__accounts" ADD COLUMN "status" varchar(32) DEFAULT 'active' NOT NULL;`
      ])
      assert.deepStrictEqual(second.downgrade, ['ALTER TABLE "gen__accounts" DROP COLUMN "status";'])
      assert.deepStrictEqual(second.destructive, [])
      assert.deepStrictEqual(second.downgradeDestructive, [
        {
          kind: "drop-column",
          entity: "public.gen__accounts.status",
          description: "drops column public.gen__accounts.status and its values"
        }
      ])
    }))

  it.effect("finds nothing to do when the models equal the snapshot", () =>
    Effect.gen(function*() {
      const first = yield* generate([accounts("status")])
      const again = yield* generate([accounts("status")], first.snapshot)
      assert.deepStrictEqual([again.upgrade, again.downgrade], [[], []])
    }))

  it.effect("never guesses a rename: without a hint it drops and adds, flagged", () =>
    Effect.gen(function*() {
      const first = yield* generate([accounts("none")])
      const guessed = yield* generate([accounts("renamed")], first.snapshot)
      assert.deepStrictEqual(guessed.upgrade, [
        'ALTER TABLE "gen__accounts" ADD COLUMN "display_name" text;',
        'ALTER TABLE "gen__accounts" DROP COLUMN "name";'
      ])
      assert.deepStrictEqual(guessed.destructive.map((change) => change.entity), ["public.gen__accounts.name"])

      const hint = parseRenameHint("column:gen__accounts.name=display_name")
      assert.notStrictEqual((hint as { readonly _tag?: string })._tag, "RenameHintError")
      const renamed = yield* generate([accounts("renamed")], first.snapshot, [hint as RenameHint])
      assert.deepStrictEqual(renamed.upgrade, ['ALTER TABLE "gen__accounts" RENAME COLUMN "name" TO "display_name";'])
      assert.deepStrictEqual(renamed.downgrade, ['ALTER TABLE "gen__accounts" RENAME COLUMN "display_name" TO "name";'])
      assert.deepStrictEqual(renamed.destructive, [])
    }))

  it.effect("moves a table to another schema by hint, with a column renamed in the moved table; suggests the move without one", () =>
    Effect.gen(function*() {
      const people = pgTable("people", { id: integer().primaryKey(), name: text() })
      const moved = pgSchema("archive").table("people", { id: integer().primaryKey(), full_name: text() })
      const movedSame = pgSchema("archive").table("people", { id: integer().primaryKey(), name: text() })
      const first = yield* generate([people])
      const unhinted = yield* generate([movedSame], first.snapshot)
      assert.deepStrictEqual(unhinted.destructive.map((change) => change.kind), ["drop-table"])
      assert.deepStrictEqual(unhinted.notes, [
        "table public.people is dropped and archive.people added with the same columns: if it was moved, write the " +
        "revision again with --rename table:people=archive.people to keep its rows"
      ])
      const hints = [
        parseRenameHint("table:people=archive.people"),
        parseRenameHint("column:archive.people.name=full_name")
      ] as ReadonlyArray<RenameHint>
      const hinted = yield* generate([moved], first.snapshot, hints)
      assert.deepStrictEqual(hinted.destructive, [])
      assert.deepStrictEqual(hinted.downgradeDestructive, [])
      assert.isTrue(hinted.upgrade.some((statement) => statement.includes('ALTER TABLE "people" SET SCHEMA "archive"')))
      assert.isTrue(hinted.upgrade.some((statement) => statement.includes('RENAME COLUMN "name" TO "full_name"')))
      assert.isTrue(hinted.downgrade.some((statement) => statement.includes('ALTER TABLE "archive"."people" SET SCHEMA "public"')))
      assert.isTrue(hinted.downgrade.some((statement) => statement.includes('RENAME COLUMN "full_name" TO "name"')))
      assert.isFalse([...hinted.upgrade, ...hinted.downgrade].some((statement) => /DROP (TABLE|COLUMN)/.test(statement)))
      // The revision records the move (for the catalog after a downgrade), not the column rename; without the hint, nothing.
      assert.deepStrictEqual(hinted.renamedTables, [{ from: { schema: "public", table: "people" }, to: { schema: "archive", table: "people" } }])
      assert.deepStrictEqual(unhinted.renamedTables, [])
      const rendered = renderRevisionModule({
        id: "0002",
        parents: ["0001"],
        message: "move",
        createdAt: "2026-01-01T00:00:00.000Z",
        upgrade: hinted.upgrade,
        downgrade: hinted.downgrade,
        destructive: [],
        downgradeDestructive: [],
        renamedTables: hinted.renamedTables
      }, "0002_move.snapshot.json")
      assert.include(
        rendered,
        "export const renamedTables = [\n" +
          '  { from: { schema: "public", table: "people" }, to: { schema: "archive", table: "people" } }\n]\n'
      )
      // A hint naming a table neither side has renames nothing, and is not recorded.
      const stray = yield* generate([moved], first.snapshot, [...hints, { kind: "table", schema: "public", from: "nobody", to: "somebody" }])
      assert.deepStrictEqual(stray.renamedTables, hinted.renamedTables)
    }))

  it.effect("a change to text keeps every value; a change of array dimensions is flagged; NOT NULL with a default is flagged too", () =>
    Effect.gen(function*() {
      const before = pgTable("widths", { id: integer().primaryKey(), count: integer(), tags: text().array(), note: text() })
      const after = pgTable("widths", { id: integer().primaryKey(), count: text(), tags: text(), note: text().notNull().default("") })
      const first = yield* generate([before])
      const changed = yield* generate([after], first.snapshot)
      assert.deepStrictEqual(changed.destructive.map((change) => [change.kind, change.description]), [
        ["type-change", "changes public.widths.tags from text[] to text, which may fail or lose values"],
        ["not-null", "makes public.widths.note NOT NULL, which fails while a row holds NULL (its default fills new rows " +
          "only: set the NULLs with an UPDATE before it)"]
      ])
      assert.deepStrictEqual(changed.downgradeDestructive.map((change) => [change.kind, change.entity]), [
        ["type-change", "public.widths.count"],
        ["type-change", "public.widths.tags"]
      ])
    }))

  it.effect("a revision that uses an enum value it adds, or builds an index concurrently, runs outside a transaction, and says why", () =>
    Effect.gen(function*() {
      const table = (values: [string, ...Array<string>], scalar: string, list: ReadonlyArray<string>) => {
        const state = pgEnum("state", values)
        return pgTable("tickets", { id: integer().primaryKey(), state: state().default(scalar), states: state().array().default([...list]) })
      }
      const first = yield* generate([table(["open", "done"], "open", ["open"])])
      assert.isTrue(first.transactional)
      const added = yield* generate([table(["open", "done", "held"], "open", ["open"])], first.snapshot)
      assert.deepStrictEqual([added.transactional, added.notes], [true, []], "a value added and not used yet")
      const usedAsDefault = yield* generate([table(["open", "done", "held"], "held", ["open"])], first.snapshot)
      assert.isFalse(usedAsDefault.transactional)
      assert.deepStrictEqual(usedAsDefault.notes, [
        "runs outside a transaction (each statement is committed as it succeeds, and a rerun resumes after the last " +
        "one): it uses the enum value \"held\" of public.state it adds, which PostgreSQL refuses before the ADD VALUE " +
        "is committed"
      ])
      const usedInArray = yield* generate([table(["open", "done", "it's held"], "open", ["open", "it's held"])], first.snapshot)
      assert.isFalse(usedInArray.transactional, "a value used in an array default")
      const rendered = renderRevisionModule({
        id: "0002",
        parents: ["0001"],
        message: "hold",
        createdAt: "2026-01-01T00:00:00.000Z",
        upgrade: usedAsDefault.upgrade,
        downgrade: usedAsDefault.downgrade,
        destructive: [],
        downgradeDestructive: [],
        notes: usedAsDefault.notes,
        transactional: usedAsDefault.transactional
      }, "0002_hold.snapshot.json")
      assert.include(rendered, "export const transactional = false")

      const plain = pgTable("indexed", { id: integer().primaryKey(), name: text() })
      const concurrent = pgTable("indexed", { id: integer().primaryKey(), name: text() }, (t) => [index().on(t.name).concurrently()])
      const concurrently = yield* generate([concurrent], (yield* generate([plain])).snapshot)
      assert.isFalse(concurrently.transactional)
      assert.deepStrictEqual(concurrently.notes, [
        "runs outside a transaction (each statement is committed as it succeeds, and a rerun resumes after the last " +
        "one): it builds or drops an index CONCURRENTLY, which PostgreSQL runs only outside a transaction"
      ])
    }))

  it.effect("flags narrowing type changes and NOT NULL without a default", () =>
    Effect.gen(function*() {
      const first = yield* generate([accounts("none")])
      const narrowed = yield* generate([accounts("narrow")], first.snapshot)
      assert.deepStrictEqual(narrowed.destructive.map((change) => change.description), [
        "changes public.gen__accounts.code from varchar(64) to varchar(16), which may fail or lose values"
      ])
      assert.deepStrictEqual(narrowed.downgradeDestructive, [], "widening back is safe")
      const required = yield* generate([accounts("required-note")], first.snapshot)
      assert.deepStrictEqual(required.destructive.map((change) => change.kind), ["not-null-without-default"])
    }))

  it.effect("sees no difference between public and no schema", () =>
    Effect.gen(function*() {
      const plain = pgTable("gen__plain", { id: integer().primaryKey(), at: timestamp({ withTimezone: true }) })
      class Managed extends PlatformManagedMetaTable<Managed>()({
        name: "gen__plain",
        schema: "public",
        namespace: "gen",
        identifier: "gen.plain",
        description: "The same table declared with public.",
        columns: { id: integer().primaryKey(), at: timestamp({ withTimezone: true }) },
        columnInfo: { id: info("Id"), at: info("At") },
        constraints: () => []
      }) {}
      const first = yield* generate([plain])
      const second = yield* generate([Managed], first.snapshot)
      assert.deepStrictEqual(second.upgrade, [])
    }))

  it.effect("gives the same file for the same models, byte for byte", () =>
    Effect.gen(function*() {
      const render = (result: { readonly upgrade: ReadonlyArray<string>; readonly downgrade: ReadonlyArray<string> }) =>
        renderRevisionModule({
          id: "0001",
          parents: [],
          message: "initial",
          createdAt: "2026-01-01T00:00:00.000Z",
          upgrade: result.upgrade,
          downgrade: result.downgrade,
          destructive: [],
          downgradeDestructive: []
        }, "0001_initial.snapshot.json")
      const one = yield* generate([accounts("status")])
      const two = yield* generate([accounts("status")])
      assert.strictEqual(render(one), render(two))
      assert.deepStrictEqual(one.snapshot, two.snapshot)
    }))

  it("reads rename hints and refuses malformed ones", () => {
    assert.deepStrictEqual(parseRenameHint("table:old=new"), { kind: "table", schema: "public", from: "old", to: "new" })
    assert.deepStrictEqual(parseRenameHint("table:analytics.old=new"), { kind: "table", schema: "analytics", from: "old", to: "new" })
    assert.deepStrictEqual(parseRenameHint("table:old=archive.new"), {
      kind: "table",
      schema: "public",
      from: "old",
      to: "new",
      toSchema: "archive"
    })
    assert.deepStrictEqual(parseRenameHint("table:analytics.old=analytics.old"), {
      kind: "table",
      schema: "analytics",
      from: "old",
      to: "old"
    })
    assert.deepStrictEqual(parseRenameHint("column:t.a=b"), { kind: "column", schema: "public", table: "t", from: "a", to: "b" })
    assert.deepStrictEqual(parseRenameHint("column:s.t.a=b"), { kind: "column", schema: "s", table: "t", from: "a", to: "b" })
    for (const bad of ["column:a=b", "index:a=b", "table:a.b.c=d", "table:a=", "table:=b", "table:a=b.c.d", "table:a=.b", "column:t.a=s.b"]) {
      const parsed = parseRenameHint(bad)
      assert.strictEqual((parsed as { readonly _tag?: string })._tag, "RenameHintError", bad)
    }
  })
})
