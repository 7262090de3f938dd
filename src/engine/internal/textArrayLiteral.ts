/**
 * One column of a batch as a single PostgreSQL `text[]` literal, the one parameter `unnest` reads the column
 * from. Hot path: it runs once per column per batch over every value, so it scans each value once and copies
 * only those that need escaping.
 */

const BACKSLASH = 92
const QUOTE = 34

/** Whether `text` holds a character that must be escaped inside a quoted array element. */
const needsEscape = (text: string): boolean => {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === BACKSLASH || code === QUOTE) return true
  }
  return false
}

/**
 * `{"a","b",NULL}`: every element quoted (so that empty strings, `NULL`, braces, commas and white space stay
 * text), backslashes and double quotes escaped; `null` is SQL NULL. Cast it as `$n::text[]`.
 */
export const textArrayLiteral = (values: ReadonlyArray<string | null>): string => {
  const parts = new Array<string>(values.length)
  for (let index = 0; index < values.length; index++) {
    const value = values[index]
    parts[index] = value === null || value === undefined
      ? "NULL"
      : needsEscape(value)
      ? `"${value.replaceAll("\\", "\\\\").replaceAll("\"", "\\\"")}"`
      : `"${value}"`
  }
  return `{${parts.join(",")}}`
}
