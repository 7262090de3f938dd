/**
 * The Python SDK's rules for a storage table's declaration, beyond its grain: column names PostgreSQL keeps as
 * written, timestamps with a time zone in relational tables, check constraints the SDK's convention can name,
 * and the cadence as the SDK normalises it. Each check returns one sentence per problem, for the
 * `StorageDefinitionError` the definers throw.
 */
import { type AnyPgTable, getTableConfig, type PgColumn } from "drizzle-orm/pg-core"
import * as Result from "effect/Result"
import { dataTypeTokenOf } from "./ColumnTypes.ts"
import { MAX_IDENTIFIER_LENGTH, schemaCheckConstraintNameResult } from "./Naming.ts"

/** The cadence as the SDK takes it: trimmed and lower-cased, none for `""` (or blank). */
export const normalizeCadence = (cadence: string | undefined): string | undefined => {
  const normalized = cadence?.trim().toLowerCase()
  return normalized === undefined || normalized === "" ? undefined : normalized
}

// str.islower(), as the SDK checks a column name: no upper- or title-case character, and a lower-case one.
const upperOrTitle = /[\p{Uppercase}\p{Lt}]/u
const lowerCase = /\p{Lowercase}/u

/** Column names PostgreSQL would fold or truncate, which the SDK refuses. */
export const describeColumnNameProblems = (columns: ReadonlyArray<PgColumn>): Array<string> =>
  columns.flatMap((column) => {
    const name = column.name
    const bytes = new TextEncoder().encode(name).length
    return [
      ...(upperOrTitle.test(name)
        ? [`column "${name}" has upper case, which PostgreSQL folds unless quoted and the SDK refuses; give the ` +
          `column builder a lower-case name, like "${name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()}"`]
        : !lowerCase.test(name)
        ? [`column "${name}" must contain a lower-case letter, as the SDK requires of column names`]
        : []),
      ...(bytes > MAX_IDENTIFIER_LENGTH
        ? [`column "${name}" is ${bytes} bytes long; PostgreSQL keeps ${MAX_IDENTIFIER_LENGTH}`]
        : [])
    ]
  })

/**
 * The schema's name must fit PostgreSQL's identifiers, 63 bytes of UTF-8 (not characters): a longer name would
 * be truncated, and the schema used would not be the one declared. (The table's name is checked with the
 * definition's metadata.)
 */
export const describeSchemaNameProblems = (schema: string): Array<string> => {
  const bytes = new TextEncoder().encode(schema).length
  return bytes > MAX_IDENTIFIER_LENGTH
    ? [`schema name "${schema}" is ${bytes} bytes long in UTF-8; PostgreSQL keeps ${MAX_IDENTIFIER_LENGTH} bytes of a name`]
    : []
}

/** A relational table's timestamps must carry a time zone, as the SDK's contract requires. */
export const describeNaiveTimestamps = (columns: ReadonlyArray<PgColumn>): Array<string> =>
  columns.filter((column) => dataTypeTokenOf(column) === "datetime64[ns]").map((column) =>
    `column "${column.name}" is ${column.getSQLType()}, a timestamp without time zone, which the SDK refuses ` +
    "in a relational table (use timestamp({ withTimezone: true }))"
  )

/** Every check constraint must have a name the SDK's `ck__<table>__<name>` can be made from. */
export const describeCheckNameProblems = (table: AnyPgTable): Array<string> => {
  const config = getTableConfig(table)
  return config.checks.flatMap((check) => {
    const named = schemaCheckConstraintNameResult(config.name, check.name)
    return Result.isFailure(named) ? [`check constraint "${check.name}" cannot be named: ${named.failure.message}`] : []
  })
}
