/**
 * Persisting validated batches on both backends: exact counts from the upsert itself, values read back as
 * written (json, jsonb, arrays, numeric, timestamptz, date, uuid, enums, geometric and network types),
 * re-persisting identical rows rewrites nothing, server defaults on insert and kept on update,
 * text/integer/uuid entities, grain-only tables, hostile identifiers, each statement path (appending past
 * the last time index, a mix, the merge alone, the fallback when a concurrent writer got there first),
 * failures that leave nothing, and a batch of 50,000 rows. Each test starts from empty tables of its own
 * (`freshTables`) and writes the rows it starts from itself, so that it runs alone or in any order.
 */
import { assert } from "@effect/vitest"
import {
  bigint,
  boolean,
  customType,
  date,
  doublePrecision,
  inet,
  integer,
  interval,
  json,
  jsonb,
  numeric,
  pgEnum,
  point,
  text,
  timestamp,
  uuid,
  varchar
} from "drizzle-orm/pg-core"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { TestClock } from "effect/testing"
import { rowShapeOf, type RowShape } from "../../src/datanode/RowShape.ts"
import { validateBatch } from "../../src/datanode/RowValidation.ts"
import type { EntityRange, ValidatedBatch } from "../../src/datanode/ValidatedBatch.ts"
import { upsertBatch } from "../../src/engine/UpsertBatch.ts"
import { type AnyStorageTable, PlatformTimeIndexMetaTable } from "../../src/index.ts"
import { createPhysicalTables } from "../support/ddl.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Readings extends PlatformTimeIndexMetaTable<Readings>()({
  name: "persist__readings",
  namespace: "persist",
  identifier: "persist.readings",
  description: "Sensor readings with a spread of column types.",
  indexNames: ["time_index", "sensor"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    sensor: varchar({ length: 32 }).notNull(),
    reading: doublePrecision().notNull(),
    total: bigint({ mode: "bigint" }),
    amount: numeric({ precision: 20, scale: 4 }),
    note: text(),
    payload: json(),
    ref: uuid(),
    tags: text().array(),
    source: varchar({ length: 16 }).notNull().default("feed")
  },
  columnInfo: {
    timeIndex: info("Time"),
    sensor: info("Sensor"),
    reading: info("Reading"),
    total: info("Total"),
    amount: info("Amount"),
    note: info("Note"),
    payload: info("Payload"),
    ref: info("Reference"),
    tags: info("Tags"),
    source: info("Source")
  }
}) {}

class Shards extends PlatformTimeIndexMetaTable<Shards>()({
  name: "persist__shards",
  namespace: "persist",
  identifier: "persist.shards",
  description: "Values per integer shard.",
  indexNames: ["time_index", "shard"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    shard: integer().notNull(),
    value: integer()
  },
  columnInfo: { timeIndex: info("Time"), shard: info("Shard"), value: info("Value") }
}) {}

class Devices extends PlatformTimeIndexMetaTable<Devices>()({
  name: "persist__devices",
  namespace: "persist",
  identifier: "persist.devices",
  description: "Values per device uuid.",
  indexNames: ["time_index", "device"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    device: uuid().notNull(),
    value: doublePrecision()
  },
  columnInfo: { timeIndex: info("Time"), device: info("Device"), value: info("Value") }
}) {}

/** A grain and nothing else: re-persisting can only insert or leave alone. */
class Events extends PlatformTimeIndexMetaTable<Events>()({
  name: "persist__events",
  namespace: "persist",
  identifier: "persist.events",
  description: "Event instants per source.",
  indexNames: ["time_index", "origin"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    origin: text().notNull()
  },
  columnInfo: { timeIndex: info("Time"), origin: info("Origin") }
}) {}

/** A grain whose unique index leads with the entity: the last time index cannot be read from it. */
class Reversed extends PlatformTimeIndexMetaTable<Reversed>()({
  name: "persist__reversed",
  namespace: "persist",
  identifier: "persist.reversed",
  description: "Values per sensor, indexed sensor first.",
  indexNames: ["time_index", "sensor"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    sensor: text().notNull(),
    value: doublePrecision()
  },
  columnInfo: { timeIndex: info("Time"), sensor: info("Sensor"), value: info("Value") }
}) {}

const REVERSED_DDL = [
  `CREATE TABLE persist__reversed (time_index timestamptz NOT NULL, sensor text NOT NULL, value double precision)`,
  `CREATE UNIQUE INDEX persist__reversed_grain ON persist__reversed (sensor, time_index)`
]

/** `box` compares by area and separates array elements with `;`: both need care. */
const box = customType<{ data: string }>({ dataType: () => "box" })

const mood = pgEnum("persist_mood", ["calm", "tense", "odd \"one\", {x}"])
/** An enum whose name needs quoting, with labels that need escaping inside an array literal. */
const oddMood = pgEnum("Kind \"of\" Mood", ["a b", "c,\"d\"", "NULL"])

/**
 * Names a user may legally choose: a schema and a table with spaces, upper case and double quotes, columns
 * with spaces, commas and double quotes (in lower case, as the definers require), a column named like a
 * keyword. drizzle-kit's DDL does not double embedded quotes, so the test creates it by hand.
 */
