/**
 * Row validation: checks the rows a DataNode returns against its table's row shape and turns a batch of them
 * into a `ValidatedBatch` (PostgreSQL text per column, time range per entity), or says which row and column
 * is wrong and why. Pure: no database, no clock; every value is checked here, so that persistence never sees
 * a row PostgreSQL would refuse or read differently than the node meant.
 *
 * What each column takes (rows are plain objects keyed by the drizzle property, as in `$inferInsert`):
 * - `timestamp with time zone` (the time index among them): a valid `Date`, or an ISO-8601 string with an
 *   offset (`Z`, `+02:00`, `+0200`, `+02`, up to ±15:59 as PostgreSQL takes; `T`, `t` or a space between date
 *   and time; seconds and a fraction optional, digits past microseconds rounded as PostgreSQL rounds them:
 *   `rint(fraction × 10⁶)` on the double, ties to even). Stored as canonical UTC text,
 *   `YYYY-MM-DDTHH:MM:SS.ffffffZ`, rounded like PostgreSQL to the column's declared fractional precision.
 * - `timestamp` without time zone: a `Date` (its UTC wall time) or an ISO-8601 string without an offset (a
 *   bare date means midnight), as `YYYY-MM-DDTHH:MM:SS.ffffff`. `date`: a `YYYY-MM-DD` string or a `Date`
 *   (its UTC date). Years 0001 to 9999 only.
 * - `float64`: finite numbers (`-0` kept); `float32`: finite numbers that stay finite and non-zero as a
 *   `real` (what PostgreSQL checks). `int16`, `int32`: integer numbers or bigints in range. `int64`:
 *   safe-integer numbers, bigints or decimal integer strings in range.
 * - `numeric`: finite numbers (by their shortest decimal form, `String(n)`), bigints, or decimal strings with
 *   an optional exponent (`-12.50`, `1e3`; not `NaN` or `Infinity`). Rendered in plain notation: rounded
 *   half away from zero to the declared scale with exactly that many fraction digits (as PostgreSQL stores
 *   it), checked against `precision - scale` integer digits; an unconstrained numeric keeps its display
 *   scale (`12.50` stays `12.50`). As written, a value stays within what PostgreSQL reads before any
 *   rounding: 131072 digits before the decimal point, 16383 after it, exponents up to ±1073741823.
 * - `string`: strings of at most the declared length in characters (code points; a `char` declared without a
 *   length holds one, as in PostgreSQL), without U+0000 (text cannot hold it) and without lone surrogates
 *   (they would not survive UTF-8). `bool`: booleans. `uuid`: 8-4-4-4-12 hex strings in any case, stored
 *   lower-case.
 * - `json`/`jsonb`: JSON values (plain objects, arrays, strings, finite numbers, booleans, null, nested);
 *   a property whose value is `undefined` is left out, as `JSON.stringify` does; everything else that would
 *   not come back the same is refused (`undefined` in an array, bigints, NaN, functions, symbols, cycles,
 *   class instances, `Date` included). A top-level `null` is SQL NULL. `jsonb` strings cannot hold U+0000.
 * - Arrays (`text[]`, `integer[][]`): JS arrays nested to the declared dimensions, rectangular, of values
 *   the element type takes or `null`; rendered as an array literal.
 * - Any other type (`interval`, `inet`, enums, ...): strings, passed through as text for PostgreSQL to parse.
 *
 * Entities are keyed by the JSON array of their columns' canonical text (`entityKeyOf`), made equal where the
 * column's equality is (as the unique index over the grain sees it): int columns given as `42` or `42n`, uuids
 * in any case, unconstrained numerics as `1.5` or `1.50`, `char(n)` with or without trailing spaces, floats
 * `0` and `-0` (reals: floats that round to one single), jsonb objects with keys in any order give one key. In
 * `EntityRange.entity`, int16/int32 columns are numbers, bool columns booleans, and everything else strings
 * (int64 and numeric as decimal text, uuids lower-case).
 */
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { dataTypeTokenForSqlType } from "../storage/ColumnTypes.ts"
import type { RowShape, ShapeColumn } from "./RowShape.ts"
import { RowValidationError, type RowValidationReason } from "./RowValidationError.ts"
import type { EntityRange, ValidatedBatch } from "./ValidatedBatch.ts"

/** Where a batch sits in a node's run, for error messages. */
export interface BatchContext {
  /** The node's kind or update hash. */
  readonly node: string
  /** The 0-based index of the batch in the run. */
  readonly batch: number
  /** The index of the batch's first row in the node's whole output. */
  readonly firstRow: number
}

// ---------------------------------------------------------------------------------------------------------
// Problems: what an encoder returns instead of text. Allocated only on failure.

interface Problem {
  readonly reason: RowValidationReason
  readonly expected: string
  readonly hint: string
  /** Overrides the rendering of the value (a part of it: `a bigint at $.a[2]`). */
  readonly found: string | undefined
}

const problem = (reason: RowValidationReason, expected: string, hint = "", found?: string): Problem => ({
  reason,
  expected,
  hint,
  found
})

const FOUND_LENGTH = 80

const truncate = (text: string): string =>
  text.length > FOUND_LENGTH ? `${text.slice(0, FOUND_LENGTH)}…` : text

/** A short, safe rendering of any value: never a user `toString`, never more than about 80 characters of it. */
const describeValue = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return value.length > FOUND_LENGTH
        ? `${JSON.stringify(value.slice(0, FOUND_LENGTH))}… (a string of ${value.length} characters)`
        : `${JSON.stringify(value)} (a string)`
    case "number":
      return `${String(value)} (a number)`
    case "bigint":
      return `${truncate(value.toString())}n (a bigint)`
    case "boolean":
      return `${value} (a boolean)`
    case "undefined":
      return "undefined"
    case "symbol":
      return "a symbol"
    case "function":
      return "a function"
  }
  if (value === null) return "null"
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "an invalid Date" : `the Date ${value.toISOString()}`
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype === null || prototype === Object.prototype) {
    const keys = Object.keys(value as object)
    return keys.length === 0 ? "an empty object" : `an object with the properties ${truncate(keys.join(", "))}`
  }
  const constructor: unknown = Predicate.hasProperty(prototype, "constructor") ? prototype.constructor : undefined
  const name: unknown = Predicate.isFunction(constructor) ? constructor.name : undefined
  return Predicate.isString(name) && name !== "" ? `an instance of ${name}` : "an object"
}

type Encode = (value: unknown) => string | Problem

// ---------------------------------------------------------------------------------------------------------
// Instants and dates

