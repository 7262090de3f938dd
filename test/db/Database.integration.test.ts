/**
 * The database layers on both backends: queries, transactions, value decoding (bigint, timestamps, dates,
 * intervals, json) and drizzle, asserting the same results on PGlite and on the server.
 */
import { assert } from "@effect/vitest"
import { bigint, date, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core"
import { eq } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Database } from "../../src/db/Database.ts"
import { describeSqlFailure } from "../../src/db/SqlFailure.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const events = pgTable("db_test_events", {
  id: integer().primaryKey(),
  name: text().notNull(),
  happenedAt: timestamp("happened_at", { withTimezone: true }).notNull(),
  localTime: timestamp("local_time"),
  day: date(),
  counter: bigint({ mode: "bigint" }),
  payload: jsonb()
})

describeBackends("Database", (it, backend) => {
  it.effect("answers a query and reports its backend and version", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const database = yield* Database
      const rows = yield* sql<{ readonly answer: number }>`SELECT 40 + 2 AS answer`
      assert.deepStrictEqual(rows, [{ answer: 42 }])
      assert.strictEqual(database.backend, backend)
      assert.match(database.serverVersion, /^\d+\.\d+/)
    }))

  it.effect("rolls a transaction back when its body fails", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE tx_test (id int PRIMARY KEY)`
      const failed = yield* sql.withTransaction(
        Effect.gen(function*() {
          yield* sql`INSERT INTO tx_test VALUES (1)`
          return yield* Effect.fail("boom" as const)
        })
      ).pipe(Effect.flip)
      assert.strictEqual(failed, "boom")
      const rows = yield* sql<{ readonly count: bigint }>`SELECT count(*) AS count FROM tx_test`
      assert.deepStrictEqual(rows, [{ count: 0n }])

      yield* sql.withTransaction(sql`INSERT INTO tx_test VALUES (2)`)
      const kept = yield* sql<{ readonly id: number }>`SELECT id FROM tx_test`
      assert.deepStrictEqual(kept, [{ id: 2 }])
    }))

  it.effect("rolls back a nested transaction alone (savepoint)", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE nested_test (id int PRIMARY KEY)`
      yield* sql.withTransaction(Effect.gen(function*() {
        yield* sql`INSERT INTO nested_test VALUES (1)`
        yield* sql.withTransaction(Effect.andThen(sql`INSERT INTO nested_test VALUES (2)`, Effect.fail("inner")))
          .pipe(Effect.ignore)
      }))
      const rows = yield* sql<{ readonly id: number }>`SELECT id FROM nested_test ORDER BY id`
      assert.deepStrictEqual(rows, [{ id: 1 }])
    }))

  it.effect("decodes int8 and count(*) as bigint, exactly beyond 2^53", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ readonly big: bigint; readonly small: bigint; readonly total: bigint }>`
        SELECT 9007199254740993::int8 AS big, 7::int8 AS small, count(*) AS total FROM generate_series(1, 3)`
      assert.deepStrictEqual(row, { big: 9007199254740993n, small: 7n, total: 3n })
      const [echo] = yield* sql<{ readonly value: bigint }>`SELECT ${123456789012345678n}::int8 AS value`
      assert.strictEqual(echo?.value, 123456789012345678n)
      const [array] = yield* sql<{ readonly values: ReadonlyArray<bigint> }>`SELECT ARRAY[1, 2]::int8[] AS values`
      assert.deepStrictEqual(array?.values, [1n, 2n])
    }))

  it.effect("round-trips a timestamptz instant whatever the session time zone", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const instant = new Date("2024-03-01T12:34:56.789Z")
      yield* sql`CREATE TABLE tz_test (at timestamptz NOT NULL)`
      yield* sql`INSERT INTO tz_test VALUES (${instant})`
      yield* sql.withTransaction(Effect.gen(function*() {
        yield* sql`SET LOCAL TIME ZONE 'Asia/Kolkata'`
        const [row] = yield* sql<{ readonly at: Date; readonly shown: string }>`
          SELECT at, at::text AS shown FROM tz_test`
        assert.strictEqual(row?.at.toISOString(), instant.toISOString())
        assert.strictEqual(row?.shown, "2024-03-01 18:04:56.789+05:30")
      }))
    }))

  it.effect("decodes dates as text, timestamps as UTC fields and intervals as parts", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{
        readonly day: string
        readonly local: Date
        readonly span: { readonly months: number; readonly days: number; readonly microseconds: bigint }
        readonly doc: unknown
      }>`SELECT '2024-02-29'::date AS day, '2024-02-29 23:59:58.5'::timestamp AS local,
          '1 year 2 mons -3 days 04:05:06.007'::interval AS span, '{"a":[1,null]}'::jsonb AS doc`
      assert.strictEqual(row?.day, "2024-02-29")
      assert.strictEqual(row?.local.toISOString(), "2024-02-29T23:59:58.500Z")
      assert.deepStrictEqual(row?.span, { months: 14, days: -3, microseconds: 14_706_007_000n })
      assert.deepStrictEqual(row?.doc, { a: [1, null] })
    }))

  it.effect("reports the database's own message, SQLSTATE and constraint on failure", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE uniq_test (code text CONSTRAINT uniq_test_code UNIQUE)`
      yield* sql`INSERT INTO uniq_test VALUES ('a')`
      const error = yield* Effect.flip(sql`INSERT INTO uniq_test VALUES ('a')`)
      assert.strictEqual(error.reason._tag, "UniqueViolation")
      const failure = describeSqlFailure(error)
      assert.strictEqual(failure.code, "23505")
      assert.strictEqual(failure.constraint, "uniq_test_code")
      assert.match(failure.message, /duplicate key value violates unique constraint "uniq_test_code"/)

      const syntax = yield* Effect.flip(sql.unsafe("SELEC 1"))
      assert.strictEqual(syntax.reason._tag, "SqlSyntaxError")
      assert.strictEqual(describeSqlFailure(syntax).code, "42601")
    }))

  it.effect("inserts and selects through drizzle with the same values on either backend", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const drizzle = yield* (yield* Database).drizzle
      yield* sql`CREATE TABLE db_test_events (
        id int PRIMARY KEY, name text NOT NULL, happened_at timestamptz NOT NULL, local_time timestamp,
        day date, counter int8, payload jsonb)`
      const happenedAt = new Date("2024-05-06T07:08:09.123Z")
      yield* drizzle.insert(events).values([
        {
          id: 1,
          name: "first",
          happenedAt,
          localTime: new Date("2024-05-06T07:08:09.123Z"),
          day: "2024-05-06",
          counter: 9007199254740993n,
          payload: { tags: ["a", "b"], nested: { n: 1 } }
        },
        { id: 2, name: "second", happenedAt, localTime: null, day: null, counter: null, payload: null }
      ])
      const [first] = yield* drizzle.select().from(events).where(eq(events.id, 1))
      assert.deepStrictEqual(first, {
        id: 1,
        name: "first",
        happenedAt,
        localTime: new Date("2024-05-06T07:08:09.123Z"),
        day: "2024-05-06",
        counter: 9007199254740993n,
        payload: { tags: ["a", "b"], nested: { n: 1 } }
      })
      const names = yield* drizzle.select({ name: events.name }).from(events).orderBy(events.id)
      assert.deepStrictEqual(names, [{ name: "first" }, { name: "second" }])
    }))

  it.effect("runs drizzle inside an SqlClient transaction and rolls both back together", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const drizzle = yield* (yield* Database).drizzle
      yield* sql`CREATE TABLE drizzle_tx (id int PRIMARY KEY, name text NOT NULL)`
      const table = pgTable("drizzle_tx", { id: integer().primaryKey(), name: text().notNull() })
      yield* sql.withTransaction(Effect.gen(function*() {
        yield* drizzle.insert(table).values({ id: 1, name: "one" })
        yield* sql`INSERT INTO drizzle_tx VALUES (2, 'two')`
        return yield* Effect.fail("abort")
      })).pipe(Effect.ignore)
      const rows = yield* drizzle.select().from(table)
      assert.deepStrictEqual(rows, [])
    }))
})
