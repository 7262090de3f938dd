/**
 * Row validation, pure and in memory: every batch a DataNode returns is checked against its table's contract
 * (rows are plain objects, grain columns present, the time index a real instant stored as UTC, declared
 * columns only, each column's type, NOT NULL and defaults, one row per grain) and comes back either as the
 * text PostgreSQL reads per column with the batch's time ranges, or as one error naming the node, row,
 * column, what was found and what was expected, with nothing of the batch kept. Values that sit on
 * PostgreSQL's edges (fraction rounding, offsets, numeric scales) are asserted as PostgreSQL stores them.
 */
import { assert, describe, it } from "@effect/vitest"
import { sql } from "drizzle-orm"
import {
  type AnyPgColumnBuilder,
  bigint,
  boolean,
  char,
  date,
  doublePrecision,
  integer,
  interval,
  json,
  jsonb,
  numeric,
  pgEnum,
  real,
  smallint,
  text,
  timestamp,
  uuid,
  varchar
} from "drizzle-orm/pg-core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import {
  type AnyStorageTable,
  type BatchContext,
  canonicalInstant,
  entityKeyOf,
  PlatformTimeIndexMetaTable,
  type RowShape,
  rowShapeOf,
  RowValidationError,
  validateBatch,
  type ValidatedBatch
} from "../../src/index.ts"

// ---------------------------------------------------------------------------------------------------------
// Tables and helpers

type Reason = RowValidationError["reason"]

const info = (label: string) => ({ label, description: `${label} of the row.` })

/** A label and a description for every column of `columns`, as the definers require. */
const infoFor = <C extends object>(columns: C) =>
  Object.fromEntries(Object.keys(columns).map((key) => [key, info(key)])) as { [K in keyof C]: ReturnType<typeof info> }

const timeIndex = () => timestamp("time_index", { withTimezone: true }).notNull()

const mood = pgEnum("rowvalidation_mood", ["calm", "tense"])

const readingsColumns = {
  timeIndex: timeIndex(),
  sensor: varchar({ length: 8 }).notNull(),
  seenAt: timestamp("seen_at", { withTimezone: true }),
  seenMs: timestamp("seen_ms", { withTimezone: true, precision: 3 }),
  seenSecond: timestamp("seen_second", { withTimezone: true, precision: 0 }),
  wall: timestamp(),
  wallCentis: timestamp("wall_centis", { precision: 2 }),
  day: date(),
  float64: doublePrecision(),
  float32: real(),
  int16: smallint(),
  int32: integer(),
  int64: bigint({ mode: "bigint" }),
  amount: numeric({ precision: 6, scale: 2 }),
  whole: numeric({ precision: 4 }),
  hundreds: numeric({ precision: 5, scale: -2 }),
  tiny: numeric({ precision: 3, scale: 5 }),
  ratio: numeric(),
  code: varchar({ length: 3 }),
  letter: char(),
  padded: char({ length: 4 }),
  note: text(),
  flag: boolean(),
  ref: uuid(),
  doc: json(),
  docb: jsonb(),
  tags: text().array(),
  codes: varchar({ length: 2 }).array(),
  grid: integer().array("[][]"),
  span: interval(),
  mood: mood()
}

/** One nullable value column per type validation knows, on a grain of the time index and a sensor. */
class Readings extends PlatformTimeIndexMetaTable<Readings>()({
  name: "rowvalidation__readings",
  namespace: "tests",
  identifier: "tests.readings",
  description: "A column of every type row validation encodes.",
  indexNames: ["time_index", "sensor"],
  columns: readingsColumns,
  columnInfo: infoFor(readingsColumns)
}) {}

const defaultsColumns = {
  timeIndex: timeIndex(),
  sensor: varchar({ length: 8 }).notNull(),
  required: integer().notNull(),
  optional: text(),
  source: varchar({ length: 16 }).notNull().default("feed"),
  remark: text().default("none"),
  stamp: integer().$defaultFn(() => 7),
  total: integer().generatedAlwaysAs(sql`1`),
  id: integer().generatedAlwaysAsIdentity(),
  seq: integer().generatedByDefaultAsIdentity()
}

/** NOT NULL columns, server defaults, `$defaultFn`, a generated column and identities. */
class Defaults extends PlatformTimeIndexMetaTable<Defaults>()({
  name: "rowvalidation__defaults",
  namespace: "tests",
  identifier: "tests.defaults",
  description: "Columns with and without defaults.",
  indexNames: ["time_index", "sensor"],
  columns: defaultsColumns,
  columnInfo: infoFor(defaultsColumns)
}) {}

const positionsColumns = {
  timeIndex: timeIndex(),
  account: integer().notNull(),
  book: bigint({ mode: "bigint" }).notNull(),
  asset: uuid().notNull(),
  live: boolean().notNull(),
  weight: numeric().notNull(),
  quantity: doublePrecision()
}

/** A grain of five entity columns of different types. */
class Positions extends PlatformTimeIndexMetaTable<Positions>()({
  name: "rowvalidation__positions",
  namespace: "tests",
  identifier: "tests.positions",
  description: "Positions per account, book, asset, liveness and weight.",
  indexNames: ["time_index", "account", "book", "asset", "live", "weight"],
  columns: positionsColumns,
  columnInfo: infoFor(positionsColumns)
}) {}

/** A grain of the time index alone. */
class Series extends PlatformTimeIndexMetaTable<Series>()({
  name: "rowvalidation__series",
  namespace: "tests",
  identifier: "tests.series",
  description: "One value per instant.",
  columns: { timeIndex: timeIndex(), value: doublePrecision() },
  columnInfo: { timeIndex: info("Time"), value: info("Value") }
}) {}

const hostileColumns = {
  at: timestamp("Time \"Index\"", { withTimezone: true }).notNull(),
  entity: varchar("the \"entity\"", { length: 20 }).notNull(),
  "value \"x\"": doublePrecision("Value, \"quoted\""),
  constructor: text("constructor")
}

/** Names a user may legally choose: quotes, spaces and commas in every name, a property named `constructor`. */
class Hostile extends PlatformTimeIndexMetaTable<Hostile>()({
  name: "Odd \"quoted\" Table",
  schema: "Odd \"Schema\"",
  namespace: "tests",
  identifier: "tests.\"hostile\"",
  description: "A table whose names need quoting.",
  timeIndex: "Time \"Index\"",
  indexNames: ["Time \"Index\"", "the \"entity\""],
  columns: hostileColumns,
  columnInfo: infoFor(hostileColumns)
}) {}

const shapeOf = (storage: AnyStorageTable): RowShape => {
  const shape = rowShapeOf(storage)
  if (shape === undefined) return assert.fail(`${storage.metadata.identifier} is not a time-index table`)
  return shape
}

/** A table keyed by the time index and one `entity` column of the given (NOT NULL) type. */
const keyedBy = (name: string, entity: AnyPgColumnBuilder): RowShape =>
  shapeOf(PlatformTimeIndexMetaTable()({
    name: `rowvalidation__keyed_by_${name}`,
    namespace: "tests",
    identifier: `tests.keyed_by_${name}`,
    description: `Rows keyed by a ${name}.`,
    indexNames: ["time_index", "entity"],
    columns: { timeIndex: timeIndex(), entity },
    columnInfo: { timeIndex: info("Time"), entity: info("Entity") }
  }))

const readings = shapeOf(Readings)
const defaults = shapeOf(Defaults)
const positions = shapeOf(Positions)
const series = shapeOf(Series)
const hostile = shapeOf(Hostile)

const context: BatchContext = { node: "tests.node", batch: 0, firstRow: 0 }

const accept = (shape: RowShape, rows: ReadonlyArray<unknown>, where: BatchContext = context): ValidatedBatch => {
  const result = validateBatch(shape, rows, where)
  if (Result.isFailure(result)) return assert.fail(`refused: ${result.failure.message}`)
  return result.success
}

const refuse = (shape: RowShape, rows: ReadonlyArray<unknown>, where: BatchContext = context): RowValidationError => {
  const result = validateBatch(shape, rows, where)
  if (Result.isSuccess(result)) return assert.fail("the batch was accepted")
  assert.instanceOf(result.failure, RowValidationError)
  return result.failure
}

/** The texts a batch writes for the column with property `key`. */
const valuesOf = (batch: ValidatedBatch, key: string): ReadonlyArray<string | null> => {
  const index = batch.columns.findIndex((column) => column.key === key)
  if (index === -1) return assert.fail(`the batch does not write ${key}`)
  return batch.values[index]!
}

const T1 = "2024-01-02T00:00:00.000000Z"
const T2 = "2024-01-03T00:00:00.000000Z"
const T3 = "2024-01-04T00:00:00.000000Z"

