/**
 * Decoding rows read from the catalog's tables with Schema, so that a row this metatables did not write fails
 * as an `InvalidCatalogRowError` naming the table and the column, never as a defect or a wrong value later.
 *
 * Row schemas name the columns as the query returns them (`Schema.encodeKeys` maps them to record fields), so
 * the column in the error is the one in the database. Both clients return int8 and `count(*)` as `bigint`,
 * `sum(int8)` as numeric text, timestamptz as `Date` and jsonb parsed.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { InvalidCatalogRowError } from "../CatalogErrors.ts"

/** An int8 column or a `count(*)`, as a number (counters stay far below 2^53). */
export const CountFromBigInt = Schema.BigInt.pipe(
  Schema.decodeTo(Schema.Number, SchemaTransformation.transform({ decode: Number, encode: BigInt }))
)

/** A `sum()` over int8, which PostgreSQL returns as numeric (text), as a number. */
export const CountFromNumeric = Schema.FiniteFromString

const issueFormatter = SchemaIssue.makeFormatterStandardSchemaV1()

const describeIssue = (issue: SchemaIssue.Issue): { readonly field: string; readonly problem: string } => {
  const [first] = issueFormatter(issue).issues
  // The first segment is the row's index in the result.
  const path = (first?.path ?? []).slice(1).map(String)
  return { field: path.length === 0 ? "row" : path.join("."), problem: first?.message ?? "invalid" }
}

/**
 * Decodes the rows of one query. `table` names where they come from: one `schema.table`, or, for a query that
 * joins tables, a function from the column to its table.
 */
export const decodeCatalogRows = <S extends Schema.Top & { readonly DecodingServices: never }>(
  row: S,
  table: string | ((column: string) => string)
) => {
  const decode = Schema.decodeUnknownEffect(Schema.Array(row), { onExcessProperty: "error" })
  return (rows: ReadonlyArray<unknown>): Effect.Effect<ReadonlyArray<S["Type"]>, InvalidCatalogRowError> =>
    decode(rows).pipe(
      Effect.mapError((error) => {
        const { field, problem } = describeIssue(error.issue)
        const column = field.split(".")[0]!
        return new InvalidCatalogRowError({ table: typeof table === "string" ? table : table(column), field, problem })
      })
    )
}
