/**
 * Proleptic Gregorian calendar arithmetic and digit reading shared by row validation's timestamp and date
 * families and the binary COPY encoder: days counted from 1970-01-01, the years PostgreSQL timestamps are kept to here (0001 to 9999), and reading the
 * digits of ISO-8601 text without a regular expression (time indexes go through it once per row).
 */

/** `00` to `99`, so that formatting a time of day builds no padded strings. */
export const TWO_DIGITS = Array.from({ length: 100 }, (_, index) => (index < 10 ? "0" : "") + index)

export const pad4 = (value: number): string => String(10_000 + value).slice(1)

/** Days from 1970-01-01 to a proleptic Gregorian date (valid for years 0 and later). */
export const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/** The first and last second (since 1970, UTC) of years 0001 to 9999, and the same in milliseconds. */
export const MIN_SECOND = daysFromCivil(1, 1, 1) * 86400
export const MAX_SECOND = daysFromCivil(9999, 12, 31) * 86400 + 86399
export const MIN_MS = MIN_SECOND * 1000
export const MAX_MS = MAX_SECOND * 1000 + 999

export const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28)
    : (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31)

/** The digit at `index`, or -1 when there is none. */
export const digitAt = (text: string, index: number): number => {
  const code = text.charCodeAt(index) - 48
  return code >= 0 && code <= 9 ? code : -1
}

/** The two-digit number at `index`, or -1 when either is not a digit. */
export const twoDigitsAt = (text: string, index: number): number => {
  const high = digitAt(text, index)
  const low = digitAt(text, index + 1)
  return high < 0 || low < 0 ? -1 : high * 10 + low
}

/** `YYYY-MM-DD` of a day counted from 1970-01-01 (the inverse of `daysFromCivil`). */
export const civilDate = (days: number): string => {
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
