/** Destructive-change notes read from a revision's SQL when the server sends none. */
import { assert, describe, it } from "@effect/vitest"
import { destructiveNotes, splitStatements } from "../../web/src/lib/destructiveSql.ts"

describe("splitStatements", () => {
  it("splits at semicolons outside strings, identifiers, dollar quotes and comments", () => {
    assert.deepStrictEqual(
      splitStatements(`CREATE TABLE "a;b" (x text DEFAULT ';');\n-- a comment; with a semicolon\nDO $$ BEGIN PERFORM 1; END $$;SELECT 1`),
      [`CREATE TABLE "a;b" (x text DEFAULT ';')`, "DO $$ BEGIN PERFORM 1; END $$", "SELECT 1"]
    )
    assert.deepStrictEqual(splitStatements("  ;; "), [])
  })
})

describe("destructiveNotes", () => {
  it("names drops, type changes, NOT NULL and deletions, in statement order", () => {
    const notes = destructiveNotes([
      `CREATE TABLE "public"."kept" (id integer);`,
      `ALTER TABLE "public"."account" DROP COLUMN "status", ALTER COLUMN "limit" SET DATA TYPE integer USING "limit"::integer;`,
      `ALTER TABLE "public"."account" ALTER COLUMN "name" SET NOT NULL;`,
      `DROP TABLE IF EXISTS "public"."old";`,
      `DELETE FROM "public"."prices" WHERE false;`,
      `DROP TYPE "public"."mood";`
    ].join("\n")).map((entry) => entry.note)
    assert.deepStrictEqual(notes, [
      "drops column status and its values",
      "changes the type of limit to integer, which may fail or lose values",
      "makes name NOT NULL, which fails while a row holds NULL",
      "drops table public.old and its rows",
      "deletes rows from public.prices",
      "drops type public.mood"
    ])
  })

  it("finds nothing in additive SQL, nor in words inside strings", () => {
    assert.deepStrictEqual(destructiveNotes(`CREATE TABLE t (note text DEFAULT 'drop table x');\nALTER TABLE t ADD COLUMN y integer;`), [])
    assert.deepStrictEqual(destructiveNotes(`COMMENT ON TABLE t IS 'we drop column z later, it''s fine';`), [])
    assert.deepStrictEqual(destructiveNotes(`DO $body$ BEGIN EXECUTE 'x'; END $body$; ALTER TABLE t DROP COLUMN q;`).map((one) => one.note), [
      "drops column q and its values"
    ])
  })

  it("keeps the statement it read, shortened", () => {
    const [note] = destructiveNotes(`DROP TABLE ${"x".repeat(200)};`)
    assert.strictEqual(note!.statement.length, 120)
  })
})
