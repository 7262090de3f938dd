/**
 * The numeric family: `numeric`/`decimal` takes finite numbers (by their shortest decimal form, `String(n)`),
 * bigints, or decimal strings with an optional exponent (`-12.50`, `1e3`; not `NaN` or `Infinity`). Rendered
 * in plain notation: rounded half away from zero to the declared scale with exactly that many fraction digits
 * (as PostgreSQL stores it), checked against `precision - scale` integer digits; an unconstrained numeric
 * keeps its display scale (`12.50` stays `12.50`). As written, a value stays within what PostgreSQL reads
 * before any rounding: 131072 digits before the decimal point, 16383 after it, exponents up to ±1073741823.
 *
 * Equal numerics compare equal whatever their display scale, so an unconstrained numeric's equality key drops
 * trailing fraction zeros; a declared scale makes the text canonical already.
 */
import { type Encode, entityText, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { type ValueProblem, valueProblem } from "./ValueProblem.ts"

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?)(\d+))?$/
/** PostgreSQL refuses a larger exponent, even of a zero (`value overflows numeric format`). */
const NUMERIC_MAX_EXPONENT = 1073741823
/** PostgreSQL's limits for an unconstrained numeric: digits before and after the decimal point. */
const NUMERIC_INTEGER_DIGITS = 131072
const NUMERIC_FRACTION_DIGITS = 16383

const numericOverflow = (): ValueProblem =>
  valueProblem(
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

/** What a column of `numeric(precision, scale)` refuses a value too large for. */
const tooLarge = (precision: number, scale: number): ValueProblem => {
  const integerDigits = precision - scale
  return valueProblem(
    "out-of-range",
    integerDigits > 0
      ? `a number with at most ${integerDigits} digit${integerDigits === 1 ? "" : "s"} before the decimal point ` +
        `(numeric(${precision}, ${scale}))`
      : `a number smaller than 1e${integerDigits} in magnitude (numeric(${precision}, ${scale}))`
  )
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
): string | ValueProblem => {
  const match = DECIMAL_TEXT.exec(text)
  const integerPart = match?.[2] ?? ""
  const fractionPart = match?.[3] ?? ""
  if (match === null || (integerPart === "" && fractionPart === "")) return valueProblem("invalid-value", expected)
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
    if (precision !== undefined && digits !== "" && point > precision - scale) return tooLarge(precision, scale)
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
      if (value - value !== 0) return valueProblem("invalid-value", expected)
      return decimalText(String(value), precision, scale, expected)
    }
    if (typeof value === "bigint") return decimalText(value.toString(), precision, scale, expected)
    if (typeof value === "string") return decimalText(value, precision, scale, expected)
    return valueProblem("wrong-type", expected)
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

/** The family of a `numeric(precision, scale)` column; both undefined for an unconstrained one. */
export const numericFamily = (precision: number | undefined, scale: number | undefined): ValueFamily =>
  scale === undefined
    ? { encode: numericEncoder(precision, scale), equalityKey: numericKey, entityValue: entityText }
    : plainFamily(numericEncoder(precision, scale))