class Hostile extends PlatformTimeIndexMetaTable<Hostile>()({
  name: "Odd \"quoted\" Table",
  schema: "Odd Schema",
  namespace: "persist",
  identifier: "persist.hostile",
  description: "A table whose names need quoting.",
  timeIndex: "time index",
  indexNames: ["time index", "the \"entity\""],
  columns: {
    at: timestamp("time index", { withTimezone: true }).notNull(),
    entity: varchar("the \"entity\"", { length: 20 }).notNull(),
    value: doublePrecision("value, \"quoted\""),
    choice: text("select"),
    kind: oddMood("kind"),
    kinds: oddMood("kinds").array()
  },
  columnInfo: {
    at: info("Time"),
    entity: info("Entity"),
    value: info("Value"),
    choice: info("Choice"),
    kind: info("Kind"),
    kinds: info("Kinds")
  }
}) {}

/** One column of each type family whose text form or equality needs care. */
class Kinds extends PlatformTimeIndexMetaTable<Kinds>()({
  name: "persist__kinds",
  namespace: "persist",
  identifier: "persist.kinds",
  description: "Values of many types per item.",
  indexNames: ["time_index", "item"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    item: text().notNull(),
    seen: timestamp({ withTimezone: true }),
    seenMs: timestamp("seen_ms", { withTimezone: true, precision: 3 }),
    onDay: date("on_day"),
    amount: numeric({ precision: 12, scale: 3 }),
    loose: numeric(),
    doc: jsonb(),
    raw: json(),
    ref: uuid(),
    flag: boolean(),
    mood: mood(),
    moods: mood().array(),
    grid: integer().array("[][]"),
    prices: numeric({ precision: 8, scale: 2 }).array(),
    spot: point(),
    area: box(),
    span: interval(),
    addr: inet()
  },
  columnInfo: {
    timeIndex: info("Time"),
    item: info("Item"),
    seen: info("Seen"),
    seenMs: info("Seen (ms)"),
    onDay: info("Day"),
    amount: info("Amount"),
    loose: info("Loose numeric"),
    doc: info("Document"),
    raw: info("Raw JSON"),
    ref: info("Reference"),
    flag: info("Flag"),
    mood: info("Mood"),
    moods: info("Moods"),
    grid: info("Grid"),
    prices: info("Prices"),
    spot: info("Spot"),
    area: info("Area"),
    span: info("Span"),
    addr: info("Address")
  }
}) {}

const ODD_MOOD_DDL = `CREATE TYPE "Kind ""of"" Mood" AS ENUM ('a b', 'c,"d"', 'NULL')`

const HOSTILE_DDL = [
  `CREATE SCHEMA "Odd Schema"`,
  `CREATE TABLE "Odd Schema"."Odd ""quoted"" Table" ("time index" timestamptz NOT NULL, "the ""entity""" varchar(20) NOT NULL, ` +
  `"value, ""quoted""" double precision, "select" text, "kind" "Kind ""of"" Mood", "kinds" "Kind ""of"" Mood"[])`,
  `CREATE UNIQUE INDEX "odd grain" ON "Odd Schema"."Odd ""quoted"" Table" ("time index", "the ""entity""")`
]

const shapeOf = (storage: AnyStorageTable): RowShape => {
  const shape = rowShapeOf(storage)
  if (shape === undefined) throw new Error(`${storage.metadata.identifier} is not a time-index table`)
  return shape
}

const readings = shapeOf(Readings)
const shards = shapeOf(Shards)
const devices = shapeOf(Devices)
const events = shapeOf(Events)
const hostile = shapeOf(Hostile)
const kinds = shapeOf(Kinds)
const reversed = shapeOf(Reversed)

/** Validates `rows` as the runner does; a test failure if validation refuses them. */
const validated = (shape: RowShape, rows: ReadonlyArray<unknown>): ValidatedBatch => {
  const result = validateBatch(shape, rows, { node: "test", batch: 0, firstRow: 0 })
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

type TextRow = Readonly<Record<string, string | null>>

/**
 * A `ValidatedBatch` built by hand, as the validator would build it: the columns are those the rows carry
 * (by key, in table order), each value PostgreSQL text or null.
 */
const batchOf = (shape: RowShape, rows: ReadonlyArray<TextRow>, keys?: ReadonlyArray<string>): ValidatedBatch => {
  const carried = new Set(keys ?? rows.flatMap((row) => Object.keys(row)))
  const columns = shape.columns.filter((column) => carried.has(column.key))
  const times = rows.map((row) => row[shape.timeIndex.key]!)
  const entities = new Map<string, EntityRange>()
  rows.forEach((row, index) => {
    const texts = shape.entity.map((column) => row[column.key]!)
    const key = JSON.stringify(texts)
    const time = times[index]!
    const known = entities.get(key)
    entities.set(key, {
      entity: Object.fromEntries(shape.entity.map((column, position) => [column.key, texts[position]!])),
      first: known === undefined || time < known.first ? time : known.first,
      last: known === undefined || time > known.last ? time : known.last
    })
  })
  const sorted = [...times].sort()
  return {
    rowCount: rows.length,
    columns,
    values: columns.map((column) => rows.map((row) => row[column.key] ?? null)),
    minTime: sorted[0],
    maxTime: sorted.at(-1),
    entities
  }
}

const day = (n: number) => new Date(Date.UTC(2024, 0, 1 + n)).toISOString().replace("Z", "000Z")

const reading = (n: number, sensor: string, overrides: TextRow = {}): TextRow => ({
  timeIndex: day(n),
  sensor,
  reading: String(n + 0.25),
  total: String(9_007_199_254_740_993n + BigInt(n)),
  amount: `${n}.1250`,
  note: n % 2 === 0 ? `note "${n}", with \\ and {braces}` : null,
  payload: n % 3 === 0 ? null : JSON.stringify({ n, list: [1, "two", null], nested: { ok: true } }),
  ref: `0190e6a4-7b1c-7def-8a00-${String(n).padStart(12, "0")}`,
  tags: n % 2 === 0 ? `{"a b","c,d","\\"e\\""}` : null,
  ...overrides
})

/** Each row's physical identity and the transaction that wrote its current version. */
const versions = (table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{ readonly version: string }>(
      `SELECT ctid::text || '/' || xmin::text AS version FROM ${table} ORDER BY 1`
    )
    return rows.map((row) => row.version)
  })

