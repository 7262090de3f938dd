/**
 * Decoders for PostgreSQL's text output of temporal types, giving the values `@effect/sql-pg` gives from its
 * binary protocol: `timestamp`/`timestamptz` as `Date` (an invalid `Date` for ±infinity), `interval` as
 * `{ months, days, microseconds }`. Written out rather than left to `new Date(text)`, whose parsing of
 * PostgreSQL's format differs between JavaScript engines.
 */

const timestampPattern =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?)?( BC)?$/

const invalidDate = (): Date => new Date(Number.NaN)

/**
 * Parses `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]][ BC]` (DateStyle ISO). Without an offset the fields
 * are read as UTC, as the server client does for `timestamp without time zone`. Sub-millisecond digits are
 * truncated.
 */
export const parseTimestamp = (text: string): Date => {
  if (text === "infinity" || text === "-infinity") return invalidDate()
  const match = timestampPattern.exec(text)
  if (match === null) throw new Error(`Unrecognised timestamp "${text}" (expected DateStyle ISO)`)
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes, offsetSeconds, bc] =
    match
  const date = new Date(0)
  const absoluteYear = Number(year)
  date.setUTCFullYear(bc === undefined ? absoluteYear : 1 - absoluteYear, Number(month) - 1, Number(day))
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number((fraction ?? "").padEnd(3, "0").slice(0, 3)))
  if (sign === undefined) return date
  const offsetMilliseconds =
    ((Number(offsetHours) * 60 + Number(offsetMinutes ?? 0)) * 60 + Number(offsetSeconds ?? 0)) * 1000
  return new Date(date.getTime() - (sign === "-" ? -offsetMilliseconds : offsetMilliseconds))
}

/** An interval as calendar months, days and microseconds, kept apart as PostgreSQL keeps them. */
export interface IntervalValue {
  readonly months: number
  readonly days: number
  readonly microseconds: bigint
}

const unitPattern = /^(years?|mons?|days?)$/
const timePattern = /^([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/

/** Parses IntervalStyle `postgres` output, for example `1 year 2 mons -3 days +04:05:06.5`. */
export const parseInterval = (text: string): IntervalValue => {
  const tokens = text.trim().split(/\s+/)
  let months = 0
  let days = 0
  let microseconds = 0n
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!
    const time = timePattern.exec(token)
    if (time !== null) {
      const [, sign, hours, minutes, seconds, fraction] = time
      const magnitude = ((BigInt(hours!) * 60n + BigInt(minutes!)) * 60n + BigInt(seconds!)) * 1_000_000n +
        BigInt((fraction ?? "").padEnd(6, "0"))
      microseconds += sign === "-" ? -magnitude : magnitude
      continue
    }
    const unit = tokens[index + 1]
    if (!/^[+-]?\d+$/.test(token) || unit === undefined || !unitPattern.test(unit)) {
      throw new Error(`Unrecognised interval "${text}" (expected IntervalStyle postgres)`)
    }
    const amount = Number(token)
    if (unit.startsWith("year")) months += amount * 12
    else if (unit.startsWith("mon")) months += amount
    else days += amount
    index++
  }
  return { months, days, microseconds }
}
