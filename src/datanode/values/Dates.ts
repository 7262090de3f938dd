/**
 * The date family: a `YYYY-MM-DD` string naming a real date, or a `Date` (its UTC date), in years 0001 to
 * 9999; stored as `YYYY-MM-DD`, which is canonical and so its own equality key.
 */
import { daysInMonth, digitAt, MAX_MS, MIN_MS, twoDigitsAt } from "../../db/Calendar.ts"
import { type Encode, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const DATE_EXPECTED = "a Date or a YYYY-MM-DD string"

const encodeDate: Encode = (value) => {
  if (value instanceof Date) {
    const time = value.getTime()
    if (Number.isNaN(time)) return valueProblem("invalid-value", DATE_EXPECTED)
    if (time < MIN_MS || time > MAX_MS) return valueProblem("out-of-range", `${DATE_EXPECTED} in years 0001 to 9999`)
    return value.toISOString().slice(0, 10)
  }
  if (typeof value !== "string") return valueProblem("wrong-type", DATE_EXPECTED)
  const year = digitAt(value, 0) * 1000 + digitAt(value, 1) * 100 + twoDigitsAt(value, 2)
  const month = twoDigitsAt(value, 5)
  const day = twoDigitsAt(value, 8)
  if (
    value.length !== 10 || digitAt(value, 0) < 0 || digitAt(value, 1) < 0 || twoDigitsAt(value, 2) < 0 ||
    month < 0 || day < 0 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45
  ) return valueProblem("invalid-value", DATE_EXPECTED)
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    // Year 0000 is out of range, as for timestamps; a 13th month or a 30th of February is no date at all.
    return valueProblem(
      year < 1 ? "out-of-range" : "invalid-value",
      `${DATE_EXPECTED} naming a real date in years 0001 to 9999`
    )
  }
  return value
}

export const dateFamily: ValueFamily = plainFamily(encodeDate)