const TWO_DIGITS = Array.from({ length: 100 }, (_, index) => (index < 10 ? "0" : "") + index)
const pad4 = (value: number): string => String(10_000 + value).slice(1)
const pad6 = (micros: number): string => micros === 0 ? "000000" : String(1_000_000 + micros).slice(1)

/** Days from 1970-01-01 to a proleptic Gregorian date (valid for years 0 and later). */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

const MIN_SECOND = daysFromCivil(1, 1, 1) * 86400
const MAX_SECOND = daysFromCivil(9999, 12, 31) * 86400 + 86399
const MIN_MS = MIN_SECOND * 1000
const MAX_MS = MAX_SECOND * 1000 + 999
/** PostgreSQL rounds a timestamp's fraction half away from 2000-01-01 00:00 (its epoch). */
const PG_EPOCH_SECOND = 946684800

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
    : (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)

const digitAt = (text: string, index: number): number => {
  const code = text.charCodeAt(index) - 48
  return code >= 0 && code <= 9 ? code : -1
}

const twoDigitsAt = (text: string, index: number): number => {
  const high = digitAt(text, index)
  const low = digitAt(text, index + 1)
  return high < 0 || low < 0 ? -1 : high * 10 + low
}

/**
 * C's `rint` (to the nearest, ties to even) of a non-negative double. PostgreSQL reads a fraction of a second
 * longer than microseconds as a double and rounds it so (`rint(strtod(".1234565") * 1e6)` is 123456): doing
 * the same arithmetic gives the microseconds it would store.
 */
const roundToEven = (value: number): number => {
  const floor = Math.floor(value)
  const rest = value - floor
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor
}

/** Whether the microseconds of an instant at `second` round up to `precision` fraction digits, and by how much. */
const roundMicros = (micros: number, precision: number, second: number): number => {
  if (precision >= 6) return micros
  const unit = 10 ** (6 - precision)
  const remainder = micros % unit
  const twice = remainder * 2
  return twice > unit || (twice === unit && second >= PG_EPOCH_SECOND) ? micros - remainder + unit : micros - remainder
}

/** `YYYY-MM-DD` of a day counted from 1970-01-01 (the inverse of `daysFromCivil`). */
const civilDate = (days: number): string => {
  const shifted = days + 719468
  const era = Math.floor(shifted / 146097)
  const dayOfEra = shifted - era * 146097
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
  return pad4(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)) + "-" + TWO_DIGITS[month]! + "-" + TWO_DIGITS[day]!
}

/**
 * Formats instants as canonical text. Arithmetic rather than `Date.prototype.toISOString`, which costs several
 * times more; the date part of the last day is kept, as consecutive rows mostly share it.
 */
const utcFormatter = () => {
  let lastDay = Number.NaN
  let lastDate = ""
  return (second: number, micros: number, suffix: string): string => {
    const day = Math.floor(second / 86400)
    if (day !== lastDay) {
      lastDay = day
      lastDate = civilDate(day)
    }
    const ofDay = second - day * 86400
    const hour = Math.floor(ofDay / 3600)
    const minute = Math.floor((ofDay - hour * 3600) / 60)
    return lastDate + "T" + TWO_DIGITS[hour]! + ":" + TWO_DIGITS[minute]! + ":" +
      TWO_DIGITS[ofDay - hour * 3600 - minute * 60]! + "." + pad6(micros) + suffix
  }
}

const formatSlow = utcFormatter()

/** Canonical text of `second` (since 1970, UTC) and `micros`, or a problem when it leaves years 0001–9999. */
const renderInstant = (second: number, micros: number, suffix: string, expected: string): string | Problem => {
  if (micros >= 1_000_000) {
    second += 1
    micros -= 1_000_000
  }
  if (second < MIN_SECOND || second > MAX_SECOND) {
    return problem("out-of-range", expected, "PostgreSQL timestamps here are kept to years 0001 to 9999")
  }
  return formatSlow(second, micros, suffix)
}

const INSTANT_EXPECTED = "a Date or an ISO-8601 string with a UTC offset, like 2024-01-02T00:00:00Z"
const WALL_EXPECTED = "a Date or an ISO-8601 date and time without an offset, like 2024-01-02T00:00:00"
const NAIVE_HINT = "add an offset: Z for UTC (2024-01-02T00:00:00Z) or the offset of the local time (+02:00)"
const OFFSET_HINT = "this column is timestamp without time zone and would drop the offset: give the wall time " +
  "without one, or declare the column with { withTimezone: true }"

/**
 * Parses an ISO-8601 date and time into canonical text. `instant` mode requires an offset and renders UTC
 * with `Z`; `wall` mode refuses an offset, takes a bare date as midnight, and renders the wall time.
 * Hand-written rather than a regular expression: time indexes go through it once per row.
 */
const isoText = (text: string, instant: boolean, precision: number): string | Problem => {
  const expected = instant ? INSTANT_EXPECTED : WALL_EXPECTED
  const length = text.length
  const invalid = () => problem("invalid-value", expected)
  if (length < 10 || length > 40) return invalid()
  const year = digitAt(text, 0) * 1000 + digitAt(text, 1) * 100 + twoDigitsAt(text, 2)
  const month = twoDigitsAt(text, 5)
  const day = twoDigitsAt(text, 8)
  if (
    digitAt(text, 0) < 0 || digitAt(text, 1) < 0 || twoDigitsAt(text, 2) < 0 || month < 0 || day < 0 ||
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45
  ) return invalid()
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return problem(year < 1 ? "out-of-range" : "invalid-value", `${expected}, with a real date in years 0001 to 9999`)
  }
  let hour = 0
  let minute = 0
  let second = 0
  let micros = 0
  let offset = 0
  let index = 10
  let hasOffset = false
  if (length > 10) {
    const separator = text.charCodeAt(10)
    if (separator !== 84 && separator !== 116 && separator !== 32) return invalid()
    hour = twoDigitsAt(text, 11)
    minute = twoDigitsAt(text, 14)
    if (hour < 0 || minute < 0 || text.charCodeAt(13) !== 58) return invalid()
    index = 16
    if (text.charCodeAt(index) === 58) {
      second = twoDigitsAt(text, 17)
      if (second < 0) return invalid()
      index = 19
      if (text.charCodeAt(index) === 46) {
        const start = ++index
        while (digitAt(text, index) >= 0) index++
        const digits = index - start
        if (digits === 0) return invalid()
        micros = digits <= 6
          ? Number(text.slice(start, index)) * 10 ** (6 - digits)
          : roundToEven(Number(text.slice(start - 1, index)) * 1_000_000)
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return problem("invalid-value", `${expected}, with a real time of day`)
    if (index < length) {
      const sign = text.charCodeAt(index)
      if (sign === 90 || sign === 122) {
        index += 1
      } else if (sign === 43 || sign === 45) {
        const offsetHours = twoDigitsAt(text, index + 1)
        let offsetMinutes = 0
        index += 3
        if (text.charCodeAt(index) === 58) {
          offsetMinutes = twoDigitsAt(text, index + 1)
          index += 3
        } else if (index < length) {
          offsetMinutes = twoDigitsAt(text, index)
          index += 2
        }
        if (offsetHours < 0 || offsetMinutes < 0 || offsetMinutes > 59) return invalid()
        // PostgreSQL refuses offsets beyond ±15:59 ("time zone displacement out of range").
        if (offsetHours > 15) return problem("invalid-value", `${expected}, with an offset within ±15:59`)
        offset = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes)
      } else {
        return invalid()
      }
      if (index !== length) return invalid()
      hasOffset = true
    }
  }
  if (instant && !hasOffset) {
    return problem("naive-instant", expected, length === 10 ? `add a time and an offset: ${text}T00:00:00Z` : NAIVE_HINT)
  }
  if (!instant && hasOffset) return problem("invalid-value", WALL_EXPECTED, OFFSET_HINT)
  const suffix = instant ? "Z" : ""
  if (offset === 0 && micros < 1_000_000) {
    const rounded = roundMicros(micros, precision, year >= 2000 ? PG_EPOCH_SECOND : 0)
    if (rounded < 1_000_000) {
      // Already canonical: keep the caller's string rather than build an equal one.
      if (length === 27 && instant && separator27(text) && rounded === micros) return text
      return text.slice(0, 10) + "T" + TWO_DIGITS[hour]! + ":" + TWO_DIGITS[minute]! + ":" + TWO_DIGITS[second]! +
        "." + pad6(rounded) + suffix
    }
  }
  const epochSecond = daysFromCivil(year, month, day) * 86400 + hour * 3600 + (minute - offset) * 60 + second
  return renderInstant(epochSecond, roundMicros(micros, precision, epochSecond), suffix, expected)
}