const count = (table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql.unsafe<{ readonly n: bigint | number }>(`SELECT count(*) AS n FROM ${table}`)
    return Number(row?.n ?? -1)
  })

const runStatements = (statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const statement of statements) yield* sql.unsafe(statement)
  })

/**
 * How each table the tests write is made from nothing (with drizzle-kit's DDL, as a migration would, or by
 * hand where drizzle-kit cannot), and what removes it with the types and schema it uses.
 */
const TABLES = {
  readings: { drop: ["DROP TABLE IF EXISTS persist__readings"], create: createPhysicalTables([Readings]) },
  shards: { drop: ["DROP TABLE IF EXISTS persist__shards"], create: createPhysicalTables([Shards]) },
  devices: { drop: ["DROP TABLE IF EXISTS persist__devices"], create: createPhysicalTables([Devices]) },
  events: { drop: ["DROP TABLE IF EXISTS persist__events"], create: createPhysicalTables([Events]) },
  kinds: {
    drop: ["DROP TABLE IF EXISTS persist__kinds", `DROP TYPE IF EXISTS "persist_mood"`],
    // drizzle-kit's DDL for the table creates its enum first.
    create: createPhysicalTables([Kinds])
  },
  hostile: {
    drop: [`DROP SCHEMA IF EXISTS "Odd Schema" CASCADE`, `DROP TYPE IF EXISTS "Kind ""of"" Mood"`],
    create: runStatements([ODD_MOOD_DDL, ...HOSTILE_DDL])
  },
  reversed: { drop: ["DROP TABLE IF EXISTS persist__reversed"], create: runStatements(REVERSED_DDL) }
}

/**
 * Empty tables for one test: drops what an earlier test of the suite left in them, then creates them anew.
 * Every test that writes starts with it, so that none depends on another's rows or on running after it.
 */
const freshTables = (...names: ReadonlyArray<keyof typeof TABLES>) =>
  Effect.gen(function*() {
    for (const name of names) yield* runStatements(TABLES[name].drop)
    for (const name of names) yield* TABLES[name].create
  })

/** The readings a first insert writes: two sensors, days 0 to 3. */
const firstReadings = (): ReadonlyArray<TextRow> =>
  [reading(0, "alpha"), reading(1, "alpha"), reading(0, "beta"), reading(3, "beta")]

/** Fresh readings holding `firstReadings`, as a first persist left them. */
const storedReadings = Effect.gen(function*() {
  yield* freshTables("readings")
  yield* upsertBatch(readings, batchOf(readings, firstReadings()))
})

/** Three shards (one of them the largest int4) over days 0 to 2, each valued its day. */
const shardRows = (): ReadonlyArray<TextRow> =>
  [0, 1, 2].flatMap((n) =>
    [7, -3, 2147483647].map((shard) => ({ timeIndex: day(n), shard: String(shard), value: String(n) }))
  )

