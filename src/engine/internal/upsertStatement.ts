/**
 * The SQL of the statement that upserts a validated batch: pure text built from the row shape and the
 * batch's columns, one `text[]` parameter per column. Kept apart from its execution so that tests and the
 * benchmark can read it.
 */
import type { RowShape, ShapeColumn } from "../../datanode/RowShape.ts"

/** `"name"` with embedded double quotes doubled: identifiers come from users' declarations. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

const SERIAL_TYPES: Readonly<Record<string, string>> = {
  smallserial: "smallint",
  serial: "integer",
  bigserial: "bigint",
  serial2: "smallint",
  serial4: "integer",
  serial8: "bigint"
}

/** A type name drizzle renders from PostgreSQL's own grammar (lower case, digits, spaces, parentheses). */
const BUILTIN_TYPE = /^[a-z_][a-z0-9_ ]*(\([0-9, ]*\))?( with(out)? time zone)?$/

/**
 * The type a column's element text is cast to. `serial` types are DDL shorthands, not castable types; an
 * enum's type is its bare name, quoted here when it is not a plain lower-case identifier (drizzle creates
 * enums with quoted names). Array suffixes are kept.
 */
export const castType = (column: ShapeColumn): string => {
  const match = /^(.*?)((?:\s*\[\d*\])*)$/.exec(column.sqlType.trim())
  const base = match?.[1] ?? column.sqlType
  const dimensions = match?.[2] ?? ""
  const serial = SERIAL_TYPES[base.toLowerCase()]
  if (serial !== undefined) return serial + dimensions
  return (BUILTIN_TYPE.test(base) ? base : quoteIdentifier(base)) + dimensions
}

/**
 * Types without a usable equality: `json` has no `=` at all, geometric types compare areas or are missing
 * one, `xml` has none. Their text is compared instead, which is exact for "did the stored value change".
 */
const NO_EQUALITY = /^(json|xml|point|line|lseg|box|path|polygon|circle)(\s*\[\d*\])*$/i

const comparable = (column: ShapeColumn, expression: string): string =>
  NO_EQUALITY.test(column.sqlType.trim()) ? `${expression}::text` : expression

export interface UpsertStatement {
  readonly sql: string
  /** Whether the statement reports updates (a batch with value columns); grain-only batches do nothing on conflict. */
  readonly updates: boolean
}

/**
 * `WITH written AS (INSERT ... SELECT ... FROM unnest($1::text[], ...) ON CONFLICT (grain) DO UPDATE ... WHERE
 * (stored values) IS DISTINCT FROM (new values) RETURNING (xmax = 0)) SELECT counts`: one statement that
 * writes the batch and says how many rows it inserted and updated. An inserted row has no `xmax`; an updated
 * one carries this transaction's. Rows that conflict and whose values are the same are neither: they are
 * the unchanged ones, and nothing of them is rewritten.
 */
export const upsertStatement = (shape: RowShape, columns: ReadonlyArray<ShapeColumn>): UpsertStatement => {
  const target = `${quoteIdentifier(shape.schema)}.${quoteIdentifier(shape.table)}`
  const names = columns.map((column) => quoteIdentifier(column.name))
  const aliases = columns.map((_, index) => `c${index}`)
  const params = columns.map((_, index) => `$${index + 1}::text[]`)
  const casts = columns.map((column, index) => `"batch".${aliases[index]}::${castType(column)}`)
  const grainNames = new Set(shape.grain.map((column) => column.name))
  const values = columns.filter((column) => !grainNames.has(column.name))
  const conflict = `ON CONFLICT (${shape.grain.map((column) => quoteIdentifier(column.name)).join(", ")})`
  const action = values.length === 0
    ? "DO NOTHING"
    : `DO UPDATE SET ${values.map((column) => `${quoteIdentifier(column.name)} = EXCLUDED.${quoteIdentifier(column.name)}`).join(", ")}
    WHERE (${values.map((column) => comparable(column, `"target".${quoteIdentifier(column.name)}`)).join(", ")})
      IS DISTINCT FROM (${values.map((column) => comparable(column, `EXCLUDED.${quoteIdentifier(column.name)}`)).join(", ")})`
  // A one-element row constructor needs ROW(...) to stay a row; (x) alone is just x, which compares the same.
  const sql = `WITH "written" AS (
  INSERT INTO ${target} AS "target" (${names.join(", ")})
  SELECT ${casts.join(", ")}
  FROM unnest(${params.join(", ")}) AS "batch"(${aliases.join(", ")})
  ${conflict} ${action}
  RETURNING ("target".xmax = 0) AS "inserted"
)
SELECT count(*) FILTER (WHERE "inserted") AS "inserted", count(*) FILTER (WHERE NOT "inserted") AS "updated"
FROM "written"`
  return { sql, updates: values.length > 0 }
}