/** Whether a 27-character string has the canonical separators (`T`, `:`, `.`, `Z`) where `isoText` checked digits. */
const separator27 = (text: string): boolean =>
  text.charCodeAt(10) === 84 && text.charCodeAt(16) === 58 && text.charCodeAt(19) === 46 &&
  text.charCodeAt(26) === 90

/** The encoder of a timestamp column. The last Date's text is remembered: rows often share their time index. */
const timestampEncoder = (instant: boolean, precision: number): Encode => {
  const expected = instant ? INSTANT_EXPECTED : WALL_EXPECTED
  const suffix = instant ? "Z" : ""
  const format = utcFormatter()
  let lastTime = Number.NaN
  let lastText = ""
  return (value) => {
    if (value instanceof Date) {
      const time = value.getTime()
      if (time === lastTime) return lastText
      if (Number.isNaN(time)) return problem("invalid-value", expected)
      if (time < MIN_MS || time > MAX_MS) {
        return problem("out-of-range", expected, "PostgreSQL timestamps here are kept to years 0001 to 9999")
      }
      const second = Math.floor(time / 1000)
      const micros = roundMicros((time - second * 1000) * 1000, precision, second)
      if (micros === 1_000_000) return renderInstant(second, micros, suffix, expected)
      lastTime = time
      lastText = format(second, micros, suffix)
      return lastText
    }
    if (typeof value === "string") return isoText(value, instant, precision)
    return problem("wrong-type", expected)
  }
}

/** The canonical text of an instant (a Date or an ISO-8601 string with an offset), or the problem with it. */
const instantText = timestampEncoder(true, 6)

const DATE_EXPECTED = "a Date or a YYYY-MM-DD string"

const encodeDate: Encode = (value) => {
  if (value instanceof Date) {
    const time = value.getTime()
    if (Number.isNaN(time)) return problem("invalid-value", DATE_EXPECTED)
    if (time < MIN_MS || time > MAX_MS) return problem("out-of-range", `${DATE_EXPECTED} in years 0001 to 9999`)
    return value.toISOString().slice(0, 10)
  }
  if (typeof value !== "string") return problem("wrong-type", DATE_EXPECTED)
  const year = digitAt(value, 0) * 1000 + digitAt(value, 1) * 100 + twoDigitsAt(value, 2)
  const month = twoDigitsAt(value, 5)
  const day = twoDigitsAt(value, 8)
  if (
    value.length !== 10 || digitAt(value, 0) < 0 || digitAt(value, 1) < 0 || twoDigitsAt(value, 2) < 0 ||
    month < 0 || day < 0 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45
  ) return problem("invalid-value", DATE_EXPECTED)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    // Year 0000 is out of range, as for timestamps; a 13th month or a 30th of February is no date at all.
    return problem(year < 1 ? "out-of-range" : "invalid-value", `${DATE_EXPECTED} naming a real date in years 0001 to 9999`)
  }
  return value
}

// ---------------------------------------------------------------------------------------------------------
// Numbers

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

const encodeFloat64: Encode = (value) => {
  if (typeof value !== "number") return problem("wrong-type", FLOAT64_EXPECTED)
  if (value - value !== 0) return problem("invalid-value", FLOAT64_EXPECTED)
  return floatText(value)
}

const encodeFloat32: Encode = (value) => {
  if (typeof value !== "number") return problem("wrong-type", FLOAT32_EXPECTED)
  if (value - value !== 0) return problem("invalid-value", FLOAT32_EXPECTED)
  const single = Math.fround(value)
  if (single - single !== 0 || (single === 0 && value !== 0)) return problem("out-of-range", FLOAT32_EXPECTED)
  return floatText(value)
}

const integerEncoder = (bits: 16 | 32): Encode => {
  const max = 2 ** (bits - 1) - 1
  const min = -max - 1
  const maxBig = BigInt(max)
  const minBig = BigInt(min)
  const expected = `an integer from ${min} to ${max} (a number or a bigint)`
  return (value) => {
    if (typeof value === "number") {
      if (!Number.isInteger(value)) return problem("invalid-value", expected)
      if (value < min || value > max) return problem("out-of-range", expected)
      return String(value)
    }
    if (typeof value === "bigint") {
      if (value < minBig || value > maxBig) return problem("out-of-range", expected)
      return value.toString()
    }
    return problem("wrong-type", expected)
  }
}

const INT64_MAX = 9223372036854775807n
const INT64_MIN = -9223372036854775808n
const INT64_EXPECTED = `an integer from ${INT64_MIN} to ${INT64_MAX} (a safe-integer number, a bigint or a decimal string)`
const INTEGER_TEXT = /^[+-]?\d+$/

