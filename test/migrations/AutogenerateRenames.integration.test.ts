/**
 * Unhinted renames, on both backends: a column (or table) that disappears while one of a compatible shape
 * appears is a drop and an add, flagged destructive, and the revision's notes give the `--rename` hint that
 * makes it a rename; written again with that hint, the revision keeps the values and round-trips.
 */
import { assert } from "@effect/vitest"
import { sql as drizzleSql } from "drizzle-orm"
import { check, index, integer, pgTable, text, varchar } from "drizzle-orm/pg-core"
import * as NodeFs from "node:fs"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { autogenerate, emptySnapshot, parseRenameHint, type RenameHint } from "../../src/migrations/Autogenerate.ts"
import { evolve } from "../support/evolve.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const before = pgTable("people", { id: integer().primaryKey(), name: varchar({ length: 40 }), age: integer() })
const after = pgTable("people", { id: integer().primaryKey(), full_name: varchar({ length: 80 }), age: integer() })
const moved = pgTable("persons", { id: integer().primaryKey(), name: varchar({ length: 40 }), age: integer() })

const hintIn = (notes: ReadonlyArray<string>, pattern: RegExp): RenameHint => {
  const note = notes.find((line) => pattern.test(line))
  assert.isDefined(note, `a note matches ${pattern}`)
  const hint = parseRenameHint(/--rename (\S+)/.exec(note!)![1]!)
  if (!("kind" in hint)) throw hint
  return hint
}

describeBackends("rename hints", (it) => {
  it.effect("a dropped and added column of a compatible type is named as a possible rename, which keeps the values", () =>
    Effect.gen(function*() {
      const baseline = (yield* autogenerate({ tables: [before], baseline: yield* emptySnapshot, renames: [] })).snapshot
      const unhinted = yield* autogenerate({ tables: [after], baseline, renames: [] })
      assert.deepStrictEqual(unhinted.destructive.map((change) => change.kind), ["drop-column"])
      assert.deepStrictEqual(unhinted.notes, [
        "column public.people.name is dropped and full_name added with a compatible type (varchar(40) to varchar(80)): " +
        "if it was renamed, write the revision again with --rename column:people.name=full_name to keep its values"
      ])
      const hint = hintIn(unhinted.notes, /column:people\.name=full_name/)
      const hinted = yield* autogenerate({ tables: [after], baseline, renames: [hint] })
      assert.deepStrictEqual(hinted.destructive, [])
      assert.deepStrictEqual(hinted.notes, [])

      yield* evolve([{ tables: [before] }, { tables: [after], renames: [hint] }], {
        afterUpgrade: (step) =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            if (step === 0) yield* sql.unsafe("INSERT INTO people (id, name, age) VALUES (1, 'Ada', 36)")
            else {
              const rows = yield* sql.unsafe<{ readonly full_name: string }>("SELECT full_name FROM people WHERE id = 1")
              assert.deepStrictEqual(rows.map((row) => row.full_name), ["Ada"])
            }
          })
      })
    }))

  it.effect("a dropped and added table with the same columns is named as a possible rename, which keeps the rows", () =>
    Effect.gen(function*() {
      const baseline = (yield* autogenerate({ tables: [before], baseline: yield* emptySnapshot, renames: [] })).snapshot
      const unhinted = yield* autogenerate({ tables: [moved], baseline, renames: [] })
      assert.deepStrictEqual(unhinted.destructive.map((change) => change.kind), ["drop-table"])
      const hint = hintIn(unhinted.notes, /table:people=persons/)
      const other = yield* autogenerate({
        tables: [pgTable("persons", { id: integer().primaryKey(), note: text() })],
        baseline,
        renames: []
      })
      assert.deepStrictEqual(other.notes, [], "a table of other columns is not suggested")

      yield* evolve([{ tables: [before] }, { tables: [moved], renames: [hint] }], {
        afterUpgrade: (step) =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            if (step === 0) yield* sql.unsafe("INSERT INTO people (id, name, age) VALUES (1, 'Ada', 36)")
            else {
              const rows = yield* sql.unsafe<{ readonly name: string }>("SELECT name FROM persons WHERE id = 1")
              assert.deepStrictEqual(rows.map((row) => row.name), ["Ada"])
            }
          })
      })
    }))

  it.effect("a hinted rename renames the keys, constraints and indexes in place, and round-trips", () =>
    Effect.gen(function*() {
      const boss = pgTable("boss", { id: integer().primaryKey() })
      const people = pgTable("people", {
        id: integer().primaryKey(),
        name: varchar({ length: 40 }).unique(),
        boss: integer().references(() => boss.id, { onDelete: "cascade" })
      }, (table) => [index().on(table.name), check("positive", drizzleSql`${table.id} > 0`)])
      const persons = pgTable("persons", {
        id: integer().primaryKey(),
        full_name: varchar({ length: 40 }).unique(),
        boss: integer().references(() => boss.id, { onDelete: "cascade" })
      }, (table) => [index().on(table.full_name), check("positive", drizzleSql`${table.id} > 0`)])
      const renames: ReadonlyArray<RenameHint> = [
        { kind: "table", schema: "public", from: "people", to: "persons" },
        { kind: "column", schema: "public", table: "persons", from: "name", to: "full_name" }
      ]
      const evolution = yield* evolve([{ tables: [boss, people] }, { tables: [boss, persons], renames }], {
        afterUpgrade: (step) =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            if (step === 0) yield* sql.unsafe("INSERT INTO boss VALUES (1)")
            if (step === 0) yield* sql.unsafe("INSERT INTO people VALUES (1, 'Ada', 1)")
          })
      })
      const outcome = evolution.outcomes[1]!
      assert.strictEqual(outcome._tag, "Written")
      if (outcome._tag !== "Written") return
      const file = NodeFs.readFileSync(outcome.path, "utf8")
      assert.notInclude(file, "DROP CONSTRAINT")
      assert.notInclude(file, "DROP INDEX")
      for (const [from, to] of [["pk__people", "pk__persons"], ["uq__people__name", "uq__persons__full_name"],
        ["fk__people__boss__boss__id", "fk__persons__boss__boss__id"], ["ck__people__positive", "ck__persons__positive"]]) {
        assert.include(file, `RENAME CONSTRAINT "${from}" TO "${to}"`)
        assert.include(file, `RENAME CONSTRAINT "${to}" TO "${from}"`)
      }
      assert.include(file, `ALTER INDEX "ix__people__name" RENAME TO "ix__persons__full_name"`)
      assert.include(evolution.shapes[2]!.constraints, "public.persons pk__persons: PRIMARY KEY (id)")
    }))
})
