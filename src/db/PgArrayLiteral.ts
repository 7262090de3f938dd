/**
 * PostgreSQL array literals (`{"a","b",NULL}`), for binding a whole array as one text parameter that SQL
 * casts (`unnest($1::float8[])`). Both clients bind a string the same way, whereas JavaScript arrays are
 * typed per driver: `@effect/sql-pg` infers each element's type from its value and refuses `[1.5, 2]`
 * (float8 and int4) or an array of nulls.
 */

/** A value an array literal can hold; `null` is SQL NULL. */
export type PgArrayElement = string | number | bigint | boolean | Date | null

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