const encodeInt64: Encode = (value) => {
  if (typeof value === "number") {
    if (Number.isSafeInteger(value)) return String(value)
    if (Number.isInteger(value)) {
      return problem(
        "out-of-range",
        INT64_EXPECTED,
        "numbers beyond ±9007199254740991 have lost digits already: give a bigint or a decimal string"
      )
    }
    return problem("invalid-value", INT64_EXPECTED)
  }
  if (typeof value === "bigint") {
    if (value < INT64_MIN || value > INT64_MAX) return problem("out-of-range", INT64_EXPECTED)
    return value.toString()
  }
  if (typeof value === "string") {
    if (!INTEGER_TEXT.test(value)) return problem("invalid-value", INT64_EXPECTED)
    // Leading zeros do not count toward the range; 20 significant digits already exceed it.
    const significant = value.replace(/^[+-]?0*/, "")
    if (significant.length > 19) return problem("out-of-range", INT64_EXPECTED)
    const parsed = BigInt(value)
    if (parsed < INT64_MIN || parsed > INT64_MAX) return problem("out-of-range", INT64_EXPECTED)
    return parsed.toString()
  }
  return problem("wrong-type", INT64_EXPECTED)
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?)(\d+))?$/
/** PostgreSQL refuses a larger exponent, even of a zero (`value overflows numeric format`). */
const NUMERIC_MAX_EXPONENT = 1073741823
/** PostgreSQL's limits for an unconstrained numeric: digits before and after the decimal point. */
const NUMERIC_INTEGER_DIGITS = 131072
const NUMERIC_FRACTION_DIGITS = 16383

const numericOverflow = (): Problem =>
  problem(
    "out-of-range",
    `a number with at most ${NUMERIC_INTEGER_DIGITS} digits before the decimal point and ${NUMERIC_FRACTION_DIGITS} ` +
      "after it, as written (PostgreSQL reads it so before rounding it to the column's scale)"
  )

/** `digits` (no leading zeros) plus one unit in its last place; `carry` tells whether it grew a digit. */
const incrementDigits = (digits: string): { readonly digits: string; readonly carry: boolean } => {
  let index = digits.length - 1
  while (index >= 0 && digits.charCodeAt(index) === 57) index--
  if (index < 0) return { digits: "1", carry: true }
  return { digits: digits.slice(0, index) + String.fromCharCode(digits.charCodeAt(index) + 1), carry: false }
}

/**
 * The plain-notation text of a decimal, rounded to `scale` when the column declares one. The value is
 * `0.<digits> × 10^point`; `displayScale` is how many fraction digits the text shows.
 */
const decimalText = (
  text: string,
  precision: number | undefined,
  scale: number | undefined,
  expected: string
): string | Problem => {
  const match = DECIMAL_TEXT.exec(text)
  const integerPart = match?.[2] ?? ""
  const fractionPart = match?.[3] ?? ""
  if (match === null || (integerPart === "" && fractionPart === "")) return problem("invalid-value", expected)
  const negative = match[1] === "-"
  const exponentDigits = match[5]?.replace(/^0+/, "") ?? ""
  if (exponentDigits.length > 10 || Number(exponentDigits) > NUMERIC_MAX_EXPONENT) return numericOverflow()
  const exponent = match[4] === "-" ? -Number(exponentDigits) : Number(exponentDigits)
  let digits = integerPart + fractionPart
  let point = integerPart.length + exponent
  let displayScale = Math.max(0, fractionPart.length - exponent)
  let leading = 0
  while (leading < digits.length && digits.charCodeAt(leading) === 48) leading++
  digits = digits.slice(leading)
  point -= leading
  // PostgreSQL reads the text as an unconstrained numeric before it rounds it to the column's scale, so these
  // limits hold for every numeric column; a zero keeps its display scale (`0e-20000` overflows too).
  if ((digits !== "" && point > NUMERIC_INTEGER_DIGITS) || displayScale > NUMERIC_FRACTION_DIGITS) {
    return numericOverflow()
  }
  if (scale !== undefined) {
    const keep = point + scale
    if (keep < digits.length) {
      const roundUp = keep >= 0 && digits.charCodeAt(keep) >= 53
      digits = keep <= 0 ? "" : digits.slice(0, keep)
      if (roundUp) {
        const incremented = incrementDigits(digits)
        digits = incremented.digits
        if (incremented.carry) point = keep + 1 - scale
      }
      while (digits.length > 0 && digits.charCodeAt(digits.length - 1) === 48) digits = digits.slice(0, -1)
    }
    displayScale = Math.max(0, scale)
    if (precision !== undefined && digits !== "" && point > precision - scale) {
      const integerDigits = precision - scale
      return problem(
        "out-of-range",
        integerDigits > 0
          ? `a number with at most ${integerDigits} digit${integerDigits === 1 ? "" : "s"} before the decimal point ` +
            `(numeric(${precision}, ${scale}))`
          : `a number smaller than 1e${integerDigits} in magnitude (numeric(${precision}, ${scale}))`
      )
    }
  }
  if (digits === "") return displayScale === 0 ? "0" : "0." + "0".repeat(displayScale)
  const integerText = point <= 0
    ? "0"
    : digits.length >= point
    ? digits.slice(0, point)
    : digits + "0".repeat(point - digits.length)
  let result = negative ? "-" + integerText : integerText
  if (displayScale > 0) {
    const fraction = point >= 0 ? digits.slice(point) : "0".repeat(-point) + digits
    result += "." + (fraction.length >= displayScale
      ? fraction.slice(0, displayScale)
      : fraction + "0".repeat(displayScale - fraction.length))
  }
  return result
}

const numericEncoder = (precision: number | undefined, scale: number | undefined): Encode => {
  const expected = "a finite number, a bigint or a decimal string (-12.50, 1e3)"
  return (value) => {
    if (typeof value === "number") {
      if (value - value !== 0) return problem("invalid-value", expected)
      return decimalText(String(value), precision, scale, expected)
    }
    if (typeof value === "bigint") return decimalText(value.toString(), precision, scale, expected)
    if (typeof value === "string") return decimalText(value, precision, scale, expected)
    return problem("wrong-type", expected)
  }
}

/** Equal numerics compare equal whatever their display scale: `1.50` and `1.5` are one grain value. */
const numericKey = (text: string): string => {
  if (!text.includes(".")) return text
  let end = text.length
  while (text.charCodeAt(end - 1) === 48) end--
  if (text.charCodeAt(end - 1) === 46) end--
  const key = text.slice(0, end)
  return key === "-0" ? "0" : key
}

/** float8 equality holds `-0` and `0` equal: one grain value, as in the table's unique index. */
const float64Key = (text: string): string => text === "-0" ? "0" : text