/** One reading with `key` set to `value`. */
const reading = (key: string, value: unknown) => ({ timeIndex: T1, sensor: "s1", [key]: value })
const encoded = (key: string, value: unknown) => valuesOf(accept(readings, [reading(key, value)]), key)[0]
const refusal = (key: string, value: unknown) => refuse(readings, [reading(key, value)])

/** A short, never-throwing rendering of a test input for test names. */
const show = (value: unknown): string => {
  if (typeof value === "bigint") return `${value}n`
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value)
  if (typeof value === "string") return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value)
  if (typeof value === "symbol" || typeof value === "function") return `a ${typeof value}`
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : `Date(${value.toISOString()})`
  try {
    const text = JSON.stringify(value)
    return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 60)}…` : text
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** Table-driven cases for one column: inputs it takes (with their text) and inputs it refuses (with why). */
const columnCases = (
  key: string,
  cases: {
    readonly takes?: ReadonlyArray<readonly [unknown, string]>
    readonly refuses?: ReadonlyArray<readonly [unknown, Reason]>
  }
) => {
  for (const [input, text] of cases.takes ?? []) {
    it(`takes ${show(input)} as ${JSON.stringify(text)}`, () => assert.strictEqual(encoded(key, input), text))
  }
  for (const [input, reason] of cases.refuses ?? []) {
    it(`refuses ${show(input)} (${reason})`, () => {
      const error = refusal(key, input)
      assert.strictEqual(error.column, key)
      assert.strictEqual(error.reason, reason)
    })
  }
}

// ---------------------------------------------------------------------------------------------------------
// The batch

describe("a valid batch", () => {
  it("holds each column's PostgreSQL text, in table order, with the batch's time range per entity", () => {
    const batch = accept(readings, [
      { timeIndex: "2024-01-03T02:00:00+02:00", sensor: "s1", float64: 1.5 },
      { timeIndex: new Date("2024-01-02T00:00:00Z"), sensor: "s1", int32: 7 },
      { timeIndex: T3, sensor: "s2", note: "hello" },
      { timeIndex: "2024-01-04 00:00Z", sensor: "s1" }
    ])
    assert.strictEqual(batch.rowCount, 4)
    assert.deepStrictEqual(batch.columns.map((column) => column.key), readings.columns.map((column) => column.key))
    assert.deepStrictEqual(valuesOf(batch, "timeIndex"), [T2, T1, T3, T3])
    assert.deepStrictEqual(valuesOf(batch, "sensor"), ["s1", "s1", "s2", "s1"])
    assert.deepStrictEqual(valuesOf(batch, "float64"), ["1.5", null, null, null])
    assert.deepStrictEqual(valuesOf(batch, "int32"), [null, "7", null, null])
    assert.deepStrictEqual(valuesOf(batch, "note"), [null, null, "hello", null])
    assert.strictEqual(batch.minTime, T1)
    assert.strictEqual(batch.maxTime, T3)
    assert.deepStrictEqual([...batch.entities], [
      ["[\"s1\"]", { entity: { sensor: "s1" }, first: T1, last: T3 }],
      ["[\"s2\"]", { entity: { sensor: "s2" }, first: T3, last: T3 }]
    ])
  })

  it("is empty for no rows: no time range, no entities, nothing to write", () => {
    const batch = accept(readings, [])
    assert.strictEqual(batch.rowCount, 0)
    assert.isUndefined(batch.minTime)
    assert.isUndefined(batch.maxTime)
    assert.strictEqual(batch.entities.size, 0)
    assert.isTrue(batch.values.every((column) => column.length === 0))
  })

  it("takes rows without a prototype and declared properties set to undefined (left out)", () => {
    const row = Object.assign(Object.create(null) as Record<string, unknown>, {
      timeIndex: T1,
      sensor: "s1",
      note: undefined
    })
    const batch = accept(readings, [row])
    assert.deepStrictEqual(valuesOf(batch, "note"), [null])
  })

  it("keys an entity of the time index alone by []", () => {
    const batch = accept(series, [{ timeIndex: T2, value: 1 }, { timeIndex: T1 }])
    assert.deepStrictEqual([...batch.entities], [["[]", { entity: {}, first: T1, last: T2 }]])
  })

  it("gives entity values as numbers (int16/int32), booleans (bool) and text (the rest)", () => {
    const batch = accept(positions, [{
      timeIndex: T1,
      account: 42n,
      book: 9007199254740993n,
      asset: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
      live: true,
      weight: "1.50"
    }])
    assert.deepStrictEqual([...batch.entities.values()][0]!.entity, {
      account: 42,
      book: "9007199254740993",
      asset: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
      live: true,
      weight: "1.5"
    })
    assert.deepStrictEqual(valuesOf(batch, "weight"), ["1.50"])
  })
})

describe("a refused batch", () => {
  it("names the node, table, batch, row in the output and in the batch, column, what was found and expected", () => {
    const rows = [
      { timeIndex: T1, sensor: "s1" },
      { timeIndex: T2, sensor: "s1" },
      { timeIndex: T3, sensor: "s1", int16: 40000 }
    ]
    const error = refuse(readings, rows, { node: "PricesNode", batch: 2, firstRow: 50 })
    assert.deepStrictEqual(
      {
        node: error.node,
        identifier: error.identifier,
        table: error.table,
        batch: error.batch,
        row: error.row,
        rowInBatch: error.rowInBatch,
        column: error.column,
        reason: error.reason,
        found: error.found,
        expected: error.expected,
        hint: error.hint,
        relatedRow: error.relatedRow
      },
      {
        node: "PricesNode",
        identifier: "tests.readings",
        table: "public.rowvalidation__readings",
        batch: 2,
        row: 52,
        rowInBatch: 2,
        column: "int16",
        reason: "out-of-range",
        found: "40000 (a number)",
        expected: "an integer from -32768 to 32767 (a number or a bigint)",
        hint: "",
        relatedRow: null
      }
    )
    assert.strictEqual(
      error.message,
      "DataNode \"PricesNode\" row 52 (batch 2, row 2), column \"int16\" of tests.readings " +
        "(public.rowvalidation__readings): expected an integer from -32768 to 32767 (a number or a bigint), " +
        "found 40000 (a number)."
    )
  })

  it("fails the whole batch on its first problem, whatever follows", () => {
    const error = refuse(readings, [
      { timeIndex: T1, sensor: "s1" },
      { timeIndex: T2, sensor: "s1", int32: "7" },
      { timeIndex: T3, sensor: "s1", int16: 1.5 }
    ])
    assert.strictEqual(error.rowInBatch, 1)
    assert.strictEqual(error.column, "int32")
  })

  it("reads a row's columns in table order: the first bad column is the one named", () => {
    const error = refuse(readings, [{ timeIndex: T1, sensor: "s1", note: 1, float64: "x" }])
    assert.strictEqual(error.column, "float64")
  })

  it("renders large values briefly", () => {
    const error = refusal("int32", "x".repeat(1000))
    assert.strictEqual(error.found, `${JSON.stringify("x".repeat(80))}… (a string of 1000 characters)`)
  })

  it.each([
    ["null", null, "null"],
    ["an array", [{ timeIndex: T1 }], "an array of 1 item"],
    ["a Date", new Date(T1), "the Date 2024-01-02T00:00:00.000Z"],
    ["a class instance", new (class Reading {})(), "an instance of Reading"],
    ["a Map", new Map(), "an instance of Map"],
    ["a string", "row", "\"row\" (a string)"],
    ["undefined", undefined, "undefined"]
  ])("refuses %s as a row", (_, row, found) => {
    const error = refuse(readings, [{ timeIndex: T1, sensor: "s1" }, row])
    assert.strictEqual(error.reason, "not-a-row")
    assert.strictEqual(error.rowInBatch, 1)
    assert.isNull(error.column)
    assert.strictEqual(error.found, found)
    assert.include(error.expected, "a plain object keyed by timeIndex, sensor, seenAt")
  })
})

// ---------------------------------------------------------------------------------------------------------
// Rules

describe("grain columns present", () => {
  it.each([
    ["the time index left out", { sensor: "s1" }, "timeIndex", "missing-value"],
    ["the time index undefined", { timeIndex: undefined, sensor: "s1" }, "timeIndex", "missing-value"],
    ["the time index null", { timeIndex: null, sensor: "s1" }, "timeIndex", "null-value"],
    ["an entity column left out", { timeIndex: T1 }, "sensor", "missing-value"],
    ["an entity column null", { timeIndex: T1, sensor: null }, "sensor", "null-value"]
  ] as const)("refuses %s", (_, row, column, reason) => {
    const error = refuse(readings, [row])
    assert.strictEqual(error.column, column)
    assert.strictEqual(error.reason, reason)
    assert.strictEqual(error.expected, "a value in every row: the column is part of the grain (timeIndex, sensor)")
  })

  it("says what was found for a column left out", () => {
    assert.strictEqual(refuse(readings, [{ timeIndex: T1 }]).found, "nothing (the row leaves it out)")
  })

  it("requires every entity column of a wide grain", () => {
    const asset = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    const error = refuse(positions, [{ timeIndex: T1, account: 1, book: 1n, asset, live: false }])
    assert.strictEqual(error.column, "weight")
    assert.strictEqual(error.reason, "missing-value")
  })
})

describe("the time index: a real instant, stored as UTC", () => {
  const timeCases: ReadonlyArray<readonly [unknown, string]> = [
    [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000Z"],
    ["2024-01-02T03:04:05.678901Z", "2024-01-02T03:04:05.678901Z"],
    ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000000Z"],
    ["2024-01-02T03:04Z", "2024-01-02T03:04:00.000000Z"],
    ["2024-01-02t03:04:05z", "2024-01-02T03:04:05.000000Z"],
    ["2024-01-02 03:04:05.5Z", "2024-01-02T03:04:05.500000Z"],
    ["2024-01-02T03:04:05+02:00", "2024-01-02T01:04:05.000000Z"],
    ["2024-01-02T03:04:05+0200", "2024-01-02T01:04:05.000000Z"],
    ["2024-01-02T03:04:05+02", "2024-01-02T01:04:05.000000Z"],
    ["2024-01-02T03:04:05-05:30", "2024-01-02T08:34:05.000000Z"],
    ["2024-01-02T00:30:00+01:00", "2024-01-01T23:30:00.000000Z"],
    ["2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00.000000Z"],
    ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000000Z"],
    ["2024-01-02T03:04:05.123456789+02:00", "2024-01-02T01:04:05.123457Z"],
    ["2024-01-01T00:00:00+15:59", "2023-12-31T08:01:00.000000Z"],
    ["2024-01-01T00:00:00-15:59", "2024-01-01T15:59:00.000000Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"],
    ["9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"],
    [new Date("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00.000000Z"],
    [new Date(-1), "1969-12-31T23:59:59.999000Z"]
  ]
  for (const [input, text] of timeCases) {
    it(`stores ${show(input)} as ${text}`, () => assert.strictEqual(encoded("timeIndex", input), text))
  }

  it("gives rows that share an instant the same text, however it is given", () => {
    const instant = new Date("2024-01-02T03:04:05.678Z")
    const batch = accept(readings, [
      { timeIndex: instant, sensor: "s1" },
      { timeIndex: new Date(instant.getTime()), sensor: "s2" },
      { timeIndex: "2024-01-02T04:04:05.678+01:00", sensor: "s3" },
      { timeIndex: instant, sensor: "s4" }
    ])
    assert.deepStrictEqual(new Set(valuesOf(batch, "timeIndex")), new Set(["2024-01-02T03:04:05.678000Z"]))
  })

  it("keeps canonical text as it is", () => {
    const text = "2024-01-02T03:04:05.678901Z"
    assert.strictEqual(valuesOf(accept(readings, [{ timeIndex: text, sensor: "s1" }]), "timeIndex")[0], text)
  })

  // What PostgreSQL 17 stores for these: it reads the fraction as a double and takes rint(fraction * 1e6).
  it.each([
    ["2024-01-01T00:00:00.1234565Z", "2024-01-01T00:00:00.123456Z"],
    ["2024-01-01T00:00:00.0000005Z", "2024-01-01T00:00:00.000000Z"],
    ["2024-01-01T00:00:00.0000015Z", "2024-01-01T00:00:00.000002Z"],
    ["2024-01-01T00:00:00.0000025Z", "2024-01-01T00:00:00.000002Z"],
    ["2024-01-01T00:00:00.12345651Z", "2024-01-01T00:00:00.123457Z"],
    ["2024-12-31T23:59:59.9999996Z", "2025-01-01T00:00:00.000000Z"],
    ["2024-01-01T00:59:59.9999996+01:00", "2024-01-01T00:00:00.000000Z"]
  ])("rounds the fraction of %s like PostgreSQL: %s", (input, text) => {
    assert.strictEqual(valuesOf(accept(readings, [{ timeIndex: input, sensor: "s1" }]), "timeIndex")[0], text)
  })

  const addOffset = "add an offset: Z for UTC (2024-01-02T00:00:00Z) or the offset of the local time (+02:00)"
  it.each([
    ["2024-01-02", "add a time and an offset: 2024-01-02T00:00:00Z"],
    ["2024-01-02T03:04:05", addOffset],
    ["2024-01-02 03:04:05.123456", addOffset]
  ])("refuses the naive %s and says how to fix it", (input, hint) => {
    const error = refuse(readings, [{ timeIndex: input, sensor: "s1" }])
    assert.strictEqual(error.column, "timeIndex")
    assert.strictEqual(error.reason, "naive-instant")
    assert.strictEqual(error.found, `${JSON.stringify(input)} (a string)`)
    assert.strictEqual(error.expected, "a Date or an ISO-8601 string with a UTC offset, like 2024-01-02T00:00:00Z")
    assert.strictEqual(error.hint, hint)
  })

  it.each<readonly [unknown, Reason]>([
    ["yesterday", "invalid-value"],
    ["", "invalid-value"],
    ["2024-1-2T00:00:00Z", "invalid-value"],
    ["2024/01/02T00:00:00Z", "invalid-value"],
    ["2024-01-02X00:00:00Z", "invalid-value"],
    ["2024-01-02T3:04:05Z", "invalid-value"],
    ["2024-01-02T03:04:05.Z", "invalid-value"],
    ["2024-01-02T03:04:05 Z", "invalid-value"],
    ["2024-01-02T03:04:05+02:00:00", "invalid-value"],
    ["2024-01-02T03:04:05+2", "invalid-value"],
    ["2024-01-02T03:04:05+02:60", "invalid-value"],
    ["2024-01-02T03:04:05+16:00", "invalid-value"],
    ["2024-01-02T03:04:05Zjunk", "invalid-value"],
    ["2023-02-29T00:00:00Z", "invalid-value"],
    ["2024-13-01T00:00:00Z", "invalid-value"],
    ["2024-04-31T00:00:00Z", "invalid-value"],
    ["2024-01-02T24:00:00Z", "invalid-value"],
    ["2024-01-02T23:60:00Z", "invalid-value"],
    ["2024-01-02T23:59:60Z", "invalid-value"],
    ["0000-12-31T00:00:00Z", "out-of-range"],
    ["0001-01-01T00:30:00+01:00", "out-of-range"],
    ["9999-12-31T23:30:00-01:00", "out-of-range"],
    ["9999-12-31T23:59:59.9999995Z", "out-of-range"],
    [new Date(Number.NaN), "invalid-value"],
    [new Date("0000-12-31T23:59:59.999Z"), "out-of-range"],
    [new Date("+010000-01-01T00:00:00Z"), "out-of-range"],
    [1704153600000, "wrong-type"],
    [1704153600000n, "wrong-type"],
    [{ iso: T1 }, "wrong-type"],
    [true, "wrong-type"]
  ])("refuses %s (%s)", (input, reason) => {
    const error = refuse(readings, [{ timeIndex: input, sensor: "s1" }])
    assert.strictEqual(error.column, "timeIndex")
    assert.strictEqual(error.reason, reason)
  })

  it("says what an invalid Date is", () => {
    assert.strictEqual(refuse(readings, [{ timeIndex: new Date(Number.NaN), sensor: "s1" }]).found, "an invalid Date")
  })
})

describe("timestamp with time zone value columns", () => {
  columnCases("seenAt", {
    takes: [
      ["2024-01-02T03:04:05.000006-01:00", "2024-01-02T04:04:05.000006Z"],
      [new Date("2024-01-02T03:04:05.006Z"), "2024-01-02T03:04:05.006000Z"]
    ],
    refuses: [["2024-01-02T03:04:05", "naive-instant"], [0, "wrong-type"]]
  })

  it("stores null as NULL: the column is nullable", () => assert.isNull(encoded("seenAt", null)))

  describe("rounded like PostgreSQL to the declared precision, half away from 2000-01-01", () => {
    columnCases("seenMs", {
      takes: [
        ["2024-01-02T03:04:05.1234Z", "2024-01-02T03:04:05.123000Z"],
        ["2024-01-02T03:04:05.1235Z", "2024-01-02T03:04:05.124000Z"],
        ["2024-01-02T03:04:05.9995Z", "2024-01-02T03:04:06.000000Z"],
        ["1999-12-31T23:59:59.9995Z", "1999-12-31T23:59:59.999000Z"],
        ["1999-12-31T23:59:59.9996Z", "2000-01-01T00:00:00.000000Z"],
        [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000Z"]
      ]
    })
    columnCases("seenSecond", {
      takes: [
        ["2024-01-02T10:00:00.5Z", "2024-01-02T10:00:01.000000Z"],
        ["2024-01-02T10:00:00.4999Z", "2024-01-02T10:00:00.000000Z"],
        ["1999-12-31T23:59:59.5Z", "1999-12-31T23:59:59.000000Z"],
        ["1999-12-31T23:59:59.5001Z", "2000-01-01T00:00:00.000000Z"],
        ["2024-12-31T23:59:59.5Z", "2025-01-01T00:00:00.000000Z"],
        ["2024-01-02T12:00:00.5+02:00", "2024-01-02T10:00:01.000000Z"],
        [new Date("2024-01-02T10:00:00.500Z"), "2024-01-02T10:00:01.000000Z"],
        [new Date("1999-12-31T23:59:59.500Z"), "1999-12-31T23:59:59.000000Z"],
        [new Date("1969-12-31T23:59:59.700Z"), "1970-01-01T00:00:00.000000Z"]
      ],
      refuses: [
        ["9999-12-31T23:59:59.5Z", "out-of-range"],
        [new Date("9999-12-31T23:59:59.500Z"), "out-of-range"]
      ]
    })
  })
})

describe("timestamp without time zone", () => {
  columnCases("wall", {
    takes: [
      ["2024-01-02T03:04:05", "2024-01-02T03:04:05.000000"],
      ["2024-01-02 03:04:05.123456", "2024-01-02T03:04:05.123456"],
      ["2024-01-02", "2024-01-02T00:00:00.000000"],
      ["2024-01-02T03:04", "2024-01-02T03:04:00.000000"],
      [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000"]
    ],
    refuses: [
      ["2024-01-02T03:04:05Z", "invalid-value"],
      ["2024-01-02T03:04:05+02:00", "invalid-value"],
      ["2024-02-30", "invalid-value"],
      ["0000-01-01", "out-of-range"],
      [new Date(Number.NaN), "invalid-value"],
      [20240102, "wrong-type"]
    ]
  })

  it("explains that an offset would be dropped", () => {
    const error = refusal("wall", "2024-01-02T03:04:05Z")
    assert.include(error.hint, "timestamp without time zone and would drop the offset")
    assert.strictEqual(error.expected, "a Date or an ISO-8601 date and time without an offset, like 2024-01-02T00:00:00")
  })

  columnCases("wallCentis", {
    takes: [
      ["2024-01-02T03:04:05.125", "2024-01-02T03:04:05.130000"],
      ["1999-12-31T23:59:59.995", "1999-12-31T23:59:59.990000"],
      ["2024-12-31T23:59:59.995", "2025-01-01T00:00:00.000000"]
    ]
  })
})

describe("date", () => {
  columnCases("day", {
    takes: [
      ["2024-02-29", "2024-02-29"],
      ["0001-01-01", "0001-01-01"],
      ["9999-12-31", "9999-12-31"],
      [new Date("2024-01-02T23:30:00-05:00"), "2024-01-03"],
      [new Date("2024-01-02T00:00:00Z"), "2024-01-02"]
    ],
    refuses: [
      ["2023-02-29", "invalid-value"],
      ["2024-00-10", "invalid-value"],
      ["2024-1-2", "invalid-value"],
      ["2024-01-02T00:00:00Z", "invalid-value"],
      ["20240102", "invalid-value"],
      ["0000-01-01", "out-of-range"],
      [new Date(Number.NaN), "invalid-value"],
      [new Date("+010000-01-01T00:00:00Z"), "out-of-range"],
      [20240102, "wrong-type"]
    ]
  })
})

describe("float64 (double precision): finite numbers, -0 kept", () => {
  columnCases("float64", {
    takes: [
      [1.5, "1.5"],
      [0, "0"],
      [-0, "-0"],
      [0.07, "0.07"],
      [-12.3, "-12.3"],
      [100, "100"],
      [0.1 + 0.2, "0.30000000000000004"],
      [1e300, "1e+300"],
      [5e-324, "5e-324"],
      [Number.MAX_SAFE_INTEGER, "9007199254740991"]
    ],
    refuses: [
      [Number.NaN, "invalid-value"],
      [Number.POSITIVE_INFINITY, "invalid-value"],
      [Number.NEGATIVE_INFINITY, "invalid-value"],
      ["1.5", "wrong-type"],
      [2n, "wrong-type"],
      [true, "wrong-type"]
    ]
  })

  it("expects a finite number", () => assert.strictEqual(refusal("float64", Number.NaN).expected, "a finite number"))
})

describe("float32 (real): finite and non-zero as a real", () => {
  columnCases("float32", {
    takes: [
      [1.5, "1.5"],
      [-0, "-0"],
      [3.4028234663852886e38, "3.4028234663852886e+38"],
      [1.4e-45, "1.4e-45"]
    ],
    refuses: [
      [3.5e38, "out-of-range"],
      [-3.5e38, "out-of-range"],
      [1e-46, "out-of-range"],
      [Number.NaN, "invalid-value"],
      [Number.POSITIVE_INFINITY, "invalid-value"],
      ["1.5", "wrong-type"]
    ]
  })
})

describe("integers", () => {
  describe("int16 (smallint)", () => {
    columnCases("int16", {
      takes: [[32767, "32767"], [-32768, "-32768"], [-0, "0"], [7n, "7"], [-32768n, "-32768"]],
      refuses: [
        [32768, "out-of-range"],
        [-32769, "out-of-range"],
        [32768n, "out-of-range"],
        [1.5, "invalid-value"],
        [Number.NaN, "invalid-value"],
        ["7", "wrong-type"],
        [true, "wrong-type"]
      ]
    })
  })

  describe("int32 (integer)", () => {
    columnCases("int32", {
      takes: [[2147483647, "2147483647"], [-2147483648, "-2147483648"], [2147483647n, "2147483647"]],
      refuses: [
        [2147483648, "out-of-range"],
        [-2147483649n, "out-of-range"],
        [0.5, "invalid-value"],
        [Number.POSITIVE_INFINITY, "invalid-value"],
        ["1", "wrong-type"]
      ]
    })
  })

  describe("int64 (bigint): safe numbers, bigints and decimal strings", () => {
    columnCases("int64", {
      takes: [
        [Number.MAX_SAFE_INTEGER, "9007199254740991"],
        [Number.MIN_SAFE_INTEGER, "-9007199254740991"],
        [9223372036854775807n, "9223372036854775807"],
        [-9223372036854775808n, "-9223372036854775808"],
        ["9223372036854775807", "9223372036854775807"],
        ["-9223372036854775808", "-9223372036854775808"],
        ["+0042", "42"],
        ["-0", "0"],
        ["0000000000000000000000001", "1"]
      ],
      refuses: [
        [2 ** 53, "out-of-range"],
        [9223372036854775808n, "out-of-range"],
        [-9223372036854775809n, "out-of-range"],
        ["9223372036854775808", "out-of-range"],
        ["-9223372036854775809", "out-of-range"],
        ["100000000000000000000", "out-of-range"],
        [1.5, "invalid-value"],
        ["1.5", "invalid-value"],
        ["1e3", "invalid-value"],
        ["0x10", "invalid-value"],
        [" 1", "invalid-value"],
        ["", "invalid-value"],
        [Number.NaN, "invalid-value"],
        [true, "wrong-type"]
      ]
    })

    it("says an unsafe number has lost digits already", () => {
      assert.include(refusal("int64", 2 ** 53).hint, "give a bigint or a decimal string")
    })
  })
})

describe("numeric", () => {
  describe("numeric(6, 2): rounded half away from zero to the scale, precision checked", () => {
    columnCases("amount", {
      takes: [
        ["12.345", "12.35"],
        ["-12.345", "-12.35"],
        ["12.344", "12.34"],
        ["12", "12.00"],
        [12.5, "12.50"],
        [1.005, "1.01"],
        [5n, "5.00"],
        ["1e3", "1000.00"],
        ["1.5E-1", "0.15"],
        ["9999.994", "9999.99"],
        ["-9999.99", "-9999.99"],
        ["0.004", "0.00"],
        ["-0.004", "0.00"],
        ["0.005", "0.01"],
        ["0.0005", "0.00"],
        ["-0", "0.00"],
        [".5", "0.50"],
        ["5.", "5.00"],
        ["+7", "7.00"],
        ["0009.50", "9.50"],
        ["1e-16383", "0.00"]
      ],
      refuses: [
        ["9999.995", "out-of-range"],
        // PostgreSQL reads the text as an unconstrained numeric first, and refuses these before rounding.
        ["1e-16384", "out-of-range"],
        ["0.5e-16383", "out-of-range"],
        ["10000", "out-of-range"],
        [-10000n, "out-of-range"],
        ["1e4", "out-of-range"],
        ["abc", "invalid-value"],
        ["", "invalid-value"],
        [".", "invalid-value"],
        ["1e", "invalid-value"],
        ["1,5", "invalid-value"],
        ["NaN", "invalid-value"],
        ["Infinity", "invalid-value"],
        [Number.NaN, "invalid-value"],
        [Number.NEGATIVE_INFINITY, "invalid-value"],
        [true, "wrong-type"]
      ]
    })

    it("says how many integer digits fit", () => {
      assert.strictEqual(
        refusal("amount", "10000").expected,
        "a number with at most 4 digits before the decimal point (numeric(6, 2))"
      )
    })
  })

  describe("numeric(4): scale 0", () => {
    columnCases("whole", {
      takes: [["12.5", "13"], ["-12.5", "-13"], ["12.49", "12"], ["9999.4", "9999"], [0.5, "1"]],
      refuses: [["9999.5", "out-of-range"], [99999, "out-of-range"]]
    })
  })

  describe("numeric(5, -2): rounded to hundreds", () => {
    columnCases("hundreds", {
      takes: [["1249", "1200"], ["1250", "1300"], ["-1250", "-1300"], ["49", "0"], ["9999949.99", "9999900"]],
      refuses: [["9999950", "out-of-range"]]
    })
  })

  describe("numeric(3, 5): smaller than 0.01", () => {
    columnCases("tiny", {
      takes: [["0.00999", "0.00999"], ["0.000001", "0.00000"], ["-0.009994", "-0.00999"]],
      refuses: [["0.01", "out-of-range"], ["0.009995", "out-of-range"]]
    })

    it("says the bound", () => {
      assert.strictEqual(refusal("tiny", "0.01").expected, "a number smaller than 1e-2 in magnitude (numeric(3, 5))")
    })
  })

  describe("unconstrained: plain notation, display scale kept", () => {
    columnCases("ratio", {
      takes: [
        ["12.50", "12.50"],
        ["-0.00", "0.00"],
        ["1e3", "1000"],
        ["1.5e-3", "0.0015"],
        ["-1.50E+2", "-150"],
        ["1.500e1", "15.00"],
        [1e21, "1000000000000000000000"],
        [1e-7, "0.0000001"],
        [0.1 + 0.2, "0.30000000000000004"],
        [123456789012345678901234567890n, "123456789012345678901234567890"],
        ["0." + "0".repeat(16382) + "1", "0." + "0".repeat(16382) + "1"],
        ["1e131071", "1" + "0".repeat(131071)],
        ["0e999999999", "0"],
        ["0e+0000000000001", "0"]
      ],
      refuses: [
        ["1" + "0".repeat(131072), "out-of-range"],
        ["1e131072", "out-of-range"],
        ["0." + "0".repeat(16383) + "1", "out-of-range"],
        // PostgreSQL keeps a zero's display scale too, and refuses it past 16383 digits.
        ["0e-20000", "out-of-range"],
        ["1e1234567890", "out-of-range"],
        ["0e1073741824", "out-of-range"],
        ["NaN", "invalid-value"]
      ]
    })
  })
})

describe("strings", () => {
  describe("varchar(3): at most 3 characters, counted in code points", () => {
    columnCases("code", {
      takes: [
        ["abc", "abc"],
        ["", ""],
        ["ééé", "ééé"],
        ["😀😀😀", "😀😀😀"],
        ["\"'\\", "\"'\\"]
      ],
      refuses: [
        ["abcd", "too-long"],
        ["😀😀😀😀", "too-long"],
        ["a\u0000", "invalid-value"],
        ["\ud800", "invalid-value"],
        ["\udc00a", "invalid-value"],
        ["a\ud83d", "invalid-value"],
        [5, "wrong-type"],
        [["a"], "wrong-type"]
      ]
    })

    it("says how long the string is, in characters", () => {
      const error = refusal("code", "😀😀😀😀")
      assert.strictEqual(error.found, "\"😀😀😀😀\" (a string of 4 characters)")
      assert.strictEqual(error.expected, "a string of at most 3 characters")
    })

    it("explains U+0000 and lone surrogates", () => {
      assert.strictEqual(refusal("code", "a\u0000").hint, "PostgreSQL text cannot hold U+0000")
      assert.strictEqual(refusal("code", "\ud800").hint, "a lone surrogate cannot be stored as UTF-8")
    })
  })

  describe("char without a length: char(1) to PostgreSQL", () => {
    columnCases("letter", {
      takes: [["a", "a"], ["é", "é"]],
      refuses: [["ab", "too-long"]]
    })
  })

  describe("char(4)", () => {
    columnCases("padded", {
      takes: [["ab", "ab"], ["abcd", "abcd"]],
      refuses: [["abcde", "too-long"]]
    })
  })

  describe("text", () => {
    columnCases("note", {
      takes: [["x".repeat(100_000), "x".repeat(100_000)], ["😀", "😀"], ["NULL", "NULL"]],
      refuses: [["\u0000", "invalid-value"], ["\udfff", "invalid-value"], [Symbol("s"), "wrong-type"]]
    })
  })
})

describe("bool", () => {
  columnCases("flag", {
    takes: [[true, "true"], [false, "false"]],
    refuses: [["true", "wrong-type"], [1, "wrong-type"], [0, "wrong-type"]]
  })
})

describe("uuid: 8-4-4-4-12 hex digits in any case, stored lower-case", () => {
  columnCases("ref", {
    takes: [
      ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
      ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
      ["A0eeBC99-9c0b-4EF8-bb6d-6BB9BD380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
      ["00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"]
    ],
    refuses: [
      ["a0eebc999c0b4ef8bb6d6bb9bd380a11", "invalid-value"],
      ["{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "invalid-value"],
      ["g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "invalid-value"],
      ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "invalid-value"],
      ["a0eebc99_9c0b-4ef8-bb6d-6bb9bd380a11", "invalid-value"],
      [123, "wrong-type"]
    ]
  })
})

describe("json and jsonb: JSON values that come back the same", () => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic["self"] = cyclic
  const shared = { x: 1 }
  let deep: unknown = 1
  for (let level = 0; level < 1001; level++) deep = [deep]

  columnCases("doc", {
    takes: [
      [{ a: 1, b: [1, "x", null, true], c: { d: -2.5 } }, "{\"a\":1,\"b\":[1,\"x\",null,true],\"c\":{\"d\":-2.5}}"],
      [{ a: 1, gone: undefined }, "{\"a\":1}"],
      [Object.assign(Object.create(null) as object, { a: 1 }), "{\"a\":1}"],
      [[shared, shared], "[{\"x\":1},{\"x\":1}]"],
      ["text", "\"text\""],
      [1.5, "1.5"],
      [false, "false"],
      [[], "[]"],
      [{}, "{}"],
      [[null], "[null]"],
      // json keeps its text: an escaped U+0000 or lone surrogate is a valid json value.
      ["a\u0000", "\"a\\u0000\""],
      ["\ud800", "\"\\ud800\""]
    ],
    refuses: [
      [1n, "wrong-type"],
      [Number.NaN, "invalid-value"],
      [Number.POSITIVE_INFINITY, "invalid-value"],
      [new Date(T1), "wrong-type"],
      [new Map(), "wrong-type"],
      [() => 1, "wrong-type"],
      [Symbol("s"), "wrong-type"],
      [[undefined], "invalid-value"],
      [[1, , 3], "invalid-value"],
      [{ a: 1n }, "invalid-value"],
      [{ a: [Number.NaN] }, "invalid-value"],
      [{ a: new Date(T1) }, "invalid-value"],
      [{ toJSON: () => 1 }, "invalid-value"],
      [cyclic, "invalid-value"],
      [deep, "invalid-value"]
    ]
  })

  it("says where inside the value the problem is, and what it is", () => {
    const error = refusal("doc", { legs: [{ weight: 1 }, { "odd key": [Number.NaN] }] })
    assert.strictEqual(error.reason, "invalid-value")
    assert.strictEqual(error.found, "NaN at $.legs[1][\"odd key\"][0]")
    assert.strictEqual(error.expected, "a JSON value: plain objects, arrays, strings, finite numbers, booleans and null")
    assert.strictEqual(error.hint, "JSON has no NaN or Infinity")
    assert.strictEqual(refusal("doc", { a: { b: 1n } }).found, "a bigint at $.a.b")
    assert.strictEqual(refusal("doc", cyclic).found, "a cycle at $.self")
    assert.strictEqual(refusal("doc", [undefined]).hint, "JSON arrays cannot hold undefined: use null")
    assert.strictEqual(refusal("doc", new Date(T1)).hint, "store instants as strings (date.toISOString())")
  })

  it("stores a top-level null as SQL NULL", () => {
    assert.isNull(encoded("doc", null))
    assert.isNull(encoded("docb", null))
  })

  columnCases("docb", {
    takes: [[{ b: 2, a: 1 }, "{\"b\":2,\"a\":1}"], ["😀", "\"😀\""]],
    refuses: [
      ["a\u0000", "invalid-value"],
      ["\ud800", "invalid-value"],
      [{ a: ["\u0000"] }, "invalid-value"],
      [{ "a\u0000": 1 }, "invalid-value"],
      [{ "\udc00": 1 }, "invalid-value"]
    ]
  })
})

describe("arrays: nested to the declared dimensions, rectangular, elements or null", () => {
  columnCases("tags", {
    takes: [
      [["a", null, "b \"q\" \\"], "{\"a\",NULL,\"b \\\"q\\\" \\\\\"}"],
      [[], "{}"],
      [["NULL", ""], "{\"NULL\",\"\"}"],
      [[null], "{NULL}"]
    ],
    refuses: [
      ["a", "wrong-type"],
      [[1], "wrong-type"],
      [[undefined], "invalid-value"],
      [["a\u0000"], "invalid-value"],
      [[["a"]], "wrong-type"]
    ]
  })

  columnCases("codes", { takes: [[["ab", "c"], "{\"ab\",\"c\"}"]], refuses: [[["ab", "abc"], "too-long"]] })

  columnCases("grid", {
    takes: [
      [[[1, 2], [3, 4]], "{{\"1\",\"2\"},{\"3\",\"4\"}}"],
      [[[1, null]], "{{\"1\",NULL}}"],
      [[], "{}"]
    ],
    refuses: [
      [[[1, 2], [3]], "invalid-value"],
      [[[]], "invalid-value"],
      [[1, 2], "wrong-type"],
      [[[1], 2], "wrong-type"],
      [[[1], [2.5]], "invalid-value"],
      [[[1], [2 ** 31]], "out-of-range"],
      [[["1"]], "wrong-type"]
    ]
  })

  it("says where the bad element is and what each element must be", () => {
    const error = refusal("grid", [[1], [2 ** 31]])
    assert.strictEqual(error.found, "2147483648 (a number) at [1][0]")
    assert.include(error.hint, "each element must be an integer from -2147483648 to 2147483647")
    assert.strictEqual(refusal("codes", ["ab", "abc"]).found, "\"abc\" (a string of 3 characters) at [1]")
    assert.strictEqual(refusal("grid", [[1, 2], [3]]).hint, "a PostgreSQL array must be rectangular")
    assert.strictEqual(refusal("grid", [[1, 2], [3]]).found, "sub-arrays of 2 and 1 items")
  })
})

describe("other types: strings passed through for PostgreSQL to parse", () => {
  columnCases("span", {
    takes: [["1 day", "1 day"], ["P1D", "P1D"]],
    refuses: [[86400, "wrong-type"], ["1 day\u0000", "invalid-value"]]
  })
  columnCases("mood", { takes: [["calm", "calm"]], refuses: [[1, "wrong-type"]] })
})

describe("declared columns only", () => {
  it("refuses an undeclared property and names it", () => {
    const error = refuse(readings, [{ timeIndex: T1, sensor: "s1" }, { timeIndex: T2, sensor: "s1", price: 1 }])
    assert.strictEqual(error.reason, "unknown-property")
    assert.strictEqual(error.column, "price")
    assert.strictEqual(error.rowInBatch, 1)
    assert.strictEqual(error.found, "the undeclared property \"price\"")
    assert.match(error.expected, /^only the declared properties timeIndex, sensor, seenAt, .*, mood$/)
    assert.strictEqual(error.hint, "")
    assert.include(error.message, "property \"price\"")
  })

  it.each([
    ["a physical name", { time_index: T1, sensor: "s1" }, "time_index", "did you mean timeIndex?"],
    ["another spelling", { timeIndex: T1, Sensor: "s1" }, "Sensor", "did you mean sensor?"],
    ["a snake-case key", { timeIndex: T1, sensor: "s1", seen_ms: T1 }, "seen_ms", "did you mean seenMs?"]
  ])("suggests the declared property for %s", (_, row, column, hint) => {
    const error = refuse(readings, [row])
    assert.strictEqual(error.reason, "unknown-property")
    assert.strictEqual(error.column, column)
    assert.strictEqual(error.hint, hint)
  })

  it("refuses an undeclared property set to undefined as well", () => {
    assert.strictEqual(refuse(readings, [{ timeIndex: T1, sensor: "s1", extra: undefined }]).column, "extra")
  })

  it("does not read declared properties from the prototype chain", () => {
    // `constructor` is a column of Hostile, and every plain object inherits one.
    const batch = accept(hostile, [{ at: T1, entity: "e" }])
    assert.deepStrictEqual(valuesOf(batch, "constructor"), [null])
    assert.deepStrictEqual(valuesOf(accept(hostile, [{ at: T1, entity: "e", constructor: "c" }]), "constructor"), ["c"])
  })
})

describe("NOT NULL and defaults", () => {
  const base = { timeIndex: T1, sensor: "s1", required: 1 }

  it("refuses a NOT NULL column without a default left out or null", () => {
    const missing = refuse(defaults, [{ timeIndex: T1, sensor: "s1" }])
    assert.strictEqual(missing.column, "required")
    assert.strictEqual(missing.reason, "missing-value")
    assert.strictEqual(missing.expected, "a value: the column is NOT NULL and has no default")
    const nulled = refuse(defaults, [{ ...base, required: null }])
    assert.strictEqual(nulled.column, "required")
    assert.strictEqual(nulled.reason, "null-value")
    assert.strictEqual(nulled.found, "null")
  })

  it("writes NULL for an optional column left out, and leaves out columns the database fills in", () => {
    const batch = accept(defaults, [base, { ...base, timeIndex: T2 }])
    assert.deepStrictEqual(
      batch.columns.map((column) => column.key),
      ["timeIndex", "sensor", "required", "optional", "stamp"]
    )
    assert.deepStrictEqual(valuesOf(batch, "optional"), [null, null])
  })

  it("computes $defaultFn for rows that leave the column out, and keeps given values", () => {
    const batch = accept(defaults, [base, { ...base, timeIndex: T2, stamp: 9 }, { ...base, timeIndex: T3, stamp: null }])
    assert.deepStrictEqual(valuesOf(batch, "stamp"), ["7", "9", null])
  })

  it("writes a server-default column given in every row", () => {
    const batch = accept(defaults, [{ ...base, source: "a" }, { ...base, timeIndex: T2, source: "b" }])
    assert.deepStrictEqual(valuesOf(batch, "source"), ["a", "b"])
  })

  it("refuses a server-default column given in some rows and left out in others, naming both", () => {
    const where = { node: "n", batch: 1, firstRow: 10 }
    const laterLeftOut = refuse(defaults, [{ ...base, source: "a" }, { ...base, timeIndex: T2 }], where)
    assert.strictEqual(laterLeftOut.reason, "mixed-default")
    assert.strictEqual(laterLeftOut.column, "source")
    assert.strictEqual(laterLeftOut.row, 11)
    assert.strictEqual(laterLeftOut.relatedRow, 10)
    assert.strictEqual(laterLeftOut.found, "nothing (the row leaves it out), while row 10 gives it")
    const laterGiven = refuse(defaults, [{ ...base }, { ...base, timeIndex: T2, source: "b" }], where)
    assert.strictEqual(laterGiven.reason, "mixed-default")
    assert.strictEqual(laterGiven.row, 10)
    assert.strictEqual(laterGiven.relatedRow, 11)
    assert.strictEqual(laterGiven.found, "nothing (the row leaves it out), while row 11 gives it")
  })

  it("refuses null for a NOT NULL column with a server default, and says to leave it out", () => {
    const error = refuse(defaults, [{ ...base, source: null }])
    assert.strictEqual(error.reason, "null-value")
    assert.strictEqual(error.hint, "leave the column out of every row of the batch to get its default")
  })

  it("takes null for a nullable server-default column given in every row", () => {
    assert.deepStrictEqual(valuesOf(accept(defaults, [{ ...base, remark: null }]), "remark"), [null])
  })

  it.each([
    ["a generated column", "total"],
    ["an identity GENERATED ALWAYS", "id"]
  ])("refuses a value for %s", (_, column) => {
    const error = refuse(defaults, [{ ...base, [column]: 1 }])
    assert.strictEqual(error.reason, "generated-column")
    assert.strictEqual(error.column, column)
    assert.strictEqual(error.hint, "leave it out of the rows")
  })

  it("takes a value for an identity BY DEFAULT, as for any server default", () => {
    assert.deepStrictEqual(valuesOf(accept(defaults, [{ ...base, seq: 5 }]), "seq"), ["5"])
  })

  it("checks what $defaultFn returns like any value", () => {
    const odd = {
      timeIndex: timeIndex(),
      sensor: varchar({ length: 8 }).notNull(),
      nothing: integer().notNull().$defaultFn(() => null as unknown as number),
      wrong: integer().$defaultFn(() => "seven" as unknown as number)
    }
    const shape = shapeOf(PlatformTimeIndexMetaTable()({
      name: "rowvalidation__odd_defaults",
      namespace: "tests",
      identifier: "tests.odd_defaults",
      description: "Defaults that return what the column refuses.",
      indexNames: ["time_index", "sensor"],
      columns: odd,
      columnInfo: infoFor(odd)
    }))
    const nothing = refuse(shape, [{ timeIndex: T1, sensor: "s1", wrong: 1 }])
    assert.strictEqual(nothing.column, "nothing")
    assert.strictEqual(nothing.reason, "null-value")
    assert.strictEqual(nothing.found, "null (from the column's $defaultFn)")
    const wrong = refuse(shape, [{ timeIndex: T1, sensor: "s1", nothing: 1 }])
    assert.strictEqual(wrong.column, "wrong")
    assert.strictEqual(wrong.reason, "wrong-type")
    assert.strictEqual(wrong.found, "\"seven\" (a string) (from the column's $defaultFn)")
  })
})

describe("no duplicate grain in a batch", () => {
  it("names both rows and the grain they share", () => {
    const error = refuse(readings, [
      { timeIndex: T1, sensor: "s1" },
      { timeIndex: T2, sensor: "s1" },
      { timeIndex: "2024-01-02T02:00:00+02:00", sensor: "s1" }
    ], { node: "n", batch: 3, firstRow: 100 })
    assert.strictEqual(error.reason, "duplicate-grain")
    assert.isNull(error.column)
    assert.strictEqual(error.row, 102)
    assert.strictEqual(error.rowInBatch, 2)
    assert.strictEqual(error.relatedRow, 100)
    assert.strictEqual(error.found, `the grain of row 100 (batch 3, row 0) again: timeIndex ${T1}, sensor "s1"`)
    assert.strictEqual(error.expected, "one row per grain in a batch")
  })

  it("takes one instant for different entities and different instants for one entity", () => {
    const batch = accept(readings, [
      { timeIndex: T1, sensor: "s1" },
      { timeIndex: T1, sensor: "s2" },
      { timeIndex: T2, sensor: "s1" }
    ])
    assert.strictEqual(batch.entities.size, 2)
  })

  it("finds a duplicate among rows out of time order", () => {
    const times = ["2024-01-05", "2024-01-01", "2024-01-09", "2024-01-03", "2024-01-07", "2024-01-03"]
    const error = refuse(readings, times.map((day) => ({ timeIndex: `${day}T00:00:00Z`, sensor: "s1" })))
    assert.strictEqual(error.rowInBatch, 5)
    assert.strictEqual(error.relatedRow, 3)
  })

  it("finds a duplicate of the first or the last instant of an entity", () => {
    assert.strictEqual(refuse(readings, [{ timeIndex: T1, sensor: "s1" }, { timeIndex: T1, sensor: "s1" }]).relatedRow, 0)
    const last = refuse(readings, [
      { timeIndex: T1, sensor: "s1" },
      { timeIndex: T2, sensor: "s1" },
      { timeIndex: T2, sensor: "s1" }
    ])
    assert.strictEqual(last.relatedRow, 1)
  })

  it("finds a duplicate when the grain is the time index alone", () => {
    const error = refuse(series, [{ timeIndex: T1 }, { timeIndex: new Date(T1) }])
    assert.strictEqual(error.reason, "duplicate-grain")
    assert.strictEqual(error.found, `the grain of row 0 (batch 0, row 0) again: timeIndex ${T1}`)
  })

  it("sees one grain in values the column holds equal: 42 and 42n, a uuid in any case, 1.5 and 1.50", () => {
    const asset = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    const error = refuse(positions, [
      { timeIndex: T1, account: 42, book: 7, asset, live: true, weight: "1.5" },
      { timeIndex: T1, account: 42n, book: "+07", asset: asset.toUpperCase(), live: true, weight: 1.50 },
      { timeIndex: T1, account: 42n, book: 7n, asset, live: true, weight: "1.500" }
    ])
    assert.strictEqual(error.rowInBatch, 1)
    assert.strictEqual(error.relatedRow, 0)
  })

  it.each<readonly [string, AnyPgColumnBuilder, unknown, unknown]>([
    ["char(n) with trailing spaces", char({ length: 4 }).notNull(), "AB", "AB  "],
    ["float8 0 and -0", doublePrecision().notNull(), 0, -0],
    ["reals that round to one single", real().notNull(), 0.1, 0.10000000001],
    ["jsonb with keys in another order", jsonb().notNull(), { a: 1, b: [{ c: 1, d: 2 }] }, { b: [{ d: 2, c: 1 }], a: 1 }],
    ["an unconstrained numeric with another display scale", numeric().notNull(), "1e2", "100.00"],
    ["int64 as a number, a bigint and text", bigint({ mode: "number" }).notNull(), 12, "12"]
  ])("sees one grain in %s", (name, column, first, second) => {
    const shape = keyedBy(name.replace(/\W+/g, "_").slice(0, 30), column)
    const error = refuse(shape, [{ timeIndex: T1, entity: first }, { timeIndex: T1, entity: second }])
    assert.strictEqual(error.reason, "duplicate-grain")
    assert.strictEqual(error.relatedRow, 0)
  })

  it("keeps values that differ to the column apart", () => {
    const shape = keyedBy("text", text().notNull())
    const texts = ["AB", "AB ", "ab"].map((entity) => ({ timeIndex: T1, entity }))
    assert.strictEqual(accept(shape, texts).entities.size, 3)
    const arrays = [[1, 2], [2, 1]].map((entity) => ({ timeIndex: T1, entity }))
    assert.strictEqual(accept(keyedBy("jsonb_arrays", jsonb().notNull()), arrays).entities.size, 2)
  })
})

describe("entities", () => {
  const asset = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
  const entity = { account: 42, book: 7n, asset, live: false, weight: "1.50" }

  it("keys an entity by its columns' canonical text, as validateBatch does", () => {
    const batch = accept(positions, [{ timeIndex: T1, ...entity }])
    const key = Result.getOrThrow(entityKeyOf(positions, entity))
    assert.strictEqual(key, JSON.stringify(["42", "7", asset, "false", "1.5"]))
    assert.deepStrictEqual([...batch.entities.keys()], [key])
  })

  it("gives one key for 42 and 42n, a uuid in any case, 1.5 and 1.50", () => {
    const variants = [
      entity,
      { ...entity, account: 42n, book: 7, weight: 1.5 },
      { ...entity, book: "7", asset: asset.toUpperCase(), weight: "15e-1" }
    ]
    const keys = variants.map((variant) => Result.getOrThrow(entityKeyOf(positions, variant)))
    assert.deepStrictEqual(new Set(keys).size, 1)
  })

  it("keys the entity of a grain that is the time index alone as []", () => {
    assert.strictEqual(Result.getOrThrow(entityKeyOf(series, {})), "[]")
  })

  it.each<readonly [string, Record<string, unknown>, string | null, Reason]>([
    ["the time index", { ...entity, timeIndex: T1 }, "timeIndex", "unknown-property"],
    ["an undeclared property", { ...entity, price: 1 }, "price", "unknown-property"],
    ["a value column", { ...entity, quantity: 1 }, "quantity", "unknown-property"],
    ["a missing column", { account: 42, book: 7n, asset, live: false }, "weight", "missing-value"],
    ["a null column", { ...entity, live: null }, "live", "null-value"],
    ["a bad value", { ...entity, asset: "nope" }, "asset", "invalid-value"]
  ])("refuses %s", (_, given, column, reason) => {
    const result = entityKeyOf(positions, given)
    if (Result.isSuccess(result)) return assert.fail("accepted")
    assert.strictEqual(result.failure.column, column)
    assert.strictEqual(result.failure.reason, reason)
    assert.strictEqual(result.failure.identifier, "tests.positions")
    assert.isNull(result.failure.row)
    assert.strictEqual(result.failure.node, "")
  })

  it("says which entity column of which table is wrong", () => {
    const result = entityKeyOf(positions, { account: 42, book: 7n, asset, live: false })
    if (Result.isSuccess(result)) return assert.fail("accepted")
    assert.strictEqual(
      result.failure.message,
      "Entity column \"weight\" for tests.positions (public.rowvalidation__positions): expected an object with " +
        "exactly the entity's properties account, book, asset, live, weight, found nothing."
    )
  })

  it("hints that an entity is named without its time index", () => {
    const result = entityKeyOf(positions, { ...entity, timeIndex: T1 })
    assert.isTrue(Result.isFailure(result) && result.failure.hint === "an entity is identified without its time index")
  })

  it("tracks each entity's first and last instant, whatever the row order", () => {
    const batch = accept(positions, [
      { timeIndex: T2, ...entity },
      { timeIndex: T3, ...entity, account: 43 },
      { timeIndex: T1, ...entity, weight: "1.5" },
      { timeIndex: T3, ...entity }
    ])
    const ranges = Object.fromEntries(
      [...batch.entities.values()].map((range) => [range.entity["account"], [range.first, range.last]])
    )
    assert.deepStrictEqual(ranges, { 42: [T1, T3], 43: [T3, T3] })
  })
})

describe("canonicalInstant", () => {
  it.each<readonly [unknown, string]>([
    [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000Z"],
    ["2024-01-02T03:04:05.123456+01:00", "2024-01-02T02:04:05.123456Z"],
    ["2024-01-02 03:04Z", "2024-01-02T03:04:00.000000Z"]
  ])("gives the canonical UTC text of %s", (input, text) => {
    assert.strictEqual(Result.getOrThrow(canonicalInstant(input)), text)
  })

  it.each<readonly [unknown, Reason]>([
    ["2024-01-02T03:04:05", "naive-instant"],
    ["2024-01-02", "naive-instant"],
    [null, "missing-value"],
    [undefined, "missing-value"],
    [0, "wrong-type"],
    ["0000-01-01T00:00:00Z", "out-of-range"]
  ])("refuses %s (%s), outside any batch", (input, reason) => {
    const result = canonicalInstant(input)
    if (Result.isSuccess(result)) return assert.fail("accepted")
    assert.strictEqual(result.failure.reason, reason)
    assert.strictEqual(result.failure.identifier, "")
    assert.isNull(result.failure.row)
    assert.isNull(result.failure.batch)
    assert.match(result.failure.message, /^Instant: expected /)
  })
})

describe("hostile identifiers", () => {
  it("reads columns by property, whatever their physical names", () => {
    const batch = accept(hostile, [{ at: "2024-01-02T01:00:00+01:00", entity: "e \"1\"", "value \"x\"": 2.5 }])
    assert.deepStrictEqual(valuesOf(batch, "at"), [T1])
    assert.deepStrictEqual(valuesOf(batch, "value \"x\""), ["2.5"])
    assert.deepStrictEqual([...batch.entities.keys()], ["[\"e \\\"1\\\"\"]"])
  })

  it("names the table and column exactly as declared", () => {
    const error = refuse(hostile, [{ at: T1, entity: "e", "value \"x\"": "high" }])
    assert.strictEqual(error.identifier, "tests.\"hostile\"")
    assert.strictEqual(error.table, "Odd \"Schema\".Odd \"quoted\" Table")
    assert.strictEqual(error.column, "value \"x\"")
    assert.include(error.message, "column \"value \"x\"\" of tests.\"hostile\" (Odd \"Schema\".Odd \"quoted\" Table)")
  })

  it("names an undeclared property with quotes and suggests the property of a physical name", () => {
    const error = refuse(hostile, [{ at: T1, entity: "e", "Value, \"quoted\"": 1 }])
    assert.strictEqual(error.column, "Value, \"quoted\"")
    assert.strictEqual(error.hint, "did you mean value \"x\"?")
  })

  it("quotes entity values in a duplicate's message", () => {
    const error = refuse(hostile, [{ at: T1, entity: "a\", b" }, { at: T1, entity: "a\", b" }])
    assert.strictEqual(error.found, `the grain of row 0 (batch 0, row 0) again: at ${T1}, entity "a\\", b"`)
  })

  it("reports an entity whose grain column carries a quote in its name", () => {
    assert.strictEqual(Result.getOrThrow(entityKeyOf(hostile, { entity: "x" })), "[\"x\"]")
  })
})

