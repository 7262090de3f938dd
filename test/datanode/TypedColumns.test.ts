/**
 * Number and boolean columns outside the grain, held by row validation as their values (`ColumnValues`):
 * the text made from them on demand is the text their family's encoder writes for the same value, across
 * edge values and NULLs; they refuse what the encoder refuses, with the same reason; grain columns stay
 * text; and every writer (binary COPY, COPY text, array literals) writes the same bytes from them as from
 * the encoder's texts.
 */
import { assert, describe, it } from "@effect/vitest"
import { batchColumns, type ValidatedBatch } from "../../src/datanode/ValidatedBatch.ts"
import { valueFamilyOf } from "../../src/datanode/values/index.ts"
import { copyBinary, hasBinaryWriter } from "../../src/db/CopyBinary.ts"
import { textArrayLiteral } from "../../src/db/PgArrayLiteral.ts"
import { copyText } from "../../src/db/PgCopy.ts"
import { castType } from "../../src/engine/internal/upsertStatement.ts"
import type { RowShape } from "../../src/index.ts"
import { accept, positions, readings, refusal, show, T1, T2, T3 } from "./fixtures/RowValidationFixtures.ts"

/** Each typed column's edge values (null and left out included). */
const EDGES: Readonly<Record<string, ReadonlyArray<unknown>>> = {
  float64: [0, -0, 5e-324, -5e-324, Number.MIN_VALUE * 3, 1.7976931348623157e308, -1.7976931348623157e308, 0.1,
    0.1 + 0.2, 1 / 3, 100.07, -12.3, 1e21, 1e-7, 123456789.12, 2 ** 53 + 2, 1e15 / 100 + 0.01, null, undefined],
  float32: [0, -0, 0.1, 3.4028234663852886e38, -3.4028234663852886e38, 1.4e-45, 16777217, 2.5, -1e-30, null, undefined],
  int16: [0, -0, 1, -1, 32767, -32768, 5n, -32768n, null, undefined],
  int32: [0, -0, 2147483647, -2147483648, 2147483647n, -7n, null, undefined],
  int64: [0, -0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2n ** 53n, 9007199254740993n, 9223372036854775807n,
    -9223372036854775808n, "-00042", "+17", "-0", "9223372036854775807", "0009007199254740993", 42n, null, undefined],
  flag: [true, false, null, undefined]
}

const TYPED = Object.keys(EDGES)
const ROWS = Math.max(...Object.values(EDGES).map((values) => values.length))

/** Row `r`: a distinct grain, and each typed column's `r`th edge value (cycling), left out where undefined. */
const row = (r: number): Record<string, unknown> => {
  const values: Record<string, unknown> = {
    timeIndex: new Date(Date.UTC(2024, 0, 1, 0, r)),
    sensor: `s${r}`
  }
  for (const key of TYPED) {
    const edges = EDGES[key]!
    const value = edges[r % edges.length]
    if (value !== undefined) values[key] = value
  }
  return values
}

const rows = Array.from({ length: ROWS }, (_, r) => row(r))

/** What the batch's columns would hold as text, made by each value's family encoder, eagerly. */
const eagerTexts = (shape: RowShape, batch: ValidatedBatch, given: ReadonlyArray<Record<string, unknown>>) =>
  batch.columns.map((column) => {
    const family = valueFamilyOf(shape.columns.find((candidate) => candidate.key === column.key)!)
    return given.map((values) => {
      const value = values[column.key]
      if (value === undefined || value === null) return null
      const text = family.encode(value)
      if (typeof text !== "string") return assert.fail(`${column.key} refused ${show(value)}`)
      return text
    })
  })