/** A real keeps a float's nearest single: `0.1` and `0.10000000001` are one grain value as real. */
const float32Key = (text: string): string => String(Math.fround(Number(text)))

/** jsonb equality ignores the order of object keys: `{"a":1,"b":2}` and `{"b":2,"a":1}` are one grain value. */
const jsonbKey = (text: string): string => {
  const sorted = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(sorted).join(",")}]`
    if (value === null || typeof value !== "object") return JSON.stringify(value)
    const record = value as Record<string, unknown>
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${sorted(record[key])}`).join(",")}}`
  }
  return sorted(JSON.parse(text))
}

// ---------------------------------------------------------------------------------------------------------
// Text, booleans, uuids

interface WellFormed {
  isWellFormed(): boolean
}

const NUL_PROBLEM = (expected: string) =>
  problem("invalid-value", `${expected} without the character U+0000`, "PostgreSQL text cannot hold U+0000")
const SURROGATE_PROBLEM = (expected: string) =>
  problem("invalid-value", `${expected} of well-formed Unicode`, "a lone surrogate cannot be stored as UTF-8")

/** Checks that PostgreSQL can store `text` as it is: no U+0000, no lone surrogate. */
const storableText = (text: string, expected: string): Problem | undefined => {
  if (text.indexOf("\u0000") !== -1) return NUL_PROBLEM(expected)
  if (!(text as unknown as WellFormed).isWellFormed()) return SURROGATE_PROBLEM(expected)
  return undefined
}

const codePointLength = (text: string): number => {
  let length = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0xd800 || code > 0xdbff || index + 1 === text.length) length++
    else {
      const next = text.charCodeAt(index + 1)
      length++
      if (next >= 0xdc00 && next <= 0xdfff) index++
    }
  }
  return length
}

const stringEncoder = (maxLength: number | undefined): Encode => {
  const expected = maxLength === undefined ? "a string" : `a string of at most ${maxLength} characters`
  return (value) => {
    if (typeof value !== "string") return problem("wrong-type", expected)
    // A string is never longer in code points than in UTF-16 units: count them only when it might matter.
    if (maxLength !== undefined && value.length > maxLength) {
      const length = codePointLength(value)
      if (length > maxLength) {
        const shown = JSON.stringify(truncate(value)).replace(/…"$/, "\"…")
        return problem("too-long", expected, "", `${shown} (a string of ${length} characters)`)
      }
    }
    return storableText(value, expected) ?? value
  }
}

/** Other SQL types: strings PostgreSQL parses itself. */
const encodeText: Encode = (value) => {
  if (typeof value !== "string") return problem("wrong-type", "a string (PostgreSQL parses it as the column's type)")
  return storableText(value, "a string") ?? value
}

/** bpchar ignores trailing spaces in comparisons: `"AB"` and `"AB "` are one grain value. */
const paddedKey = (text: string): string => text.replace(/ +$/, "")

const encodeBool: Encode = (value) =>
  value === true ? "true" : value === false ? "false" : problem("wrong-type", "a boolean")

const UUID_EXPECTED = "a UUID string, 8-4-4-4-12 hex digits (any case)"

const encodeUuid: Encode = (value) => {
  if (typeof value !== "string") return problem("wrong-type", UUID_EXPECTED)
  if (value.length !== 36) return problem("invalid-value", UUID_EXPECTED)
  let upper = false
  for (let index = 0; index < 36; index++) {
    const code = value.charCodeAt(index)
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 45) return problem("invalid-value", UUID_EXPECTED)
    } else if (code >= 65 && code <= 70) {
      upper = true
    } else if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) {
      return problem("invalid-value", UUID_EXPECTED)
    }
  }
  return upper ? value.toLowerCase() : value
}

// ---------------------------------------------------------------------------------------------------------
// JSON

const JSON_EXPECTED = "a JSON value: plain objects, arrays, strings, finite numbers, booleans and null"
const JSON_MAX_DEPTH = 1000

/** A JSON problem and where it is, the path built on the way back up (`$.legs[2].weight`). */
interface JsonProblem {
  /** `wrong-type` for a value JSON has no form for, `invalid-value` for one it cannot hold as it is. */
  readonly reason: RowValidationReason
  readonly what: string
  readonly hint: string
  path: string
}

const jsonProblem = (reason: RowValidationReason, what: string, hint: string): JsonProblem => ({
  reason,
  what,
  hint,
  path: ""
})

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

const jsonProblemOf = (value: unknown, jsonb: boolean, ancestors: Array<object>): JsonProblem | undefined => {
  switch (typeof value) {
    case "string":
      if (jsonb && storableText(value, "") !== undefined) {
        return jsonProblem("invalid-value", "a string with U+0000 or a lone surrogate", "jsonb cannot hold either")
      }
      return undefined
    case "number":
      return value - value === 0
        ? undefined
        : jsonProblem("invalid-value", String(value), "JSON has no NaN or Infinity")
    case "boolean":
      return undefined
    case "bigint":
      return jsonProblem("wrong-type", "a bigint", "give it as a string or a number")
    case "undefined":
      return jsonProblem("invalid-value", "undefined", "JSON arrays cannot hold undefined: use null")
    case "symbol":
    case "function":
      return jsonProblem("wrong-type", `a ${typeof value}`, "")
  }
  if (value === null) return undefined
  const object = value as object
  if (ancestors.includes(object)) return jsonProblem("invalid-value", "a cycle", "JSON cannot hold cycles")
  if (ancestors.length >= JSON_MAX_DEPTH) {
    return jsonProblem("invalid-value", `more than ${JSON_MAX_DEPTH} levels of nesting`, "")
  }
  if (Array.isArray(object)) {
    ancestors.push(object)
    for (let index = 0; index < object.length; index++) {
      const inner = jsonProblemOf(object[index], jsonb, ancestors)
      if (inner !== undefined) {
        inner.path = `[${index}]${inner.path}`
        return inner
      }
    }
    ancestors.pop()
    return undefined
  }
  const prototype: unknown = Object.getPrototypeOf(object)
  if (prototype !== null && prototype !== Object.prototype) {
    return object instanceof Date
      ? jsonProblem("wrong-type", "a Date", "store instants as strings (date.toISOString())")
      : jsonProblem("wrong-type", describeValue(object), "convert it to a plain object or an array")
  }
  ancestors.push(object)
  const record = object as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const property = record[key]
    // JSON.stringify leaves such a property out, and reading it back gives undefined as well.
    if (property === undefined) continue
    const inner = jsonb && storableText(key, "") !== undefined
      ? jsonProblem("invalid-value", "a key with U+0000 or a lone surrogate", "jsonb cannot hold either")
      : jsonProblemOf(property, jsonb, ancestors)
    if (inner !== undefined) {
      inner.path = `${IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(truncate(key))}]`}${inner.path}`
      return inner
    }
  }
  ancestors.pop()
  return undefined
}

