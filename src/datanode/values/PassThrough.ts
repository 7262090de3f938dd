/**
 * The family of every other SQL type (`interval`, `inet`, enums, ...): strings, passed through as text for
 * PostgreSQL to parse as the column's type, refused only when no text column could hold them (U+0000, lone
 * surrogates). The text is its own equality key.
 */
import { storableText } from "./Text.ts"
import { type Encode, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const encodeText: Encode = (value) => {
  if (typeof value !== "string") {
    return valueProblem("wrong-type", "a string (PostgreSQL parses it as the column's type)")
  }
  return storableText(value, "a string") ?? value
}

export const passThroughFamily: ValueFamily = plainFamily(encodeText)