/** Waits until some session of this database waits for a lock (a row another transaction is writing). */
const someoneWaitsForALock = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  for (let attempt = 0; attempt < 500; attempt++) {
    const [row] = yield* sql<{ readonly n: bigint | number }>`
      SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
    if (Number(row?.n ?? 0) > 0) return
    yield* Effect.sleep("20 millis")
  }
  return yield* Effect.die(new Error("no session ever waited for a lock"))
})

describeBackends("upsertBatch", (it, backend) => {
  it.effect("inserts new rows, counts them, and every value reads back as written", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("readings")
      const rows = firstReadings()
      const outcome = yield* sql.withTransaction(upsertBatch(readings, batchOf(readings, rows)))
      assert.deepStrictEqual(outcome, { inserted: 4, updated: 0, unchanged: 0 })

      const stored = yield* sql<{
        readonly timeIndex: Date
        readonly sensor: string
        readonly reading: number
        readonly total: bigint
        readonly amount: string
        readonly note: string | null
        readonly payload: string | null
        readonly ref: string
        readonly tags: string | null
        readonly source: string
      }>`SELECT time_index AS "timeIndex", sensor, reading, total, amount::text AS amount, note,
          payload::text AS payload, ref::text AS ref, tags::text AS tags, source
        FROM persist__readings ORDER BY sensor, time_index`
      assert.strictEqual(stored.length, 4)
      const expected = [rows[0]!, rows[1]!, rows[2]!, rows[3]!]
      stored.forEach((row, index) => {
        const given = expected[index]!
        assert.strictEqual(row.timeIndex.toISOString(), given["timeIndex"]!.replace("000Z", "Z"))
        assert.strictEqual(row.sensor, given["sensor"])
        assert.strictEqual(row.reading, Number(given["reading"]))
        assert.strictEqual(row.total, BigInt(given["total"]!))
        assert.strictEqual(row.amount, given["amount"])
        assert.strictEqual(row.note, given["note"])
        assert.strictEqual(row.payload, given["payload"])
        assert.strictEqual(row.ref, given["ref"])
        assert.strictEqual(row.tags, given["tags"])
        assert.strictEqual(row.source, "feed")
      })
      const [tags] = yield* sql<{ readonly tags: ReadonlyArray<string> }>`
        SELECT tags FROM persist__readings WHERE sensor = 'alpha' AND time_index = '2024-01-01T00:00:00Z'`
      assert.deepStrictEqual(tags?.tags, ["a b", "c,d", "\"e\""])
    }))

  it.effect("re-persisting the same batch counts every row unchanged and rewrites nothing", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* storedReadings
      const rows = firstReadings()
      const before = yield* versions("persist__readings")
      const outcome = yield* sql.withTransaction(upsertBatch(readings, batchOf(readings, rows)))
      assert.deepStrictEqual(outcome, { inserted: 0, updated: 0, unchanged: 4 })
      assert.deepStrictEqual(yield* versions("persist__readings"), before)
    }))

  it.effect("rewrites only the rows whose values changed, nulls included", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* storedReadings
      const versionOf = (sensor: string, n: number) =>
        Effect.map(
          sql.unsafe<{ readonly version: string }>(
            `SELECT ctid::text || '/' || xmin::text AS version FROM persist__readings WHERE sensor = $1 AND time_index = $2::timestamptz`,
            [sensor, day(n)]
          ),
          (rows) => rows[0]?.version
        )
      const untouched = yield* versionOf("beta", 3)
      const rows = [
        reading(0, "alpha", { reading: "42.5" }),
        reading(1, "alpha", { payload: null, note: "now a note" }),
        reading(0, "beta", { tags: null, amount: null }),
        reading(3, "beta"),
        reading(4, "beta")
      ]
      const outcome = yield* sql.withTransaction(upsertBatch(readings, batchOf(readings, rows)))
      assert.deepStrictEqual(outcome, { inserted: 1, updated: 3, unchanged: 1 })
      assert.strictEqual(yield* versionOf("beta", 3), untouched)

      const stored = yield* sql<{ readonly sensor: string; readonly reading: number; readonly note: string | null; readonly payload: string | null; readonly amount: string | null; readonly tags: string | null }>`
        SELECT sensor, reading, note, payload::text AS payload, amount::text AS amount, tags::text AS tags
        FROM persist__readings ORDER BY sensor, time_index`
      assert.deepStrictEqual(stored.map((row) => [row.sensor, row.reading]), [
        ["alpha", 42.5],
        ["alpha", 1.25],
        ["beta", 0.25],
        ["beta", 3.25],
        ["beta", 4.25]
      ])
      assert.strictEqual(stored[1]?.note, "now a note")
      assert.strictEqual(stored[1]?.payload, null)
      assert.strictEqual(stored[2]?.amount, null)
      assert.strictEqual(stored[2]?.tags, null)
    }))

  it.effect("a server-default column left out gets its default on insert and keeps its value on update", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* storedReadings
      yield* sql`UPDATE persist__readings SET source = 'manual' WHERE sensor = 'alpha'`
      const keys = Object.keys(reading(0, "x"))
      assert.notInclude(keys, "source")
      const rows = [reading(0, "alpha", { reading: "7.5" }), reading(9, "gamma")]
      const batch = batchOf(readings, rows, keys)
      assert.notInclude(batch.columns.map((column) => column.name), "source")
      const outcome = yield* sql.withTransaction(upsertBatch(readings, batch))
      assert.deepStrictEqual(outcome, { inserted: 1, updated: 1, unchanged: 0 })
      const stored = yield* sql<{ readonly sensor: string; readonly source: string; readonly reading: number }>`
        SELECT sensor, source, reading FROM persist__readings
        WHERE (sensor = 'alpha' AND time_index = '2024-01-01T00:00:00Z') OR sensor = 'gamma' ORDER BY sensor`
      assert.deepStrictEqual(stored.map((row) => [row.sensor, row.source, row.reading]), [
        ["alpha", "manual", 7.5],
        ["gamma", "feed", 9.25]
      ])

      // Written when the batch carries it, and then compared like any other value.
      const withSource = batchOf(readings, [reading(9, "gamma", { source: "backfill" })])
      assert.deepStrictEqual(yield* upsertBatch(readings, withSource), { inserted: 0, updated: 1, unchanged: 0 })
      assert.deepStrictEqual(yield* upsertBatch(readings, withSource), { inserted: 0, updated: 0, unchanged: 1 })
    }))

  it.effect("integer and uuid entities", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("shards", "devices")
      assert.deepStrictEqual(yield* upsertBatch(shards, batchOf(shards, shardRows())), { inserted: 9, updated: 0, unchanged: 0 })
      const changed = shardRows().map((row) => row.shard === "7" ? { ...row, value: "100" } : row)
      assert.deepStrictEqual(yield* upsertBatch(shards, batchOf(shards, changed)), { inserted: 0, updated: 3, unchanged: 6 })
      const [sum] = yield* sql<{ readonly total: bigint | number }>`SELECT sum(value) AS total FROM persist__shards WHERE shard = 7`
      assert.strictEqual(Number(sum?.total), 300)

      const deviceIds = ["00000000-0000-0000-0000-000000000001", "ffffffff-ffff-4fff-bfff-ffffffffffff"]
      const deviceRows = deviceIds.map((device, n) => ({ timeIndex: day(n), device, value: n === 0 ? null : "1.5" }))
      assert.deepStrictEqual(yield* upsertBatch(devices, batchOf(devices, deviceRows)), { inserted: 2, updated: 0, unchanged: 0 })
      const again = deviceRows.map((row) => ({ ...row, value: "1.5" }))
      assert.deepStrictEqual(yield* upsertBatch(devices, batchOf(devices, again)), { inserted: 0, updated: 1, unchanged: 1 })
      const stored = yield* sql<{ readonly device: string; readonly value: number }>`
        SELECT device::text AS device, value FROM persist__devices ORDER BY device`
      assert.deepStrictEqual(stored.map((row) => [row.device, row.value]), [[deviceIds[0], 1.5], [deviceIds[1], 1.5]])
    }))

  it.effect("json, jsonb, arrays, numeric, timestamptz, date, uuid and enum values round-trip through validation", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("kinds")
      const doc = { b: 1, a: [1, "two", null], s: "quote \" backslash \\ brace {x} comma," }
      const full = {
        timeIndex: new Date("2024-03-01T10:00:00Z"),
        item: "a",
        seen: "2024-03-01T10:00:00.123456+02:00",
        seenMs: "2024-03-01T10:00:00.1235Z",
        onDay: "2024-02-29",
        amount: "12.3456",
        loose: "12.50",
        doc,
        raw: { z: 1, a: "{\"}" },
        ref: "0190E6A4-7B1C-7DEF-8A00-0000000000AA",
        flag: true,
        mood: "odd \"one\", {x}",
        moods: ["calm", "odd \"one\", {x}", null],
        grid: [[1, 2], [3, null]],
        prices: [1.5, "2.005", null],
        spot: "(1.5,-2)",
        area: "(2,2),(0,0)",
        span: "1 day 02:03:04.5",
        addr: "192.168.0.1/24"
      }
      const sparse = { timeIndex: "2024-03-01T10:00:00Z", item: "b", flag: false }
      const first = validated(kinds, [full, sparse])
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(kinds, first)), { inserted: 2, updated: 0, unchanged: 0 })

      const stored = yield* sql<Record<string, string | null>>`
        SELECT item,
          to_char(seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS seen,
          to_char(seen_ms AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "seenMs",
          on_day::text AS "onDay", amount::text AS amount, loose::text AS loose, doc::text AS doc, raw::text AS raw,
          ref::text AS ref, flag::text AS flag, mood::text AS mood,
          array_to_json(moods)::text AS moods, grid::text AS grid, prices::text AS prices, spot::text AS spot,
          area::text AS area, extract(epoch FROM span)::text AS span, addr::text AS addr
        FROM persist__kinds ORDER BY item`
      assert.deepStrictEqual(stored[0], {
        item: "a",
        seen: "2024-03-01T08:00:00.123456Z",
        seenMs: "2024-03-01T10:00:00.124000Z",
        onDay: "2024-02-29",
        amount: "12.346",
        loose: "12.50",
        doc: stored[0]!["doc"]!,
        raw: JSON.stringify(full.raw),
        ref: "0190e6a4-7b1c-7def-8a00-0000000000aa",
        flag: "true",
        mood: "odd \"one\", {x}",
        moods: JSON.stringify(full.moods),
        grid: "{{1,2},{3,NULL}}",
        prices: "{1.50,2.01,NULL}",
        spot: "(1.5,-2)",
        area: "(2,2),(0,0)",
        span: "93784.500000",
        addr: "192.168.0.1/24"
      })
      assert.deepStrictEqual(JSON.parse(stored[0]!["doc"]!), doc)
      assert.deepStrictEqual(stored[1], {
        item: "b",
        seen: null,
        seenMs: null,
        onDay: null,
        amount: null,
        loose: null,
        doc: null,
        raw: null,
        ref: null,
        flag: "false",
        mood: null,
        moods: null,
        grid: null,
        prices: null,
        spot: null,
        area: null,
        span: null,
        addr: null
      })

      // The same rows again, as any node's re-run would give them: nothing rewritten.
      const before = yield* versions("persist__kinds")
      const again = validated(kinds, [full, sparse])
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(kinds, again)), { inserted: 0, updated: 0, unchanged: 2 })
      assert.deepStrictEqual(yield* versions("persist__kinds"), before)

      // jsonb compares as a value (key order is not part of it); json compares as its text.
      const reordered = { ...full, doc: { s: doc.s, a: doc.a, b: doc.b } }
      const rawChanged = { ...sparse, raw: { a: 1 } }
      const third = { ...sparse, item: "c", moods: [], grid: [], prices: [] }
      const next = validated(kinds, [reordered, rawChanged, third])
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(kinds, next)), { inserted: 1, updated: 1, unchanged: 1 })

      // Each typed column changed on its own counts the row as updated.
      const changes: ReadonlyArray<Record<string, unknown>> = [
        { seen: "2024-03-01T08:00:00.123457Z" },
        { seenMs: "2024-03-01T10:00:00.125Z" },
        { onDay: "2024-03-01" },
        { amount: "12.347" },
        { doc: { ...doc, b: 2 } },
        { raw: { a: "{\"}", z: 1 } },
        { ref: "0190e6a4-7b1c-7def-8a00-0000000000ab" },
        { flag: false },
        { mood: "calm" },
        { moods: ["calm", "odd \"one\", {x}"] },
        { grid: [[1, 2], [3, 4]] },
        { prices: [1.5, "2.01", 0] },
        { prices: null },
        { spot: "(1.5,-2.5)" },
        { area: "(5,2),(3,0)" }, // the same area: only its text tells it changed
        { span: "1 day 02:03:04.25" },
        { addr: "192.168.0.2/24" }
      ]
      let current: Record<string, unknown> = full
      for (const change of changes) {
        current = { ...current, ...change }
        const outcome = yield* sql.withTransaction(upsertBatch(kinds, validated(kinds, [current])))
        assert.deepStrictEqual(outcome, { inserted: 0, updated: 1, unchanged: 0 }, JSON.stringify(change))
        const repeat = yield* sql.withTransaction(upsertBatch(kinds, validated(kinds, [current])))
        assert.deepStrictEqual(repeat, { inserted: 0, updated: 0, unchanged: 1 }, JSON.stringify(change))
      }
    }))

  it.effect("rows inserted and then changed in one transaction count as inserted, then updated", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("shards")
      const rows = [{ timeIndex: day(0), shard: "11", value: "1" }, { timeIndex: day(1), shard: "11", value: "1" }]
      const outcomes = yield* sql.withTransaction(Effect.gen(function*() {
        const inserted = yield* upsertBatch(shards, batchOf(shards, rows))
        const changed = yield* upsertBatch(shards, batchOf(shards, [rows[0]!, { ...rows[1]!, value: "2" }]))
        const same = yield* upsertBatch(shards, batchOf(shards, [rows[0]!, { ...rows[1]!, value: "2" }]))
        return [inserted, changed, same]
      }))
      assert.deepStrictEqual(outcomes, [
        { inserted: 2, updated: 0, unchanged: 0 },
        { inserted: 0, updated: 1, unchanged: 1 },
        { inserted: 0, updated: 0, unchanged: 2 }
      ])
    }))

  it.effect("one batch mixing a backfill, a change, a repeat and an append", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      // Stored before: shards 7, -3 and 2147483647 over days 0 to 2, shard 7 valued 100.
      yield* freshTables("shards")
      const before = shardRows().map((row) => row["shard"] === "7" ? { ...row, value: "100" } : row)
      yield* upsertBatch(shards, batchOf(shards, before))
      const rows = [
        { timeIndex: day(0), shard: "12", value: "5" },
        { timeIndex: day(1), shard: "7", value: "101" },
        { timeIndex: day(2), shard: "-3", value: "2" },
        { timeIndex: day(30), shard: "7", value: "5" }
      ]
      const outcome = yield* sql.withTransaction(upsertBatch(shards, batchOf(shards, rows)))
      assert.deepStrictEqual(outcome, { inserted: 2, updated: 1, unchanged: 1 })
      const stored = yield* sql<{ readonly shard: number; readonly value: number }>`
        SELECT shard, value FROM persist__shards
        WHERE (shard = 12 AND time_index = ${day(0)}::timestamptz) OR (shard = 7 AND time_index IN (${day(1)}::timestamptz, ${day(30)}::timestamptz))
        ORDER BY time_index, shard`
      assert.deepStrictEqual(stored.map((row) => [row.shard, row.value]), [[12, 5], [7, 101], [7, 5]])
      assert.deepStrictEqual(
        yield* sql.withTransaction(upsertBatch(shards, batchOf(shards, rows))),
        { inserted: 0, updated: 0, unchanged: 4 }
      )
    }))

  it.effect("a merge stages its batch by COPY where its time range holds about its rows, else probes row by row", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("shards")
      yield* sql.withTransaction(upsertBatch(shards, batchOf(shards, shardRows())))
      // Rows this transaction put in staging tables (temporary, dropped at commit), read before it commits.
      const stagedIn = <A, E, R>(write: Effect.Effect<A, E, R>) =>
        sql.withTransaction(Effect.gen(function*() {
          const outcome = yield* write
          const [row] = yield* sql<{ readonly n: bigint | number | null }>`
            SELECT sum(n_tup_ins) AS n FROM pg_stat_xact_all_tables WHERE relname LIKE 'metatables_staging_%'`
          return [outcome, Number(row?.n ?? 0)] as const
        }))
      const before = yield* versions("persist__shards")
      // Days 0 to 2 hold the batch's nine rows: staged, and the range read once.
      assert.deepStrictEqual(
        yield* stagedIn(upsertBatch(shards, batchOf(shards, shardRows()))),
        [{ inserted: 0, updated: 0, unchanged: 9 }, 9]
      )
      assert.deepStrictEqual(yield* versions("persist__shards"), before, "unchanged rows are not rewritten")
      // One shard's three days, changed, in a range holding nine rows (more than twice the batch's three).
      const oneShard = shardRows().filter((row) => row["shard"] === "7").map((row) => ({ ...row, value: "70" }))
      assert.deepStrictEqual(
        yield* stagedIn(upsertBatch(shards, batchOf(shards, oneShard))),
        [{ inserted: 0, updated: 3, unchanged: 0 }, 0]
      )
      // Staged with a change, a new grain inside the range and an append past the table's end.
      const mixed = [
        ...shardRows().filter((row) => row["shard"] !== "7"),
        { timeIndex: day(1), shard: "8", value: "1" },
        { timeIndex: day(2), shard: "-3", value: "-1" },
        { timeIndex: day(3), shard: "7", value: "3" }
      ].filter((row, index, all) => all.findIndex((other) => other.timeIndex === row.timeIndex && other.shard === row.shard) === index)
      const [outcome, staged] = yield* stagedIn(upsertBatch(shards, batchOf(shards, mixed)))
      assert.strictEqual(staged, mixed.length)
      assert.deepStrictEqual(outcome, { inserted: 2, updated: 0, unchanged: mixed.length - 2 })
      const [changed] = yield* stagedIn(upsertBatch(shards, batchOf(shards, [{ timeIndex: day(2), shard: "-3", value: "-1" }])))
      assert.deepStrictEqual(changed, { inserted: 0, updated: 1, unchanged: 0 })
      assert.strictEqual(yield* count("persist__shards"), 11)
    }))

  it.effect("a grain index that does not lead with the time index", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("reversed")
      const rows = [
        { timeIndex: day(1), sensor: "a", value: "1" },
        { timeIndex: day(2), sensor: "a", value: "2" },
        { timeIndex: day(2), sensor: "b", value: null }
      ]
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(reversed, batchOf(reversed, rows))), { inserted: 3, updated: 0, unchanged: 0 })
      const before = yield* versions("persist__reversed")
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(reversed, batchOf(reversed, rows))), { inserted: 0, updated: 0, unchanged: 3 })
      assert.deepStrictEqual(yield* versions("persist__reversed"), before)
      const next = [
        { timeIndex: day(0), sensor: "a", value: "0" },
        rows[1]!,
        { ...rows[2]!, value: "3" },
        { timeIndex: day(3), sensor: "b", value: "4" }
      ]
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(reversed, batchOf(reversed, next))), { inserted: 2, updated: 1, unchanged: 1 })
      assert.strictEqual(yield* count("persist__reversed"), 5)
    }))

  if (backend === "postgres") {
    // The fast path inserts new rows without ON CONFLICT; a concurrent writer of the same grains makes it fail
    // with a unique violation once that writer commits, and the merge then takes over.
    it.effect("a concurrent writer of the same new rows: the later upsert waits, then counts what it finds", () =>
      TestClock.withLive(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* freshTables("shards")
        for (const [round, inTransaction] of [[0, true], [1, false]] as const) {
          const rows = [60, 61].map((n) => ({ timeIndex: day(n + round * 10), shard: "77", value: "1" }))
          const mine = [rows[0]!, { ...rows[1]!, value: "2" }]
          const inserted = yield* Deferred.make<void, SqlError>()
          const release = yield* Deferred.make<void>()
          const other = yield* Effect.forkChild(sql.withTransaction(Effect.gen(function*() {
            const outcome = yield* upsertBatch(shards, batchOf(shards, rows)).pipe(
              Effect.tapError((error) => Deferred.fail(inserted, error))
            )
            yield* Deferred.succeed(inserted, undefined)
            yield* Deferred.await(release)
            return outcome
          })))
          yield* Deferred.await(inserted)
          const upsert = upsertBatch(shards, batchOf(shards, mine))
          const later = yield* Effect.forkChild(inTransaction ? sql.withTransaction(upsert) : upsert)
          yield* someoneWaitsForALock
          yield* Deferred.succeed(release, undefined)
          assert.deepStrictEqual(yield* Fiber.join(other), { inserted: 2, updated: 0, unchanged: 0 })
          assert.deepStrictEqual(yield* Fiber.join(later), { inserted: 0, updated: 1, unchanged: 1 }, `round ${round}`)
          const stored = yield* sql<{ readonly value: number }>`
            SELECT value FROM persist__shards WHERE shard = 77 AND time_index >= ${rows[0]!.timeIndex}::timestamptz
              AND time_index <= ${rows[1]!.timeIndex}::timestamptz ORDER BY time_index`
          assert.deepStrictEqual(stored.map((row) => row.value), [1, 2])
        }
      })))
  }

  it.effect("a batch of grain columns only inserts what is new and leaves the rest", () =>
    Effect.gen(function*() {
      yield* freshTables("events")
      const first = batchOf(events, [{ timeIndex: day(0), origin: "a" }, { timeIndex: day(1), origin: "a" }])
      assert.deepStrictEqual(yield* upsertBatch(events, first), { inserted: 2, updated: 0, unchanged: 0 })
      const before = yield* versions("persist__events")
      const second = batchOf(events, [{ timeIndex: day(0), origin: "a" }, { timeIndex: day(1), origin: "a" }, { timeIndex: day(1), origin: "b" }])
      assert.deepStrictEqual(yield* upsertBatch(events, second), { inserted: 1, updated: 0, unchanged: 2 })
      const after = yield* versions("persist__events")
      assert.strictEqual(after.length, 3)
      assert.includeMembers(after, before)
    }))

  it.effect("quotes schema, table, column and enum type names", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("hostile")
      const rows = [
        { at: day(0), entity: "x \"y\"", value: "1", choice: "a", kind: "c,\"d\"", kinds: `{"a b","c,\\"d\\"",NULL,"NULL"}` },
        { at: day(0), entity: "z", value: null, choice: null, kind: "NULL", kinds: null }
      ]
      assert.deepStrictEqual(yield* upsertBatch(hostile, batchOf(hostile, rows)), { inserted: 2, updated: 0, unchanged: 0 })
      const changed = [{ ...rows[0]!, value: "2" }, { ...rows[1]!, kind: "a b" }]
      assert.deepStrictEqual(yield* upsertBatch(hostile, batchOf(hostile, changed)), { inserted: 0, updated: 2, unchanged: 0 })
      assert.deepStrictEqual(yield* upsertBatch(hostile, batchOf(hostile, changed)), { inserted: 0, updated: 0, unchanged: 2 })
      const stored = yield* sql.unsafe<{
        readonly entity: string
        readonly value: number | null
        readonly choice: string | null
        readonly kind: string
        readonly kinds: string | null
      }>(
        `SELECT "the ""entity""" AS entity, "value, ""quoted""" AS value, "select" AS choice, "kind"::text AS kind,
           array_to_json("kinds")::text AS kinds
         FROM "Odd Schema"."Odd ""quoted"" Table" ORDER BY 1`
      )
      assert.deepStrictEqual(stored.map((row) => [row.entity, row.value, row.choice, row.kind, row.kinds]), [
        ["x \"y\"", 2, "a", "c,\"d\"", JSON.stringify(["a b", "c,\"d\"", null, "NULL"])],
        ["z", null, null, "a b", null]
      ])
    }))

  it.effect("a failing statement inside the caller's transaction leaves nothing", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* storedReadings
      const before = yield* count("persist__readings")
      const fine = batchOf(readings, [reading(20, "delta")])
      const rejected = batchOf(readings, [reading(21, "delta"), reading(22, "delta", { reading: "not a number" })])
      const error = yield* Effect.flip(sql.withTransaction(Effect.andThen(upsertBatch(readings, fine), upsertBatch(readings, rejected))))
      assert.strictEqual(error._tag, "SqlError")
      assert.strictEqual(yield* count("persist__readings"), before)

      // A NOT NULL violation only a hand-built batch can carry (the validator refuses it).
      const nullReading = batchOf(readings, [reading(23, "delta"), reading(24, "delta", { reading: null })])
      const violation = yield* Effect.flip(sql.withTransaction(Effect.andThen(upsertBatch(readings, fine), upsertBatch(readings, nullReading))))
      assert.strictEqual(violation._tag, "SqlError")
      assert.strictEqual(yield* count("persist__readings"), before)

      // The same through the merge (rows before the table's last time index), and a change written before it.
      const storedAlpha = yield* versions("persist__readings")
      const change = batchOf(readings, [reading(0, "alpha", { reading: "-5" })])
      const rejectedMerge = batchOf(readings, [reading(1, "alpha", { reading: "-6" }), reading(2, "alpha", { amount: "x" })])
      const merged = yield* Effect.flip(sql.withTransaction(Effect.andThen(upsertBatch(readings, change), upsertBatch(readings, rejectedMerge))))
      assert.strictEqual(merged._tag, "SqlError")
      assert.deepStrictEqual(yield* versions("persist__readings"), storedAlpha)

      // Outside a transaction the statement alone is atomic.
      const alone = yield* Effect.flip(upsertBatch(readings, rejected))
      assert.strictEqual(alone._tag, "SqlError")
      assert.strictEqual(yield* count("persist__readings"), before)
    }))

  it.effect("an empty batch counts nothing and runs no statement", () =>
    Effect.gen(function*() {
      // The table does not exist: any statement would fail.
      const missing: RowShape = { ...readings, table: "persist__does_not_exist" }
      const outcome = yield* upsertBatch(missing, batchOf(missing, []))
      assert.deepStrictEqual(outcome, { inserted: 0, updated: 0, unchanged: 0 })
    }))

  it.effect("a batch of 50,000 rows inserts, re-persists unchanged, and updates a quarter", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* freshTables("readings")
      const size = 50_000
      const sensors = 500
      const rows = Array.from({ length: size }, (_, index) =>
        reading(100 + Math.floor(index / sensors), `bulk-${index % sensors}`, { payload: JSON.stringify({ index }) }))
      const batch = batchOf(readings, rows)
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(readings, batch)), { inserted: size, updated: 0, unchanged: 0 })
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(readings, batch)), { inserted: 0, updated: 0, unchanged: size })
      const changed = batchOf(readings, rows.map((row, index) => index % 4 === 0 ? { ...row, reading: "-1" } : row))
      assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(readings, changed)), { inserted: 0, updated: size / 4, unchanged: size * 3 / 4 })
      const [summary] = yield* sql<{ readonly rows: bigint | number; readonly negative: bigint | number; readonly last: string }>`
        SELECT count(*) AS rows, count(*) FILTER (WHERE reading = -1) AS negative,
          max(payload::text) FILTER (WHERE sensor = ${`bulk-${sensors - 1}`} AND time_index = ${day(100 + size / sensors - 1)}::timestamptz) AS last
        FROM persist__readings WHERE sensor LIKE 'bulk-%'`
      assert.strictEqual(Number(summary?.rows), size)
      assert.strictEqual(Number(summary?.negative), size / 4)
      assert.strictEqual(summary?.last, JSON.stringify({ index: size - 1 }))
    }))
})