const jsonEncoder = (jsonb: boolean): Encode => (value) => {
  const found = jsonProblemOf(value, jsonb, [])
  if (found === undefined) return JSON.stringify(value)
  // The column got a JSON container: what is wrong is inside it, not its type.
  return found.path === ""
    ? problem(found.reason, JSON_EXPECTED, found.hint, found.what)
    : problem("invalid-value", JSON_EXPECTED, found.hint, `${found.what} at $${found.path}`)
}

// ---------------------------------------------------------------------------------------------------------
// Arrays

const ARRAY_SUFFIX = /(\s*\[\d*\])+$/

const arrayEncoder = (element: Encode, dimensions: number, elementType: string): Encode => {
  const expected = dimensions === 1
    ? `an array of ${elementType} values or nulls`
    : `${dimensions}-dimensional nested arrays of ${elementType} values or nulls, all rows of equal length`
  const render = (
    items: ReadonlyArray<unknown>,
    level: number,
    lengths: Array<number>,
    path: string
  ): string | Problem => {
    if (level > 0 && items.length === 0) {
      return problem("invalid-value", expected, "a PostgreSQL array cannot hold empty sub-arrays")
    }
    if (level === dimensions - 1) {
      const texts: Array<string | null> = new Array(items.length)
      for (let index = 0; index < items.length; index++) {
        const item = items[index]
        if (item === null) {
          texts[index] = null
          continue
        }
        const text = item === undefined
          ? problem("invalid-value", expected, "use null for a missing element")
          : element(item)
        if (typeof text !== "string") {
          const hint = `each element must be ${text.expected}${text.hint === "" ? "" : `; ${text.hint}`}`
          return problem(text.reason, expected, hint, `${text.found ?? describeValue(item)} at ${path}[${index}]`)
        }
        texts[index] = text
      }
      return pgArrayLiteral(texts)
    }
    let literal = "{"
    for (let index = 0; index < items.length; index++) {
      const item = items[index]
      if (!Array.isArray(item)) {
        return problem("wrong-type", expected, "", `${describeValue(item)} at ${path}[${index}]`)
      }
      const known = lengths[level + 1]
      if (known === undefined) lengths[level + 1] = item.length
      else if (known !== item.length) {
        return problem("invalid-value", expected, "a PostgreSQL array must be rectangular", `sub-arrays of ${known} and ${item.length} items`)
      }
      const inner = render(item, level + 1, lengths, `${path}[${index}]`)
      if (typeof inner !== "string") return inner
      literal += (index === 0 ? "" : ",") + inner
    }
    return literal + "}"
  }
  return (value) => Array.isArray(value) ? render(value, 0, [value.length], "") : problem("wrong-type", expected)
}

// ---------------------------------------------------------------------------------------------------------
// Compiled shapes

const PADDED = /^(?:char|character|bpchar)\b(?!\s+varying)/i
const TIMESTAMP_PRECISION = /^timestamp\s*\((\d)\)/i

/** The encoder of one (non-array) SQL type. */
const scalarEncoder = (token: string, sqlType: string, column: ShapeColumn): Encode => {
  switch (token) {
    case "timestamp with time zone":
    case "datetime64[ns]":
      return timestampEncoder(
        token === "timestamp with time zone",
        Number(TIMESTAMP_PRECISION.exec(sqlType)?.[1] ?? 6)
      )
    case "date":
      return encodeDate
    case "float64":
      return encodeFloat64
    case "float32":
      return encodeFloat32
    case "int16":
      return integerEncoder(16)
    case "int32":
      return integerEncoder(32)
    case "int64":
      return encodeInt64
    case "numeric":
      return numericEncoder(column.precision, column.scale)
    case "string":
      return stringEncoder(column.maxLength)
    case "bool":
      return encodeBool
    case "uuid":
      return encodeUuid
    case "json":
      return jsonEncoder(false)
    case "jsonb":
      return jsonEncoder(true)
    default:
      return encodeText
  }
}

interface CompiledColumn {
  readonly column: ShapeColumn
  readonly key: string
  readonly encode: Encode
  /** The key is also an `Object.prototype` property (`constructor`): read it as an own property only. */
  readonly inherited: boolean
  readonly grain: boolean
  /** The grain value used in keys, when it differs from the stored text. */
  readonly keyText: ((text: string) => string) | undefined
  /** The entity value as `EntityRange.entity` holds it. */
  readonly entityValue: (text: string) => string | number | boolean
}

interface Plan {
  readonly shape: RowShape
  readonly columns: ReadonlyArray<CompiledColumn>
  readonly timeIndex: number
  /** Positions of the entity columns in `columns`, in grain order. */
  readonly entity: ReadonlyArray<number>
  readonly keys: ReadonlySet<string>
}

