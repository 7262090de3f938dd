/**
 * The float family: `double precision` (float64) takes finite numbers, `-0` kept; `real` (float32) takes
 * finite numbers that stay finite and non-zero as a real (what PostgreSQL checks). Both are written as text
 * that reads back as the same double. Their equality keys follow float equality: `0` and `-0` are one grain
 * value, and so are two doubles that round to one single in a real. Outside the grain a column holds the
 * numbers themselves (`NumberValues`), and this text is made from them only where text is needed.
 */
import { type CheckNumber, entityText, numberColumn, numberEncoder, type ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const FLOAT64_EXPECTED = "a finite number"
const FLOAT32_EXPECTED = "a finite number within the range of real (±3.4028234663852886e38, not below ±1.4e-45)"

/**
 * The text of a finite double that PostgreSQL reads back as exactly that double. A value that is a whole
 * number of hundredths (most prices and quantities) is written from that integer, which costs a fraction of
 * `String(number)`'s shortest-digits search; it is exact because `cents / 100` is the double nearest to the
 * decimal it prints, which is what PostgreSQL's parser returns for it. `-0` keeps its sign, as float8 does.
 */
const floatText = (value: number): string => {
  if (value === 0) return 1 / value < 0 ? "-0" : "0"
  const cents = Math.round(value * 100)
  if (cents / 100 !== value || cents >= 1e15 || cents <= -1e15) return String(value)
  const digits = String(cents < 0 ? -cents : cents)
  const length = digits.length
  const sign = cents < 0 ? "-" : ""
  if (length === 1) return sign + "0.0" + digits
  const units = length === 2 ? "0" : digits.slice(0, length - 2)
  if (digits.charCodeAt(length - 1) !== 48) return sign + units + "." + digits.slice(length - 2)
  if (digits.charCodeAt(length - 2) !== 48) return sign + units + "." + digits[length - 2]!
  return sign + units
}

const checkFloat64: CheckNumber = (value) => {
  if (typeof value !== "number") return valueProblem("wrong-type", FLOAT64_EXPECTED)
  if (value - value !== 0) return valueProblem("invalid-value", FLOAT64_EXPECTED)
  return value
}

/** A real keeps the double it is given (its text is the double's); the server rounds it to a single. */
const checkFloat32: CheckNumber = (value) => {
  if (typeof value !== "number") return valueProblem("wrong-type", FLOAT32_EXPECTED)
  if (value - value !== 0) return valueProblem("invalid-value", FLOAT32_EXPECTED)
  const single = Math.fround(value)
  if (single - single !== 0 || (single === 0 && value !== 0)) return valueProblem("out-of-range", FLOAT32_EXPECTED)
  return value
}

/** float8 equality holds `-0` and `0` equal: one grain value, as in the table's unique index. */
const float64Key = (text: string): string => text === "-0" ? "0" : text

/** A real keeps a float's nearest single: `0.1` and `0.10000000001` are one grain value as real. */
const float32Key = (text: string): string => String(Math.fround(Number(text)))

export const float64Family: ValueFamily = {
  encode: numberEncoder(checkFloat64, floatText),
  equalityKey: float64Key,
  entityValue: entityText,
  typedColumn: numberColumn(checkFloat64, floatText)
}

export const float32Family: ValueFamily = {
  encode: numberEncoder(checkFloat32, floatText),
  equalityKey: float32Key,
  entityValue: entityText,
  typedColumn: numberColumn(checkFloat32, floatText)
}
