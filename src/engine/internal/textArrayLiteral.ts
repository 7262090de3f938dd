/**
 * One column of a batch as a single PostgreSQL array literal, the one parameter `unnest` reads the column
 * from (as an array of the column's type, or a `text[]` of array literals for an array column). Hot path: it
 * runs once per column per batch over every value, so it appends to one string (V8 joins the pieces once,
 * when the driver encodes it), writes most values as they are, and copies a value only when it needs
 * escaping.
 */

/** What an unquoted element cannot hold: separators, braces, quotes, escapes, and white space (trimmed). */
const NEEDS_QUOTES = /[\s,{}"\\]/

/** `NULL` in any case: unquoted, it would read as SQL NULL. */
const isNullWord = (value: string): boolean => value.length === 4 && value.toUpperCase() === "NULL"

/**
 * `{2024-01-01T00:00:00.000000Z,"a b","",NULL}`: elements without special characters (timestamps, numbers,
 * uuids, most identifiers) as they are; empty strings, the word `NULL` and elements with separators, braces,
 * quotes, backslashes or white space quoted, with backslashes and double quotes escaped; `null` is SQL NULL.
 * Cast it as `$n::text[]` or `$n::type[]`: each element is then read by the element type's input function.
 */
export const textArrayLiteral = (values: ReadonlyArray<string | null>): string => {
  let literal = "{"
  for (let index = 0; index < values.length; index++) {
    const value = values[index]
    if (index > 0) literal += ","
    if (value === null || value === undefined) literal += "NULL"
    else if (value !== "" && !NEEDS_QUOTES.test(value) && !isNullWord(value)) literal += value
    else literal += "\"" + value.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"") + "\""
  }
  return literal + "}"
}