const compileColumn = (column: ShapeColumn, grain: boolean): CompiledColumn => {
  const sqlType = column.sqlType.trim()
  const suffix = ARRAY_SUFFIX.exec(sqlType)
  const elementType = suffix === null ? sqlType : sqlType.slice(0, suffix.index)
  const dimensions = suffix === null ? 0 : (suffix[0].match(/\[/g) ?? []).length
  const elementToken = dimensions === 0 ? column.token : dataTypeTokenForSqlType(elementType)
  const scalar = scalarEncoder(elementToken, elementType, column)
  const encode = dimensions === 0 ? scalar : arrayEncoder(scalar, dimensions, elementType)
  const keyText = dimensions > 0
    ? undefined
    : elementToken === "numeric" && column.scale === undefined
    ? numericKey
    : elementToken === "string" && PADDED.test(elementType)
    ? paddedKey
    : elementToken === "float64"
    ? float64Key
    : elementToken === "float32"
    ? float32Key
    : elementToken === "jsonb"
    ? jsonbKey
    : undefined
  const entityValue = dimensions === 0 && (elementToken === "int16" || elementToken === "int32")
    ? Number
    : dimensions === 0 && elementToken === "bool"
    ? (text: string) => text === "true"
    : (text: string) => text
  return { column, key: column.key, encode, inherited: column.key in Object.prototype, grain, keyText, entityValue }
}

const plans = new WeakMap<RowShape, Plan>()

/** The compiled form of a shape, built once per shape: encoders are chosen per column, never per value. */
const planOf = (shape: RowShape): Plan => {
  const cached = plans.get(shape)
  if (cached !== undefined) return cached
  const grainKeys = new Set(shape.grain.map((column) => column.key))
  const columns = shape.columns.map((column) => compileColumn(column, grainKeys.has(column.key)))
  const position = (key: string) => columns.findIndex((column) => column.key === key)
  const plan: Plan = {
    shape,
    columns,
    timeIndex: position(shape.timeIndex.key),
    entity: shape.entity.map((column) => position(column.key)),
    keys: new Set(columns.map((column) => column.key))
  }
  plans.set(shape, plan)
  return plan
}

/** The hint for an undeclared property: the key of a column it names physically or nearly. */
const didYouMean = (plan: Plan, property: string): string => {
  const loose = (name: string) => name.replaceAll("_", "").toLowerCase()
  const match = plan.shape.columns.find((column) => column.name === property) ??
    plan.shape.columns.find((column) => loose(column.key) === loose(property) || loose(column.name) === loose(property))
  return match === undefined ? "" : `did you mean ${match.key}?`
}

const declaredKeys = (columns: ReadonlyArray<ShapeColumn>): string => columns.map((column) => column.key).join(", ")

const readProperty = (row: Record<string, unknown>, column: CompiledColumn): unknown =>
  column.inherited ? (Object.hasOwn(row, column.key) ? row[column.key] : undefined) : row[column.key]

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (!Predicate.isObject(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** The first own enumerable property the plan does not declare. */
const undeclaredProperty = (plan: Plan, row: object): string | undefined =>
  Object.keys(row).find((key) => !plan.keys.has(key))

// ---------------------------------------------------------------------------------------------------------
// Batches

/** An entity's running range while its batch is read; `index` replaces `rows` once a time comes out of order. */
interface RunningRange {
  readonly key: string
  readonly entity: Readonly<Record<string, string | number | boolean>>
  first: string
  last: string
  readonly rows: Array<number>
  index: Map<string, number> | undefined
}

const grainValues = (plan: Plan, values: ReadonlyArray<Array<string | null>>, row: number): string =>
  [plan.timeIndex, ...plan.entity].map((position) => {
    const column = plan.columns[position]!
    const text = values[position]![row]!
    return `${column.key} ${column.grain && position !== plan.timeIndex ? JSON.stringify(text) : text}`
  }).join(", ")


const MISSING = "nothing (the row leaves it out)"

/**
 * Validates one batch of a node's output against its table's row shape. Rows are read in order and each
 * row's columns in table order; the first problem fails the whole batch.
 */
export const validateBatch = (
  shape: RowShape,
  rows: ReadonlyArray<unknown>,
  context: BatchContext
): Result.Result<ValidatedBatch, RowValidationError> => {
  const plan = planOf(shape)
  const columns = plan.columns
  const width = columns.length
  const count = rows.length
  const values: Array<Array<string | null>> = columns.map(() => new Array<string | null>(count))
  const current: Array<unknown> = new Array(width)
  // For server-default columns: the first row that gave the column and the first that left it out.
  const firstGiven: Array<number> = new Array(width).fill(-1)
  const firstLeftOut: Array<number> = new Array(width).fill(-1)
  const timeValues = values[plan.timeIndex]!
  const entityPositions = plan.entity
  const entityWidth = entityPositions.length
  const ranges = new Map<string, RunningRange>()
  let lastLookup: string | undefined
  let lastRange: RunningRange | undefined
  let minTime: string | undefined
  let maxTime: string | undefined

  const fail = (
    row: number,
    column: string | null,
    reason: RowValidationReason,
    found: string,
    expected: string,
    hint: string,
    relatedRow: number | null = null
  ) =>
    Result.fail(
      new RowValidationError({
        node: context.node,
        identifier: shape.identifier,
        table: `${shape.schema}.${shape.table}`,
        batch: context.batch,
        row: context.firstRow + row,
        rowInBatch: row,
        column,
        reason,
        found,
        expected,
        hint,
        relatedRow: relatedRow === null ? null : context.firstRow + relatedRow
      })
    )

  for (let r = 0; r < count; r++) {
    const row = rows[r]
    if (!isPlainObject(row)) {
      return fail(r, null, "not-a-row", describeValue(row), `a plain object keyed by ${declaredKeys(shape.columns)}`, "")
    }
    let properties = 0
    for (const _ in row) properties++
    let present = 0
    for (let c = 0; c < width; c++) {
      const value = readProperty(row, columns[c]!)
      current[c] = value
      if (value !== undefined) present++
    }
    if (properties !== present) {
      // More properties than defined values: an undeclared one, or declared ones set to undefined.
      const extra = undeclaredProperty(plan, row)
      if (extra !== undefined) {
        return fail(
          r,
          extra,
          "unknown-property",
          `the undeclared property "${truncate(extra)}"`,
          `only the declared properties ${declaredKeys(shape.columns)}`,
          didYouMean(plan, extra)
        )
      }
    }
    for (let c = 0; c < width; c++) {
      const compiled = columns[c]!
      const column = compiled.column
      let value = current[c]
      let fromDefault = false
      if (column.generated) {
        if (value === undefined) continue
        return fail(r, column.key, "generated-column", describeValue(value), "no value: the database computes this generated column", "leave it out of the rows")
      }
      if (value === undefined) {
        if (compiled.grain) {
          return fail(r, column.key, "missing-value", MISSING, `a value in every row: the column is part of the grain (${shape.grain.map((grain) => grain.key).join(", ")})`, "")
        }
        if (column.defaultFn !== undefined) {
          value = column.defaultFn()
          fromDefault = true
          if (value === undefined) value = null
        } else if (column.serverDefault) {
          if (firstGiven[c]! >= 0) {
            return fail(r, column.key, "mixed-default", `${MISSING}, while row ${context.firstRow + firstGiven[c]!} gives it`, "the column in every row of a batch or in none (then the database fills in its default)", "give it in every row of the batch, or leave it out of all of them", firstGiven[c]!)
          }
          if (firstLeftOut[c] === -1) firstLeftOut[c] = r
          values[c]![r] = null
          continue
        } else if (column.notNull) {
          return fail(r, column.key, "missing-value", MISSING, "a value: the column is NOT NULL and has no default", "")
        } else {
          values[c]![r] = null
          continue
        }
      }
      if (column.serverDefault && !fromDefault) {
        if (firstLeftOut[c]! >= 0) {
          const leftOut = firstLeftOut[c]!
          return fail(leftOut, column.key, "mixed-default", `${MISSING}, while row ${context.firstRow + r} gives it`, "the column in every row of a batch or in none (then the database fills in its default)", "give it in every row of the batch, or leave it out of all of them", r)
        }
        if (firstGiven[c] === -1) firstGiven[c] = r
      }
      if (value === null) {
        if (compiled.grain) {
          return fail(r, column.key, "null-value", "null", `a value in every row: the column is part of the grain (${shape.grain.map((grain) => grain.key).join(", ")})`, "")
        }
        if (column.notNull) {
          return fail(
            r,
            column.key,
            "null-value",
            fromDefault ? "null (from the column's $defaultFn)" : "null",
            "a value: the column is NOT NULL",
            column.serverDefault ? "leave the column out of every row of the batch to get its default" : ""
          )
        }
        values[c]![r] = null
        continue
      }
      const text = compiled.encode(value)
      if (typeof text !== "string") {
        const found = text.found ?? describeValue(value)
        return fail(r, column.key, text.reason, fromDefault ? `${found} (from the column's $defaultFn)` : found, text.expected, text.hint)
      }
      values[c]![r] = text
    }

    const time = timeValues[r]!
    if (minTime === undefined || time < minTime) minTime = time
    if (maxTime === undefined || time > maxTime) maxTime = time
    let lookup = ""
    for (let e = 0; e < entityWidth; e++) {
      const position = entityPositions[e]!
      const compiled = columns[position]!
      const text = values[position]![r]!
      // U+0000 is in no stored text, so it separates entity values unambiguously.
      lookup = e === 0 ? (compiled.keyText === undefined ? text : compiled.keyText(text)) : lookup + "\u0000" + (compiled.keyText === undefined ? text : compiled.keyText(text))
    }
    let range = lookup === lastLookup ? lastRange : ranges.get(lookup)
    if (range === undefined) {
      const texts = entityWidth === 0 ? [] : lookup.split("\u0000")
      const entity: Record<string, string | number | boolean> = {}
      for (let e = 0; e < entityWidth; e++) {
        const compiled = columns[entityPositions[e]!]!
        entity[compiled.key] = compiled.entityValue(texts[e]!)
      }
      range = { key: JSON.stringify(texts), entity, first: time, last: time, rows: [r], index: undefined }
      ranges.set(lookup, range)
    } else if (time > range.last) {
      range.last = time
      if (range.index === undefined) range.rows.push(r)
      else range.index.set(time, r)
    } else if (time < range.first) {
      range.first = time
      if (range.index === undefined) range.rows.push(r)
      else range.index.set(time, r)
    } else {
      // Out of order within the entity's range: only now is an index of its times worth building.
      if (range.index === undefined) {
        const index = new Map<string, number>()
        for (const earlier of range.rows) index.set(timeValues[earlier]!, earlier)
        range.index = index
        range.rows.length = 0
      }
      const earlier = range.index.get(time)
      if (earlier !== undefined) {
        return fail(
          r,
          null,
          "duplicate-grain",
          `the grain of row ${context.firstRow + earlier} (batch ${context.batch}, row ${earlier}) again: ${grainValues(plan, values, r)}`,
          "one row per grain in a batch",
          "",
          earlier
        )
      }
      range.index.set(time, r)
    }
    lastLookup = lookup
    lastRange = range
  }

  const kept: Array<number> = []
  for (let c = 0; c < width; c++) {
    const column = columns[c]!.column
    if (column.generated) continue
    if (column.serverDefault && column.defaultFn === undefined && firstGiven[c] === -1) continue
    kept.push(c)
  }
  const entities = new Map<string, EntityRange>()
  for (const range of ranges.values()) {
    entities.set(range.key, { entity: range.entity, first: range.first, last: range.last })
  }
  return Result.succeed({
    rowCount: count,
    columns: kept.map((c) => columns[c]!.column),
    values: kept.map((c) => values[c]!),
    minTime,
    maxTime,
    entities
  })
}

// ---------------------------------------------------------------------------------------------------------
// Entities and instants on their own

const standaloneError = (
  shape: RowShape | undefined,
  column: string | null,
  reason: RowValidationReason,
  found: string,
  expected: string,
  hint: string
) =>
  new RowValidationError({
    node: "",
    identifier: shape?.identifier ?? "",
    table: shape === undefined ? "" : `${shape.schema}.${shape.table}`,
    batch: null,
    row: null,
    rowInBatch: null,
    column,
    reason,
    found,
    expected,
    hint,
    relatedRow: null
  })

/**
 * The key `ValidatedBatch.entities` uses for an entity given by its entity columns' properties (without the
 * time index): the JSON array of their canonical text in grain order, `[]` when the grain is the time index
 * alone. Values are taken as rows take them, so `42` and `42n`, or a uuid in any case, give the same key.
 */
export const entityKeyOf = (
  shape: RowShape,
  entity: Readonly<Record<string, unknown>>
): Result.Result<string, RowValidationError> => {
  const plan = planOf(shape)
  const expected = shape.entity.length === 0
    ? "an empty object: the grain is the time index alone"
    : `an object with exactly the entity's properties ${declaredKeys(shape.entity)}`
  if (!isPlainObject(entity)) {
    return Result.fail(standaloneError(shape, null, "not-a-row", describeValue(entity), expected, ""))
  }
  const entityKeys = new Set(shape.entity.map((column) => column.key))
  const extra = Object.keys(entity).find((key) => !entityKeys.has(key))
  if (extra !== undefined) {
    const hint = extra === shape.timeIndex.key
      ? "an entity is identified without its time index"
      : didYouMean(plan, extra)
    return Result.fail(
      standaloneError(shape, extra, "unknown-property", `the property "${truncate(extra)}"`, expected, hint)
    )
  }
  const texts: Array<string> = []
  for (const position of plan.entity) {
    const compiled = plan.columns[position]!
    const value = readProperty(entity as Record<string, unknown>, compiled)
    if (value === undefined || value === null) {
      return Result.fail(
        standaloneError(shape, compiled.key, value === null ? "null-value" : "missing-value", value === null ? "null" : "nothing", expected, "")
      )
    }
    const text = compiled.encode(value)
    if (typeof text !== "string") {
      return Result.fail(
        standaloneError(shape, compiled.key, text.reason, text.found ?? describeValue(value), text.expected, text.hint)
      )
    }
    texts.push(compiled.keyText === undefined ? text : compiled.keyText(text))
  }
  return Result.succeed(JSON.stringify(texts))
}

/**
 * The canonical UTC text of an instant, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, from a valid `Date` or an ISO-8601
 * string with an offset (microseconds kept); naive strings and years outside 0001–9999 are refused.
 */
export const canonicalInstant = (value: unknown): Result.Result<string, RowValidationError> => {
  const text = value === null || value === undefined ? problem("missing-value", INSTANT_EXPECTED) : instantText(value)
  if (typeof text === "string") return Result.succeed(text)
  return Result.fail(standaloneError(undefined, null, text.reason, text.found ?? describeValue(value), text.expected, text.hint))
}
