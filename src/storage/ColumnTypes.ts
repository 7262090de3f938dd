/**
 * How a drizzle column is described in a contract: its data type token (the SDK's vocabulary: `string`,
 * `int64`, `timestamp with time zone`, ...), its backend type (`VARCHAR(64)`, `UUID`, ...) and its server
 * default as SQL, read through drizzle's public column API.
 */
import { is, SQL } from "drizzle-orm"
import { PgDialect, type PgColumn } from "drizzle-orm/pg-core"
import * as Predicate from "effect/Predicate"
import { quoteLiteral } from "../db/SqlText.ts"

/** The data type tokens of `relational-table.v1`; other types use their SQL type as the token. */
export type DataTypeToken =
  | "string"
  | "uuid"
  | "bool"
  | "int16"
  | "int32"
  | "int64"
  | "float32"
  | "float64"
  | "numeric"
  | "date"
  | "timestamp with time zone"
  | "datetime64[ns]"
  | "json"
  | "jsonb"

const tokenPatterns: ReadonlyArray<readonly [RegExp, DataTypeToken]> = [
  [/^(text|varchar|character varying|char|character|bpchar|citext)\b/, "string"],
  [/^uuid$/, "uuid"],
  [/^boolean$/, "bool"],
  [/^(smallint|smallserial)$/, "int16"],
  [/^(integer|serial)$/, "int32"],
  [/^(bigint|bigserial)$/, "int64"],
  [/^real$/, "float32"],
  [/^double precision$/, "float64"],
  [/^(numeric|decimal)\b/, "numeric"],
  [/^date$/, "date"],
  [/^timestamp(\s*\(\d\))? with time zone$/, "timestamp with time zone"],
  [/^timestamp(\s*\(\d\))?( without time zone)?$/, "datetime64[ns]"],
  [/^json$/, "json"],
  [/^jsonb$/, "jsonb"]
]

/** How many array dimensions drizzle declares on the column (`text().array()`: 1); 0 for a scalar. */
const dimensionsOf = (column: PgColumn): number => {
  const dimensions: unknown = Predicate.hasProperty(column, "dimensions") ? column.dimensions : undefined
  return Predicate.isNumber(dimensions) ? dimensions : 0
}

/** The schema of an enum column's type, when it is not `public` (`pgSchema("s").enum(...)`). */
const enumSchemaOf = (column: PgColumn): string | undefined => {
  const type: unknown = Predicate.hasProperty(column, "enum") ? column.enum : undefined
  const schema: unknown = Predicate.hasProperty(type, "schema") ? type.schema : undefined
  return Predicate.isString(schema) && schema !== "" && schema !== "public" ? schema : undefined
}

/**
 * The SQL type as DDL declares it: drizzle's type, schema-qualified for an enum outside `public`, with a `[]`
 * per array dimension (drizzle's own `getSQLType` leaves both out).
 */
const declaredSqlType = (column: PgColumn): string => {
  const schema = enumSchemaOf(column)
  const base = schema === undefined ? column.getSQLType() : `${schema}.${column.getSQLType()}`
  return base + "[]".repeat(dimensionsOf(column))
}

/** The SQL type as DDL declares it, lower-cased (`varchar(64)`, `timestamp with time zone`, `text[]`). */
export const sqlTypeOf = (column: PgColumn): string => declaredSqlType(column).toLowerCase()

/** The data type token of a SQL type as written in DDL; arrays and types without a token keep their SQL type. */
export const dataTypeTokenForSqlType = (sqlType: string): string => {
  const type = sqlType.trim().toLowerCase()
  if (type.endsWith("]")) return type
  return tokenPatterns.find(([pattern]) => pattern.test(type))?.[1] ?? type
}

/** The contract's data type token of a column. */
export const dataTypeTokenOf = (column: PgColumn): string => dataTypeTokenForSqlType(sqlTypeOf(column))

/** The contract's backend type: the SQL type upper-cased, as the SDK reports it. */
export const backendTypeOf = (column: PgColumn): string => declaredSqlType(column).toUpperCase()

/** Whether values of the column are instants stored with their time zone (a time index must be). */
export const isTimestampWithTimeZone = (column: PgColumn): boolean =>
  dataTypeTokenOf(column) === "timestamp with time zone"

const dialect = new PgDialect()

/**
 * The server default as SQL (`gen_random_uuid()`, `now()`, `'active'`), or `null` when the database
 * supplies none. Defaults computed in JavaScript (`$defaultFn`) are not server defaults.
 */
export const serverDefaultOf = (column: PgColumn): string | null => {
  const value: unknown = column.default
  if (value === undefined || value === null) return null
  if (is(value, SQL)) return dialect.sqlToQuery(value).sql
  if (Predicate.isString(value)) return quoteLiteral(value)
  if (Predicate.isNumber(value) || Predicate.isBigInt(value)) return String(value)
  if (Predicate.isBoolean(value)) return value ? "true" : "false"
  if (value instanceof Date) return quoteLiteral(value.toISOString())
  return quoteLiteral(JSON.stringify(value))
}
