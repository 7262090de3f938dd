/**
 * Hostile names and literals through autogenerate, upgrade and downgrade on both backends: a table name
 * written to end its statement and start another, a `"` in column and index names, a `'` in a JSON key and a
 * backslash in a text default. Every identifier and literal is quoted, the schema round-trips, the defaults
 * hold the declared values, and no statement is smuggled in. A revision whose one string holds two statements
 * is refused by both backends, and the second never runs.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { loadRevisions } from "../../src/migrations/files/RevisionLoader.ts"
import { applyMigration } from "../../src/migrations/runtime/MigrationApply.ts"
import { quoteIdentifier } from "../../src/db/SqlText.ts"
import { evolve, evolveOptions } from "../support/evolve.ts"
import { scratchDirectory, writeRevision } from "../support/revisions.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const hostileTable = `x" (a int); CREATE TABLE pwned (b int); COMMIT; CREATE TABLE "y`
const jsonDefault = { "k'); CREATE TABLE pwned_json (c int); --": ["it's", "back\\slash"] }
const textDefault = "it's a \\ backslash"

const hostile = (withNote: boolean) =>
  pgTable(hostileTable, {
    id: integer().primaryKey(),
    "col\"q": text().default(textDefault),
    payload: jsonb().default(jsonDefault),
    tags: text().array().default(["a'b", "c\"d", "e\\f"]),
    ...(withNote ? { "note\" text; DROP TABLE x; --": text() } : {})
  }, (table) => [index(`ix"q`).on(table["col\"q"]), uniqueIndex("uix__hostile__payload").on(table.id, table["col\"q"])])

const found = (name: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ readonly found: boolean }>`SELECT to_regclass(${quoteIdentifier(name)}) IS NOT NULL AS found`
    return row?.found === true
  })

describeBackends("hostile names and literals", (it) => {
  it.effect("round-trip through revision, upgrade and downgrade, quoted, with nothing smuggled in", () =>
    Effect.gen(function*() {
      const evolution = yield* evolve([{ tables: [hostile(false)] }, { tables: [hostile(true)] }], {
        afterUpgrade: (step) =>
          Effect.gen(function*() {
            assert.isTrue(yield* found(hostileTable), "the table has exactly the declared name")
            assert.isFalse(yield* found("pwned"))
            assert.isFalse(yield* found("pwned_json"))
            const sql = yield* SqlClient.SqlClient
            const table = quoteIdentifier(hostileTable)
            yield* sql.unsafe(`INSERT INTO ${table} (id) VALUES (${step + 1})`)
            const [row] = yield* sql.unsafe<{ readonly text: string; readonly payload: unknown; readonly tags: unknown }>(
              `SELECT "col""q" AS text, payload, tags FROM ${table} WHERE id = ${step + 1}`
            )
            assert.strictEqual(row?.text, textDefault)
            assert.deepStrictEqual(typeof row?.payload === "string" ? JSON.parse(row.payload) : row?.payload, jsonDefault)
            assert.deepStrictEqual(row?.tags, ["a'b", "c\"d", "e\\f"])
          })
      })
      assert.isTrue(evolution.outcomes.every((outcome) => outcome._tag === "Written"))
      const columns = evolution.shapes[2]!.columns.join("\n")
      assert.include(columns, "note\" text; DROP TABLE x; --")
      assert.include(evolution.shapes[1]!.indexes.join("\n"), "ix\"\"q")
      assert.isFalse(yield* found("pwned"))
    }))

  it.effect("refuses a revision string holding two statements, and runs neither", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      writeRevision(directory, {
        id: "0001",
        upgrade: ["CREATE TABLE first_one (a int); CREATE TABLE smuggled (b int)"],
        downgrade: ["DROP TABLE first_one"]
      })
      const loaded = yield* loadRevisions([directory]).pipe(Effect.provide(NodeFileSystem.layer))
      const error = yield* Effect.flip(applyMigration({ loaded, direction: "upgrade", target: "head" }, evolveOptions))
      assert.strictEqual(error._tag, "MigrationStepError")
      assert.include(error.message, "cannot insert multiple commands into a prepared statement")
      assert.isFalse(yield* found("smuggled"))
      assert.isFalse(yield* found("first_one"))
    }))
})
