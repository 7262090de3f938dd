/**
 * Row validation, pure and in memory: every batch a DataNode returns is checked against its table's contract
 * (rows are plain objects, grain columns present, the time index a real instant stored as UTC, declared
 * columns only, each column's type, NOT NULL and defaults, one row per grain) and comes back either as the
 * text PostgreSQL reads per column with the batch's time ranges, or as one error naming the node, row,
 * column, what was found and what was expected, with nothing of the batch kept. What each type of column
 * takes and how it is written is tested beside its value family, in values/; the shared tables and helpers
 * are in fixtures/RowValidationFixtures.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  type AnyPgColumnBuilder,
  bigint,
  char,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  real,
  text,
  varchar
} from "drizzle-orm/pg-core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import {
  canonicalInstant,
  entityKeyOf,
  PlatformTimeIndexMetaTable,
  validateBatch
} from "../../src/index.ts"
import {
  accept,
  context,
  defaults,
  hostile,
  infoFor,
  keyedBy,
  positions,
  readings,
  type Reason,
  refusal,
  refuse,
  series,
  shapeOf,
  T1,
  T2,
  T3,
  timeIndex,
  valuesOf
} from "./fixtures/RowValidationFixtures.ts"

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
      "DataNode \"PricesNode\" row 53 (batch 3, row 3), column \"int16\" of tests.readings " +
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
    assert.strictEqual(laterLeftOut.found, "nothing (the row leaves it out), while row 11 gives it")
    const laterGiven = refuse(defaults, [{ ...base }, { ...base, timeIndex: T2, source: "b" }], where)
    assert.strictEqual(laterGiven.reason, "mixed-default")
    assert.strictEqual(laterGiven.row, 10)
    assert.strictEqual(laterGiven.relatedRow, 11)
    assert.strictEqual(laterGiven.found, "nothing (the row leaves it out), while row 12 gives it")
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
    assert.strictEqual(error.found, `the grain of row 101 (batch 4, row 1) again: timeIndex ${T1}, sensor "s1"`)
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
    assert.strictEqual(error.found, `the grain of row 1 (batch 1, row 1) again: timeIndex ${T1}`)
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
    const error = refuse(hostile, [{ at: T1, entity: "e", "value, \"quoted\"": 1 }])
    assert.strictEqual(error.column, "value, \"quoted\"")
    assert.strictEqual(error.hint, "did you mean value \"x\"?")
  })

  it("quotes entity values in a duplicate's message", () => {
    const error = refuse(hostile, [{ at: T1, entity: "a\", b" }, { at: T1, entity: "a\", b" }])
    assert.strictEqual(error.found, `the grain of row 1 (batch 1, row 1) again: at ${T1}, entity "a\\", b"`)
  })

  it("reports an entity whose grain column carries a quote in its name", () => {
    assert.strictEqual(Result.getOrThrow(entityKeyOf(hostile, { entity: "x" })), "[\"x\"]")
  })
})

// ---------------------------------------------------------------------------------------------------------
// Properties

describe("properties", () => {
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
