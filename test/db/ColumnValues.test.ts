/**
 * A batch's columns as the writers read them (`src/db/ColumnValues.ts`): values held as numbers, bigints and
 * flags give their text on demand, NULL included, and the binary COPY writer writes them from the values as
 * it would from that text, refusing (as `CopyBinaryUnreadable`, so the caller sends text) what its type does
 * not hold exactly.
 */
import { assert, describe, it } from "@effect/vitest"
import { CopyBinaryUnreadable, copyBinary } from "../../src/db/CopyBinary.ts"
import {
  BooleanValues,
  type ColumnValues,
  columnTexts,
  FLAG_FALSE,
  FLAG_NULL,
  FLAG_TRUE,
  Int64Values,
  NumberValues,
  TextValues
} from "../../src/db/ColumnValues.ts"
import { textArrayLiteral } from "../../src/db/PgArrayLiteral.ts"
import { copyText } from "../../src/db/PgCopy.ts"

/** A double's text as float8 reads it back, `-0` kept (as row validation writes it). */
const floatText = (value: number) => Object.is(value, -0) ? "-0" : String(value)

const numbers = (values: ReadonlyArray<number>) => new NumberValues(Float64Array.from(values), String)

const int64 = (values: ReadonlyArray<number | bigint | null>) => {
  const column = new Int64Values(new Float64Array(values.length))
  values.forEach((value, row) => {
    if (typeof value === "number") column.numbers[row] = value
    else {
      column.numbers[row] = NaN
      if (value !== null) (column.wide ??= new Map()).set(row, value)
    }
  })
  return column
}

const texts = (column: ColumnValues) => columnTexts(column, column.length)

const refused = (sqlType: string, column: ColumnValues) => {
  try {
    copyBinary([sqlType], [column], column.length)
  } catch (error) {
    assert.instanceOf(error, CopyBinaryUnreadable)
    return
  }
  assert.fail(`${sqlType} ${JSON.stringify(texts(column))} was written`)
}

describe("ColumnValues", () => {
  it("give each value's text on demand, null for NULL", () => {
    assert.deepStrictEqual(texts(new NumberValues(Float64Array.from([1.5, NaN, -0]), (value) => `<${value}>`)), [
      "<1.5>",
      null,
      "<0>"
    ])
    assert.deepStrictEqual(texts(int64([-0, 2n ** 63n - 1n, null, -(2n ** 63n), 42])), [
      "0",
      "9223372036854775807",
      null,
      "-9223372036854775808",
      "42"
    ])
    assert.deepStrictEqual(texts(new BooleanValues(Uint8Array.from([FLAG_TRUE, FLAG_FALSE, FLAG_NULL]))), [
      "true",
      "false",
      null
    ])
    const given = ["a", null, "b"]
    assert.strictEqual(texts(new TextValues(given)), given, "a text column's texts are its own")
  })

  it("are written by binary COPY as their texts are", () => {
    const cases: ReadonlyArray<readonly [string, ColumnValues]> = [
      ["double precision", new NumberValues(Float64Array.from([-0, 5e-324, NaN, 1.7976931348623157e308, 0.1]), floatText)],
      ["smallint", numbers([-32768, 32767, NaN, -0])],
      ["integer", numbers([-2147483648, 2147483647, NaN, 0])],
      ["bigint", numbers([Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, NaN])],
      ["bigint", int64([Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, null, -(2n ** 63n), -0])],
      ["boolean", new BooleanValues(Uint8Array.from([FLAG_TRUE, FLAG_NULL, FLAG_FALSE]))],
      // A type that does not hold the values as they are takes their text.
      ["text", numbers([1, NaN, -2.5])],
      ["varchar(5)", new BooleanValues(Uint8Array.from([FLAG_TRUE, FLAG_NULL]))]
    ]
    for (const [sqlType, column] of cases) {
      assert.deepStrictEqual(
        copyBinary([sqlType], [column], column.length),
        copyBinary([sqlType], [texts(column)], column.length),
        `${sqlType} ${JSON.stringify(texts(column))}`
      )
      assert.deepStrictEqual(copyText([column], column.length), copyText([texts(column)], column.length))
      assert.strictEqual(textArrayLiteral(column), textArrayLiteral(texts(column)))
    }
  })

  it("refuse to write, in binary, a value their type does not hold exactly", () => {
    refused("integer", numbers([1.5]))
    refused("integer", numbers([2147483648]))
    refused("smallint", numbers([-32769]))
    refused("bigint", numbers([2 ** 53]))
    refused("bigint", int64([2n ** 63n]))
    refused("double precision", numbers([Infinity]))
  })

  it("write a batch of many rows, growing the buffer mid-field", () => {
    const rows = 10_000
    const column = new NumberValues(Float64Array.from({ length: rows }, (_, row) => row / 7), String)
    const flags = new BooleanValues(Uint8Array.from({ length: rows }, (_, row) => row % 3))
    const wide = int64(Array.from({ length: rows }, (_, row) => row % 2 === 0 ? row : 2n ** 60n + BigInt(row)))
    const types = ["double precision", "boolean", "bigint", "text"]
    const long = new TextValues(Array.from({ length: rows }, (_, row) => "x".repeat(row % 50)))
    assert.deepStrictEqual(
      copyBinary(types, [column, flags, wide, long], rows),
      copyBinary(types, [texts(column), texts(flags), texts(wide), texts(long)], rows)
    )
  })
})
