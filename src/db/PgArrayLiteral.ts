/**
 * PostgreSQL array literals (`{"a","b",NULL}`), for binding a whole array as one text parameter that SQL
 * casts (`unnest($1::float8[])`). Both clients bind a string the same way, whereas JavaScript arrays are
 * typed per driver: `@effect/sql-pg` infers each element's type from its value and refuses `[1.5, 2]`
 * (float8 and int4) or an array of nulls.
 *
 * `pgArrayLiteral` takes values of any kind and quotes every string; `textArrayLiteral` is the hot path of
 * persistence, over a batch's column (`ColumnValues`: text, or numbers and booleans written as their text),
 * and quotes an element only when it must. Both escape quoted elements alike.
 */
import { type ColumnInput, type ColumnValues, columnValuesOf } from "./ColumnValues.ts"

/** A value an array literal can hold; `null` is SQL NULL. */
export type PgArrayElement = string | number | bigint | boolean | Date | null

/** A quoted array element: backslashes and double quotes escaped. */
const quote = (text: string): string => `"${text.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"")}"`

const element = (value: PgArrayElement): string => {
  if (value === null) return "NULL"
  if (typeof value === "boolean") return value ? "t" : "f"
  if (typeof value === "bigint") return value.toString()
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN"
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity"
    return String(value)
  }
  if (value instanceof Date) return quote(value.toISOString())
  return quote(value)
}

/** The one-dimensional array literal of `values`; cast it to the element type in SQL. */
export const pgArrayLiteral = (values: ReadonlyArray<PgArrayElement>): string => {
  let literal = "{"
  for (let index = 0; index < values.length; index++) {
    if (index > 0) literal += ","
    literal += element(values[index]!)
  }
  return `${literal}}`
}

/** What an unquoted element cannot hold: separators, braces, quotes, escapes, and white space (trimmed). */
const NEEDS_QUOTES = /[\s,{}"\\]/

/** `NULL` in any case: unquoted, it would read as SQL NULL. */
const isNullWord = (value: string): boolean => value.length === 4 && value.toUpperCase() === "NULL"

/** A column of numbers or booleans, whose texts never need quoting. */
const valuesArrayLiteral = (values: ColumnValues): string => {
  let literal = "{"
  for (let index = 0; index < values.length; index++) {
    if (index > 0) literal += ","
    literal += values.textAt(index) ?? "NULL"
  }
  return literal + "}"
}

/**
 * `{2024-01-01T00:00:00.000000Z,"a b","",NULL}`, one column of a batch (`ColumnValues`, or its texts) as the
 * one parameter `unnest` reads it from: elements without special characters (timestamps, numbers, uuids,
 * most identifiers) as they are; empty strings, the word `NULL` and elements with separators, braces, quotes,
 * backslashes or white space quoted; `null` is SQL NULL. Cast it as `$n::text[]` or `$n::type[]`: each element is then read by the
 * element type's input function. Hot path: it runs once per column per batch over every value, so it appends
 * to one string, writes most values as they are, and copies a value only when it needs escaping.
 */
export const textArrayLiteral = (column: ColumnInput): string => {
  const values = columnValuesOf(column)
  if (values._tag !== "TextValues") return valuesArrayLiteral(values)
  const texts = values.texts
  let literal = "{"
  for (let index = 0; index < texts.length; index++) {
    const value = texts[index]
    if (index > 0) literal += ","
    if (value === null || value === undefined) literal += "NULL"
    else if (value !== "" && !NEEDS_QUOTES.test(value) && !isNullWord(value)) literal += value
    else literal += quote(value)
  }
  return literal + "}"
}
