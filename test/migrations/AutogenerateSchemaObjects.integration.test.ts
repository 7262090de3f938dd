/**
 * Enums, sequences and schemas through autogenerate, upgrade and downgrade on both backends: created before
 * the tables that use them and dropped after them; an added enum value is `ALTER TYPE ... ADD VALUE`, its
 * downgrade re-creates the type and says why, in the SQL and as a destructive change; the snapshot holds
 * them, so the same models give no new revision. Names and values with quotes included.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { sql as drizzleSql } from "drizzle-orm"
import { bigint, integer, pgEnum, pgSchema, pgTable, text } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { loadRevisions } from "../../src/migrations/files/RevisionLoader.ts"
import { evolve } from "../support/evolve.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const app = pgSchema("app")
const oddSchema = pgSchema("odd\"schema")
const counter = app.sequence("counter", { startWith: 100, increment: 5 })
const status = app.enum("status", ["new", "done"])
const oddEnum = oddSchema.enum("odd\"kind", ["it's", "q\"uote"])

const models = (moodValues: [string, ...Array<string>]) => {
  const mood = pgEnum("mood", moodValues)
  const items = app.table("items", {
    id: integer().primaryKey(),
    mood: mood().notNull().default("ok"),
    moods: mood().array(),
    status: status(),
    ticket: bigint({ mode: "number" }).notNull().default(drizzleSql`nextval('app.counter')`)
  })
  const odd = oddSchema.table("odd\"table", { id: integer().primaryKey(), kind: oddEnum().default("it's"), note: text() })
  const plain = pgTable("plain", { id: integer().primaryKey() })
  return [items, odd, plain, counter]
}

describeBackends("enums, sequences and schemas", (it) => {
  it.effect("are created before their tables, dropped after them, and round-trip", () =>
    Effect.gen(function*() {
      const evolution = yield* evolve(
        [
          { tables: models(["ok", "sad"]) },
          { tables: models(["ok", "sad", "glad"]) },
          { tables: models(["ok", "sad", "glad"]) }
        ],
        {
          afterUpgrade: (step) =>
            Effect.gen(function*() {
              const sql = yield* SqlClient.SqlClient
              yield* sql.unsafe(`INSERT INTO app.items (id, moods, status) VALUES (${step + 1}, '{ok,sad}', 'new')`)
              const [row] = yield* sql.unsafe<{ readonly mood: string; readonly ticket: unknown }>(
                `SELECT mood::text AS mood, ticket FROM app.items WHERE id = ${step + 1}`
              )
              assert.strictEqual(row?.mood, "ok")
              assert.strictEqual(Number(row?.ticket), 100 + 5 * step, "the default draws from the sequence")
              yield* sql.unsafe(`INSERT INTO "odd""schema"."odd""table" (id) VALUES (${step + 1})`)
              yield* sql.unsafe("DELETE FROM app.items")
            })
        }
      )
      assert.deepStrictEqual(evolution.outcomes.map((outcome) => outcome._tag), ["Written", "Written", "NoChanges"])
      const first = evolution.shapes[1]!
      assert.deepStrictEqual(first.schemas, ["app", "odd\"schema", "public"])
      assert.deepStrictEqual(first.enums, ["app.status = new, done", "odd\"schema.odd\"kind = it's, q\"uote", "public.mood = ok, sad"])
      assert.include(first.sequences.join("\n"), "app.counter 100 5")
      assert.deepStrictEqual(evolution.shapes[2]!.enums.at(-1), "public.mood = ok, sad, glad")

      const loaded = yield* loadRevisions([evolution.directory]).pipe(Effect.provide(NodeFileSystem.layer))
      const initial = loaded.revisions.get("0001")!
      const position = (statements: ReadonlyArray<unknown>, start: string) => {
        const index = statements.findIndex((statement) => typeof statement === "string" && statement.startsWith(start))
        assert.isAtLeast(index, 0, `a statement starts with ${start}`)
        return index
      }
      assert.isBelow(position(initial.upgrade, "CREATE SCHEMA \"app\""), position(initial.upgrade, "CREATE TYPE \"app\".\"status\""))
      assert.isBelow(position(initial.upgrade, "CREATE TYPE \"app\".\"status\""), position(initial.upgrade, "CREATE TABLE \"app\".\"items\""))
      assert.isBelow(position(initial.upgrade, "CREATE SEQUENCE \"app\".\"counter\""), position(initial.upgrade, "CREATE TABLE \"app\".\"items\""))
      assert.isAbove(position(initial.downgrade, "DROP SCHEMA \"app\""), position(initial.downgrade, "DROP TABLE \"app\".\"items\""))
      assert.isAbove(position(initial.downgrade, "DROP TYPE \"mood\""), position(initial.downgrade, "DROP TABLE \"app\".\"items\""))

      const added = loaded.revisions.get("0002")!
      assert.deepStrictEqual(added.upgrade, ["ALTER TYPE \"mood\" ADD VALUE 'glad';"])
      const recreate = added.downgrade.find((statement) => typeof statement === "string" && statement.includes("DROP TYPE"))
      assert.match(String(recreate), /^-- PostgreSQL cannot remove a value from an enum: "public.mood" is re-created without "glad"/)
      const source = yield* Effect.promise(() => import("node:fs/promises").then((fs) => fs.readFile(added.source, "utf8")))
      assert.include(source, "downgrade removes \"glad\" from the enum public.mood: PostgreSQL cannot remove an enum value")
    }))
})
