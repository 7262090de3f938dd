/**
 * The timestamp family: `timestamp with time zone` (the time index among them) and `timestamp` without.
 *
 * - With a time zone: a valid `Date`, or an ISO-8601 string with an offset (`Z`, `+02:00`, `+0200`, `+02`, up
 *   to ±15:59 as PostgreSQL takes; `T`, `t` or a space between date and time; seconds and a fraction optional,
 *   digits past microseconds rounded as PostgreSQL rounds them: `rint(fraction × 10⁶)` on the double, ties to
 *   even). Stored as canonical UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, rounded like PostgreSQL to the
 *   column's declared fractional precision.
 * - Without: a `Date` (its UTC wall time) or an ISO-8601 string without an offset (a bare date means
 *   midnight), as `YYYY-MM-DDTHH:MM:SS.ffffff`.
 *
 * Years 0001 to 9999 only. The text is canonical, so it is its own equality key, and comparing two instants'
 * texts as strings compares them in time.
 */
import {
  civilDate,
  daysFromCivil,
  daysInMonth,
  digitAt,
  MAX_MS,
  MAX_SECOND,
  MIN_MS,
  MIN_SECOND,
  TWO_DIGITS,
  twoDigitsAt
} from "../../db/Calendar.ts"
import { type Encode, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { type ValueProblem, valueProblem } from "./ValueProblem.ts"

const pad6 = (micros: number): string => micros === 0 ? "000000" : String(1_000_000 + micros).slice(1)

/** PostgreSQL rounds a timestamp's fraction half away from 2000-01-01 00:00 (its epoch). */
const PG_EPOCH_SECOND = 946684800

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
const renderInstant = (second: number, micros: number, suffix: string, expected: string): string | ValueProblem => {
  if (micros >= 1_000_000) {
    second += 1
    micros -= 1_000_000
  }
  if (second < MIN_SECOND || second > MAX_SECOND) {
    return valueProblem("out-of-range", expected, "PostgreSQL timestamps here are kept to years 0001 to 9999")
  }
  return formatSlow(second, micros, suffix)
}

export const INSTANT_EXPECTED = "a Date or an ISO-8601 string with a UTC offset, like 2024-01-02T00:00:00Z"
const WALL_EXPECTED = "a Date or an ISO-8601 date and time without an offset, like 2024-01-02T00:00:00"
const NAIVE_HINT = "add an offset: Z for UTC (2024-01-02T00:00:00Z) or the offset of the local time (+02:00)"
const OFFSET_HINT = "this column is timestamp without time zone and would drop the offset: give the wall time " +
  "without one, or declare the column with { withTimezone: true }"

/**
 * Parses an ISO-8601 date and time into canonical text. `instant` mode requires an offset and renders UTC
 * with `Z`; `wall` mode refuses an offset, takes a bare date as midnight, and renders the wall time.
 * Hand-written rather than a regular expression: time indexes go through it once per row.
 */
const isoText = (text: string, instant: boolean, precision: number): string | ValueProblem => {
  const expected = instant ? INSTANT_EXPECTED : WALL_EXPECTED
  const length = text.length
  const invalid = () => valueProblem("invalid-value", expected)
  if (length < 10 || length > 40) return invalid()
  const year = digitAt(text, 0) * 1000 + digitAt(text, 1) * 100 + twoDigitsAt(text, 2)
  const month = twoDigitsAt(text, 5)
  const day = twoDigitsAt(text, 8)
  if (
    digitAt(text, 0) < 0 || digitAt(text, 1) < 0 || twoDigitsAt(text, 2) < 0 || month < 0 || day < 0 ||
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45
  ) return invalid()
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return valueProblem(
      year < 1 ? "out-of-range" : "invalid-value",
      `${expected}, with a real date in years 0001 to 9999`
    )
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
    if (hour > 23 || minute > 59 || second > 59) {
      return valueProblem("invalid-value", `${expected}, with a real time of day`)
    }
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
        if (offsetHours > 15) return valueProblem("invalid-value", `${expected}, with an offset within ±15:59`)
        offset = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMinutes)
      } else {
        return invalid()
      }
      if (index !== length) return invalid()
      hasOffset = true
    }
  }
  if (instant && !hasOffset) {
    return valueProblem(
      "naive-instant",
      expected,
      length === 10 ? `add a time and an offset: ${text}T00:00:00Z` : NAIVE_HINT
    )
  }
  if (!instant && hasOffset) return valueProblem("invalid-value", WALL_EXPECTED, OFFSET_HINT)
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
      if (Number.isNaN(time)) return valueProblem("invalid-value", expected)
      if (time < MIN_MS || time > MAX_MS) {
        return valueProblem("out-of-range", expected, "PostgreSQL timestamps here are kept to years 0001 to 9999")
      }
      const second = Math.floor(time / 1000)
      const micros = roundMicros((time - second * 1000) * 1000, precision, second)
      if (micros === 1_000_000) return renderInstant(second, micros, suffix, expected)
      lastTime = time
      lastText = format(second, micros, suffix)
      return lastText
    }
    if (typeof value === "string") return isoText(value, instant, precision)
    return valueProblem("wrong-type", expected)
  }
}

/** The canonical text of an instant (a Date or an ISO-8601 string with an offset), or the problem with it. */
export const instantText: Encode = timestampEncoder(true, 6)

const TIMESTAMP_PRECISION = /^timestamp\s*\((\d)\)/i

/**
 * The family of one timestamp column, with (`instant`) or without a time zone, rounded to the fractional
 * precision its SQL type declares (`timestamp(3) with time zone`; 6 when it declares none). Made per column:
 * its encoder remembers the column's last Date.
 */
export const timestampFamily = (instant: boolean, sqlType: string): ValueFamily =>
  plainFamily(timestampEncoder(instant, Number(TIMESTAMP_PRECISION.exec(sqlType)?.[1] ?? 6)))
