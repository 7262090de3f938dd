/**
 * The text family: `text`, `varchar(n)` and `char(n)` take strings of at most the declared length in
 * characters (code points; a `char` declared without a length holds one, as in PostgreSQL), without U+0000
 * (text cannot hold it) and without lone surrogates (they would not survive UTF-8). `char(n)` (bpchar)
 * ignores trailing spaces in comparisons, so its equality key drops them; other text is its own key.
 */
import { truncate } from "./DescribeValue.ts"
import { type Encode, entityText, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { type ValueProblem, valueProblem } from "./ValueProblem.ts"

interface WellFormed {
  isWellFormed(): boolean
}

const NUL_PROBLEM = (expected: string) =>
  valueProblem("invalid-value", `${expected} without the character U+0000`, "PostgreSQL text cannot hold U+0000")
const SURROGATE_PROBLEM = (expected: string) =>
  valueProblem("invalid-value", `${expected} of well-formed Unicode`, "a lone surrogate cannot be stored as UTF-8")

/** Checks that PostgreSQL can store `text` as it is: no U+0000, no lone surrogate. */
export const storableText = (text: string, expected: string): ValueProblem | undefined => {
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
    if (typeof value !== "string") return valueProblem("wrong-type", expected)
    // A string is never longer in code points than in UTF-16 units: count them only when it might matter.
    if (maxLength !== undefined && value.length > maxLength) {
      const length = codePointLength(value)
      if (length > maxLength) {
        const shown = JSON.stringify(truncate(value)).replace(/…"$/, "\"…")
        return valueProblem("too-long", expected, "", `${shown} (a string of ${length} characters)`)
      }
    }
    return storableText(value, expected) ?? value
  }
}

/** bpchar ignores trailing spaces in comparisons: `"AB"` and `"AB "` are one grain value. */
const paddedKey = (text: string): string => text.replace(/ +$/, "")

const PADDED = /^(?:char|character|bpchar)\b(?!\s+varying)/i

/** The family of a text column of SQL type `sqlType`, at most `maxLength` characters long when declared. */
export const textFamily = (maxLength: number | undefined, sqlType: string): ValueFamily =>
  PADDED.test(sqlType)
    ? { encode: stringEncoder(maxLength), equalityKey: paddedKey, entityValue: entityText }
    : plainFamily(stringEncoder(maxLength))
