/**
 * The integer family: `smallint` (int16) and `integer` (int32) take integer numbers or bigints in range;
 * `bigint` (int64) takes safe-integer numbers, bigints or decimal integer strings in range. All are written
 * as plain decimal text, canonical and so their own equality key (`42` and `42n` give one grain value). In
 * `EntityRange.entity`, int16 and int32 values are numbers; int64 stays decimal text.
 */
import { type Encode, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const integerEncoder = (bits: 16 | 32): Encode => {
  const max = 2 ** (bits - 1) - 1
  const min = -max - 1
  const maxBig = BigInt(max)
  const minBig = BigInt(min)
  const expected = `an integer from ${min} to ${max} (a number or a bigint)`
  return (value) => {
    if (typeof value === "number") {
      if (!Number.isInteger(value)) return valueProblem("invalid-value", expected)
      if (value < min || value > max) return valueProblem("out-of-range", expected)
      return String(value)
    }
    if (typeof value === "bigint") {
      if (value < minBig || value > maxBig) return valueProblem("out-of-range", expected)
      return value.toString()
    }
    return valueProblem("wrong-type", expected)
  }
}

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n
const INT64_EXPECTED =
  `an integer from ${INT64_MIN} to ${INT64_MAX} (a safe-integer number, a bigint or a decimal string)`
const INTEGER_TEXT = /^[+-]?\d+$/

const encodeInt64: Encode = (value) => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return String(value)
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
    return value.toString()
  }
  if (typeof value === "string") {
    if (!INTEGER_TEXT.test(value)) return valueProblem("invalid-value", INT64_EXPECTED)
    // Leading zeros do not count toward the range; 20 significant digits already exceed it.
    const significant = value.replace(/^[+-]?0*/, "")
    if (significant.length > 19) return valueProblem("out-of-range", INT64_EXPECTED)
    const parsed = BigInt(value)
    if (parsed < INT64_MIN || parsed > INT64_MAX) return valueProblem("out-of-range", INT64_EXPECTED)
    return parsed.toString()
  }
  return valueProblem("wrong-type", INT64_EXPECTED)
}

export const int16Family: ValueFamily = { encode: integerEncoder(16), equalityKey: undefined, entityValue: Number }

export const int32Family: ValueFamily = { encode: integerEncoder(32), equalityKey: undefined, entityValue: Number }

export const int64Family: ValueFamily = plainFamily(encodeInt64)