describe("typed columns", () => {
  const batch = accept(readings, rows)
  const columns = batchColumns(batch)
  const position = (key: string) => batch.columns.findIndex((column) => column.key === key)

  it("hold number and boolean columns outside the grain as their values, every other column as text", () => {
    const tags = Object.fromEntries(batch.columns.map((column, c) => [column.key, columns[c]!._tag]))
    assert.deepInclude(tags, {
      timeIndex: "TextValues",
      sensor: "TextValues",
      float64: "NumberValues",
      float32: "NumberValues",
      int16: "NumberValues",
      int32: "NumberValues",
      int64: "Int64Values",
      flag: "BooleanValues",
      amount: "TextValues",
      note: "TextValues",
      day: "TextValues"
    })
  })

  it("make, on demand, the text the encoder writes for the same value, NULL for null and left out", () => {
    const eager = eagerTexts(readings, batch, rows)
    for (const key of TYPED) {
      const c = position(key)
      const lazy = Array.from({ length: ROWS }, (_, r) => columns[c]!.textAt(r))
      assert.deepStrictEqual(lazy, eager[c], key)
      assert.deepStrictEqual(batch.values[c], eager[c], `${key}: ValidatedBatch.values`)
    }
    const texts = (key: string) => batch.values[position(key)]!
    assert.strictEqual(texts("float64")[1], "-0")
    assert.strictEqual(texts("float64")[2], "5e-324")
    assert.strictEqual(texts("float64")[5], "1.7976931348623157e+308")
    assert.strictEqual(texts("int16")[1], "0")
    assert.strictEqual(texts("int64")[5], "9007199254740993")
    assert.strictEqual(texts("int64")[7], "-9223372036854775808")
    assert.strictEqual(texts("int64")[8], "-42")
    assert.deepStrictEqual(texts("flag").slice(0, 4), ["true", "false", null, null])
  })

  it("hold int8 values beyond 2^53 as bigints, exactly", () => {
    const int64 = columns[position("int64")]!
    assert.strictEqual(int64._tag, "Int64Values")
    if (int64._tag !== "Int64Values") return
    assert.strictEqual(int64.valueAt(5), 9007199254740993n)
    assert.strictEqual(int64.valueAt(6), 9223372036854775807n)
    assert.strictEqual(int64.valueAt(2), Number.MAX_SAFE_INTEGER)
    assert.strictEqual(int64.valueAt(4), 2n ** 53n, "past the safe integers, a bigint")
    assert.strictEqual(int64.valueAt(13), 42, "a bigint within the safe integers is held as a number")
    assert.isUndefined(int64.valueAt(14))
  })

  for (
    const [key, value, reason] of [
      ["float64", Number.NaN, "invalid-value"],
      ["float64", Number.NEGATIVE_INFINITY, "invalid-value"],
      ["float64", "1.5", "wrong-type"],
      ["float32", 1e39, "out-of-range"],
      ["float32", 1e-46, "out-of-range"],
      ["int16", 32768, "out-of-range"],
      ["int32", 1.5, "invalid-value"],
      ["int64", 2 ** 53, "out-of-range"],
      ["int64", 9223372036854775808n, "out-of-range"],
      ["int64", "1e3", "invalid-value"],
      ["flag", "true", "wrong-type"],
      ["flag", 1, "wrong-type"]
    ] as const
  ) {
    it(`refuse ${key} ${show(value)} as the encoder does (${reason})`, () => {
      const encoded = valueFamilyOf(readings.columns.find((column) => column.key === key)!).encode(value)
      assert.isTrue(typeof encoded !== "string" && encoded.reason === reason)
      const error = refusal(key, value)
      assert.strictEqual(error.column, key)
      assert.strictEqual(error.reason, reason)
    })
  }

  it("are written by COPY's text format, array literals and binary COPY as their texts would be", () => {
    const eager = eagerTexts(readings, batch, rows)
    assert.deepStrictEqual(copyText(columns, ROWS), copyText(eager, ROWS))
    columns.forEach((column, c) => assert.strictEqual(textArrayLiteral(column), textArrayLiteral(eager[c]!)))
    const binary = batch.columns.flatMap((column, c) => hasBinaryWriter(castType(column)) ? [c] : [])
    const types = binary.map((c) => castType(batch.columns[c]!))
    for (const key of ["float64", "int16", "int32", "int64", "flag"]) assert.include(binary, position(key))
    assert.deepStrictEqual(
      copyBinary(types, binary.map((c) => columns[c]!), ROWS),
      copyBinary(types, binary.map((c) => eager[c]!), ROWS)
    )
  })

  it("keep grain columns as text, however typed", () => {
    const grain = accept(positions, [
      { timeIndex: T1, account: 1, book: 9007199254740993n, asset: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", live: true, weight: "1.5", quantity: -0 },
      { timeIndex: T2, account: 1, book: 2n, asset: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", live: false, weight: "1.5", quantity: null },
      { timeIndex: T3, account: -0, book: 2n, asset: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", live: false, weight: "2", quantity: 2.5 }
    ])
    const tags = Object.fromEntries(grain.columns.map((column, c) => [column.key, batchColumns(grain)[c]!._tag]))
    assert.deepStrictEqual(tags, {
      timeIndex: "TextValues",
      account: "TextValues",
      book: "TextValues",
      asset: "TextValues",
      live: "TextValues",
      weight: "TextValues",
      quantity: "NumberValues"
    })
    assert.deepStrictEqual(grain.values[1], ["1", "1", "0"])
    assert.deepStrictEqual(grain.values[6], ["-0", null, "2.5"])
  })
})
