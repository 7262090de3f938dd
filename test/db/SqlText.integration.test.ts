/**
 * `quoteIdentifierWhereNeeded` against the database's own `quote_ident`, on both backends: every keyword the
 * database knows and a set of hostile names. PGlite is PostgreSQL 18, whose keywords the helper follows, so
 * there the two agree exactly; an older server reserves fewer words, so there every name it quotes is quoted
 * by the helper too, and the helper writes nothing else differently.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { quoteIdentifierWhereNeeded } from "../../src/db/SqlText.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const HOSTILE = [`we"ird`, "a b", "x;--", "a.b", "Prices", "1st", "a$b", "café", "", "prices", "_x1", `"`, "select"]

describeBackends("quoteIdentifierWhereNeeded", (it, backend) => {
  it.effect("writes each keyword and hostile name as quote_ident does", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const keywords = yield* sql<{ readonly name: string; readonly quoted: string }>`
        SELECT word AS name, quote_ident(word) AS quoted FROM pg_get_keywords() ORDER BY word`
      assert.isAbove(keywords.length, 400)
      const hostile = yield* Effect.forEach(HOSTILE, (name) =>
        Effect.map(sql<{ readonly quoted: string }>`SELECT quote_ident(${name}) AS quoted`, ([row]) => ({ name, quoted: row!.quoted })))
      for (const { name, quoted } of [...keywords, ...hostile]) {
        const ours = quoteIdentifierWhereNeeded(name)
        if (backend === "pglite" || ours === quoted) assert.strictEqual(ours, quoted, name)
        else assert.strictEqual(ours, `"${name}"`, `${name}: only a newer keyword may be quoted where this server does not`)
      }
    }))
})
