/**
 * The integer family: `smallint` (int16) and `integer` (int32) take integer numbers or bigints in range;
 * `bigint` (int64) takes safe-integer numbers, bigints or decimal integer strings in range. All are written
 * as plain decimal text, canonical and so their own equality key (`42` and `42n` give one grain value). In
 * `EntityRange.entity`, int16 and int32 values are numbers; int64 stays decimal text. Outside the grain a
 * column holds the integers themselves (`NumberValues`, `Int64Values`: a bigint only beyond ±2⁵³), and their
 * decimal text is made only where text is needed.
 */
import { Int64Values } from "../../db/ColumnValues.ts"
import {
  type CheckNumber,
  type Encode,
  entityText,
  numberColumn,
  numberEncoder,
  type TypedColumn,
  type ValueFamily
} from "./ValueFamily.ts"
import { type ValueProblem, valueProblem } from "./ValueProblem.ts"

/** An int16's or int32's number; a bigint in range is its number, whose decimal text is the bigint's. */
const integerCheck = (bits: 16 | 32): CheckNumber => {
  const max = 2 ** (bits - 1) - 1
  const min = -max - 1
  const maxBig = BigInt(max)
  const minBig = BigInt(min)
  const expected = `an integer from ${min} to ${max} (a number or a bigint)`
  return (value) => {
    if (typeof value === "number") {
      if (!Number.isInteger(value)) return valueProblem("invalid-value", expected)
      if (value < min || value > max) return valueProblem("out-of-range", expected)
      return value
    }
    if (typeof value === "bigint") {
      if (value < minBig || value > maxBig) return valueProblem("out-of-range", expected)
      return Number(value)
    }
    return valueProblem("wrong-type", expected)
  }
}

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n
const INT64_EXPECTED =
  `an integer from ${INT64_MIN} to ${INT64_MAX} (a safe-integer number, a bigint or a decimal string)`
const INTEGER_TEXT = /^[+-]?\d+$/

/** An int64's value: a number when it is a safe integer, else a bigint; or the problem with it. */
const checkInt64 = (value: unknown): number | bigint | ValueProblem => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return value
    if (Number.isInteger(value)) {
      return valueProblem(
        "out-of-range",
        INT64_EXPECTED,
        "numbers beyond ±9007199254740991 have lost digits already: give a bigint or a decimal string"
      )
    }
    return valueProblem("invalid-value", INT64_EXPECTED)
  }
  if (typeof value === "bigint") {
    if (value < INT64_MIN || value > INT64_MAX) return valueProblem("out-of-range", INT64_EXPECTED)
    return safeOrBig(value)
  }
  if (typeof value === "string") {
    if (!INTEGER_TEXT.test(value)) return valueProblem("invalid-value", INT64_EXPECTED)
    // Leading zeros do not count toward the range; 20 significant digits already exceed it.
    const significant = value.replace(/^[+-]?0*/, "")
    if (significant.length > 19) return valueProblem("out-of-range", INT64_EXPECTED)
    const parsed = BigInt(value)
    if (parsed < INT64_MIN || parsed > INT64_MAX) return valueProblem("out-of-range", INT64_EXPECTED)
    return safeOrBig(parsed)
  }
  return valueProblem("wrong-type", INT64_EXPECTED)
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** A bigint as a number when it is a safe integer (whose decimal text is the bigint's). */
const safeOrBig = (value: bigint): number | bigint => value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value

const encodeInt64: Encode = (value) => {
  const integer = checkInt64(value)
  return typeof integer === "number" ? String(integer) : typeof integer === "bigint" ? integer.toString() : integer
}

/** An int64 column of `rows` rows holding its values (`Int64Values`). */
const int64Column = (rows: number): TypedColumn => {
  const values = new Int64Values(new Float64Array(rows))
  const numbers = values.numbers
  return {
    put: (row, value) => {
      const integer = checkInt64(value)
      if (typeof integer === "number") numbers[row] = integer
      else if (typeof integer === "bigint") {
        numbers[row] = NaN
        ;(values.wide ??= new Map()).set(row, integer)
      } else return integer
      return undefined
    },
    putNull: (row) => {
      numbers[row] = NaN
    },
    values
  }
}

const integerFamily = (bits: 16 | 32): ValueFamily => {
  const check = integerCheck(bits)
  return {
    encode: numberEncoder(check, String),
    equalityKey: undefined,
    entityValue: Number,
    typedColumn: numberColumn(check, String)
  }
}

export const int16Family: ValueFamily = integerFamily(16)

export const int32Family: ValueFamily = integerFamily(32)

export const int64Family: ValueFamily = {
  encode: encodeInt64,
  equalityKey: undefined,
  entityValue: entityText,
  typedColumn: int64Column
}