// ---------------------------------------------------------------------------------------------------------
// Properties

// A day inside years 0001 to 9999, so that the wall time at any offset stays inside them too.
const MIN_INSTANT = new Date("0001-01-02T00:00:00Z").getTime()
const MAX_INSTANT = new Date("9999-12-30T00:00:00Z").getTime()

/** `YYYY-MM-DDTHH:MM:SS.mmm±HH:MM`: the wall time of `time` at `offset` minutes from UTC. */
const isoAtOffset = (time: number, offset: number): string => {
  const wall = new Date(time + offset * 60_000).toISOString().slice(0, 23)
  const magnitude = Math.abs(offset)
  const hours = String(Math.floor(magnitude / 60)).padStart(2, "0")
  const minutes = String(magnitude % 60).padStart(2, "0")
  return `${wall}${offset < 0 ? "-" : "+"}${hours}:${minutes}`
}

describe("properties", () => {
  it.prop(
    "a finite float64 is written as text that reads back as the same double",
    { value: Schema.Finite },
    ({ value }) => {
      const text = encoded("float64", value)
      assert.isTrue(Object.is(Number(text), value), `${value} written as ${text}`)
    }
  )

  it.prop(
    "an instant has one canonical text, from a Date or from ISO text at any offset PostgreSQL takes",
    {
      time: Schema.Int.check(Schema.isBetween({ minimum: MIN_INSTANT, maximum: MAX_INSTANT })),
      offset: Schema.Int.check(Schema.isBetween({ minimum: -959, maximum: 959 }))
    },
    ({ time, offset }) => {
      const expected = `${new Date(time).toISOString().slice(0, 23)}000Z`
      assert.strictEqual(Result.getOrThrow(canonicalInstant(new Date(time))), expected)
      assert.strictEqual(Result.getOrThrow(canonicalInstant(isoAtOffset(time, offset))), expected)
    }
  )

  it.prop(
    "an int64 bigint is written as its decimal text, and keys an entity like the same number or text",
    { value: Schema.BigInt.check(Schema.isBetweenBigInt({ minimum: -(2n ** 63n), maximum: 2n ** 63n - 1n })) },
    ({ value }) => {
      assert.strictEqual(encoded("int64", value), value.toString())
      const shape = positions
      const entity = { account: 1, book: value, asset: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", live: true, weight: "0" }
      const key = Result.getOrThrow(entityKeyOf(shape, entity))
      assert.strictEqual(Result.getOrThrow(entityKeyOf(shape, { ...entity, book: value.toString() })), key)
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        assert.strictEqual(Result.getOrThrow(entityKeyOf(shape, { ...entity, book: Number(value) })), key)
      }
    }
  )

  const cell = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 4 }))
  it.prop(
    "a batch is refused exactly when a grain repeats, at its first repetition; otherwise each entity spans its instants",
    { rows: Schema.Array(Schema.Struct({ day: cell, sensor: cell })) },
    ({ rows }) => {
      const time = (day: number) => `2024-01-0${day + 1}T00:00:00.000000Z`
      const batchRows = rows.map(({ day, sensor }) => ({ timeIndex: time(day), sensor: `s${sensor}` }))
      // The model: the first row whose grain an earlier row had, and that earlier row.
      const seen = new Map<string, number>()
      let repeated: { readonly row: number; readonly earlier: number } | undefined
      for (const [index, { day, sensor }] of rows.entries()) {
        const earlier = seen.get(`${day}/${sensor}`)
        if (earlier !== undefined) {
          repeated = { row: index, earlier }
          break
        }
        seen.set(`${day}/${sensor}`, index)
      }
      const result = validateBatch(readings, batchRows, context)
      if (repeated !== undefined) {
        if (Result.isSuccess(result)) return assert.fail(`accepted a repeated grain at row ${repeated.row}`)
        assert.strictEqual(result.failure.reason, "duplicate-grain")
        assert.strictEqual(result.failure.rowInBatch, repeated.row)
        assert.strictEqual(result.failure.relatedRow, repeated.earlier)
        return
      }
      const batch = Result.getOrThrow(result)
      const spans = new Map<string, [string, string]>()
      for (const { day, sensor } of rows) {
        const key = JSON.stringify([`s${sensor}`])
        const span = spans.get(key)
        spans.set(key, span === undefined ? [time(day), time(day)] : [
          time(day) < span[0] ? time(day) : span[0],
          time(day) > span[1] ? time(day) : span[1]
        ])
      }
      assert.deepStrictEqual(
        new Map([...batch.entities].map(([key, range]) => [key, [range.first, range.last]])),
        spans
      )
    }
  )
})
