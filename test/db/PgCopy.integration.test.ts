/**
 * COPY on the transaction's own connection (`src/db/PgCopy.ts`: the server's session, PGlite's `/dev/blob`):
 * rows with NULLs, tabs, newlines and backslashes arrive as given, in text and in binary format
 * (`src/db/CopyBinary.ts`), in the caller's transaction (rolled back with it); a duplicate key is a
 * `UniqueViolation` that a savepoint contains, and the connection goes on serving statements; outside a
 * transaction `copyIn` declines and the caller writes another way.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, it as vitestIt } from "vitest"
import { copyBinary } from "../../src/db/CopyBinary.ts"
import { describeSqlFailure } from "../../src/db/SqlFailure.ts"
import { copyAvailable, copyIn as copyInto, copyText } from "../../src/db/PgCopy.ts"
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

const COPY = `pg_copy_target (id, label, tags)`
const copyIn = (target: string, data: Uint8Array) => copyInto(target, "text", data)

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
      assert.isTrue(yield* sql.withTransaction(copyAvailable), `${backend}: COPY in a transaction`)
      const copied = yield* sql.withTransaction(copyIn(COPY, copyText(columns, rows.length)))
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
      assert.include(describeSqlFailure(malformed).message, "invalid input syntax for type integer")
      const [after] = yield* sql<{ readonly answer: number }>`SELECT 42 AS answer`
      assert.strictEqual(after?.answer, 42)
    }))

  it.effect("binary format: the values arrive as their texts say, NULLs included", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`DROP TABLE IF EXISTS pg_copy_binary`
      yield* sql`CREATE TABLE pg_copy_binary (
        at timestamptz, wall timestamp, day date, x float8, small int2, n int4, big int8, flag bool,
        label varchar(20), id uuid, doc jsonb, raw json)`
      const types = ["timestamp with time zone", "timestamp", "date", "double precision", "smallint", "integer",
        "bigint", "boolean", "varchar(20)", "uuid", "jsonb", "json"]
      const binaryRows: ReadonlyArray<ReadonlyArray<string | null>> = [
        ["2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05.000001", "2024-02-29", "-0.5", "-32768", "2147483647",
          "-9223372036854775808", "true", "ünï\tab\tz", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "{\"a\": [1, 2]}", "{\"b\":1}"],
        ["0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999", "0001-01-01", "1e+300", "7", "-1",
          "9007199254740993", "false", "", "00000000-0000-0000-0000-000000000000", "null", "[]"],
        [null, null, null, null, null, null, null, null, null, null, null, null]
      ]
      const data = copyBinary(types, types.map((_, c) => binaryRows.map((row) => row[c]!)), binaryRows.length)
      const copied = yield* sql.withTransaction(copyInto(
        "pg_copy_binary (at, wall, day, x, small, n, big, flag, label, id, doc, raw)",
        "binary",
        data
      ))
      assert.deepStrictEqual(copied, Option.some(3))
      const stored = yield* sql<Record<string, string | null>>`
        SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS at,
          to_char(wall, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS wall, day::text AS day, x::text AS x, small::text AS small,
          n::text AS n, big::text AS big, flag::text AS flag, label, id::text AS id, doc::text AS doc, raw::text AS raw
        FROM pg_copy_binary ORDER BY n DESC NULLS LAST`
      assert.deepStrictEqual(stored.map((row) => Object.values(row)), [
        ["2024-01-02T03:04:05.123456", "2024-01-02T03:04:05.000001", "2024-02-29", "-0.5", "-32768", "2147483647",
          "-9223372036854775808", "true", "ünï\tab\tz", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{\"a\": [1, 2]}", "{\"b\":1}"],
        ["0001-01-01T00:00:00.000000", "9999-12-31T23:59:59.999999", "0001-01-01", "1e+300", "7", "-1",
          "9007199254740993", "false", "", "00000000-0000-0000-0000-000000000000", "null", "[]"],
        [null, null, null, null, null, null, null, null, null, null, null, null]
      ])
    }))
})
