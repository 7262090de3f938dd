/**
 * COPY on the transaction's own server connection (`src/db/PgCopy.ts`): rows with NULLs, tabs, newlines and
 * backslashes arrive as given, in the caller's transaction (rolled back with it); a duplicate key is a
 * `UniqueViolation` that a savepoint contains, and the connection goes on serving statements; outside a
 * transaction, or on the embedded database, `copyIn` declines and the caller writes another way.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, it as vitestIt } from "vitest"
import { copyAvailable, copyIn, copyText } from "../../src/db/PgCopy.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const rows: ReadonlyArray<ReadonlyArray<string | null>> = [
  ["1", "plain", "{1,2}"],
  ["2", "tab\there, newline\nthere, back\\slash, carriage\rreturn", null],
  ["3", null, "{}"],
  ["4", "ünïcödé, \\N as text", "{3}"]
]
const columns = [0, 1, 2].map((column) => rows.map((row) => row[column]!))

const setUp = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`DROP TABLE IF EXISTS pg_copy_target`
  yield* sql`CREATE TABLE pg_copy_target (id int PRIMARY KEY, label text, tags int[])`
})

const COPY = `COPY pg_copy_target (id, label, tags) FROM STDIN`

describe("copyText", () => {
  vitestIt("writes one line per row, tab-separated, \\N for NULL and escapes", () => {
    const text = new TextDecoder().decode(copyText([["1", "2"], ["a\tb", null]], 2))
    assert.strictEqual(text, "1\ta\\tb\n2\t\\N\n")
    assert.strictEqual(copyText([[]], 0).length, 0)
  })
})

describeBackends("copyIn", (it, backend) => {
  it.effect("copies rows as given inside the caller's transaction, and declines outside one", () =>
    Effect.gen(function*() {
      yield* setUp
      const sql = yield* SqlClient.SqlClient
      assert.isTrue(Option.isNone(yield* copyIn(COPY, copyText(columns, rows.length))), "no transaction: declined")
      assert.isFalse(yield* copyAvailable)
      const copied = yield* sql.withTransaction(copyIn(COPY, copyText(columns, rows.length)))
      if (backend === "pglite") {
        assert.isTrue(Option.isNone(copied), "the embedded database: declined")
        return
      }
      assert.deepStrictEqual(copied, Option.some(4))
      const stored = yield* sql<{ readonly id: number; readonly label: string | null; readonly tags: ReadonlyArray<number> | null }>`
        SELECT id, label, tags FROM pg_copy_target ORDER BY id`
      assert.deepStrictEqual(stored.map((row) => [row.id, row.label, row.tags === null ? null : [...row.tags]]), [
        [1, "plain", [1, 2]],
        [2, "tab\there, newline\nthere, back\\slash, carriage\rreturn", null],
        [3, null, []],
        [4, "ünïcödé, \\N as text", [3]]
      ])
      // Rolled back with the transaction that ran it.
      yield* sql.withTransaction(Effect.andThen(copyIn(COPY, copyText([["5"], ["five"], [null]], 1)), Effect.fail("undo"))).pipe(
        Effect.ignore
      )
      const [count] = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM pg_copy_target`
      assert.strictEqual(count?.n, 4)
    }))

  it.effect("a duplicate key is a UniqueViolation, contained by a savepoint; the connection serves on", () =>
    Effect.gen(function*() {
      yield* setUp
      const sql = yield* SqlClient.SqlClient
      if (backend === "pglite") return
      const outcome = yield* sql.withTransaction(Effect.gen(function*() {
        yield* copyIn(COPY, copyText([["1"], ["one"], [null]], 1))
        const refused = yield* Effect.flip(sql.withTransaction(copyIn(COPY, copyText([["2", "1"], ["two", "again"], [null, null]], 2))))
        yield* copyIn(COPY, copyText([["3"], ["three"], [null]], 1))
        return refused
      }))
      assert.strictEqual(outcome.reason._tag, "UniqueViolation")
      const stored = yield* sql<{ readonly id: number }>`SELECT id FROM pg_copy_target ORDER BY id`
      assert.deepStrictEqual(stored.map((row) => row.id), [1, 3], "the refused COPY left nothing, the others committed")
      const malformed = yield* Effect.flip(sql.withTransaction(copyIn(COPY, copyText([["x"], ["bad"], [null]], 1))))
      assert.strictEqual(malformed.reason._tag, "UnknownError")
      assert.include(JSON.stringify(malformed.reason.cause), "invalid input syntax for type integer")
      const [after] = yield* sql<{ readonly answer: number }>`SELECT 42 AS answer`
      assert.strictEqual(after?.answer, 42)
    }))
})
