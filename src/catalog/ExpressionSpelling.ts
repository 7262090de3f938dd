/**
 * PostgreSQL's own spelling of declared expressions. A revision's snapshot keeps a default, a check or an
 * index expression as drizzle wrote it (`"status" in ('a', 'b')`), the live catalog as PostgreSQL prints it
 * back (`((status)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))`); text rules cannot always
 * tell that these agree. So, where the rules say they differ, the declared expression is put on an empty
 * temporary copy of the table inside a transaction that is always rolled back, and PostgreSQL's spelling of it
 * read back; the two sides then compare as the same model.
 *
 * Nothing persists: the copy is temporary, empty, and rolled back. An expression that is not a single
 * expression (a `;`, a comment, or unbalanced parentheses outside its literals) is never sent; it, and any
 * expression PostgreSQL refuses, keeps its declared text, and the difference stands.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { quoteIdentifier } from "../db/SqlText.ts"
import type { ShapeDifference } from "../storage/ContractDiff.ts"
import type { TableShape, TableShapeIndex } from "../storage/TableShape.ts"

const PROBE = "mt_check_probe"

/** Whether `text` is one expression: no `;` or comment outside its literals, and balanced parentheses. */
export const isSingleExpression = (text: string): boolean => {
  const outside = text.replace(/'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, "\"\"")
  if (/[;']|--|\/\*/.test(outside.replace(/''|""/g, ""))) return false
  let depth = 0
  for (const char of outside) {
    if (char === "(") depth++
    else if (char === ")" && --depth < 0) return false
  }
  return depth === 0
}

/** The failure that ends the probe's transaction, carrying what it found. */
class Rollback {
  readonly _tag = "Rollback"
  readonly value: TableShape
  constructor(value: TableShape) {
    this.value = value
  }
}

const indexColumn = (value: string, columns: ReadonlySet<string>) =>
  columns.has(value) ? quoteIdentifier(value) : `(${value})`

/**
 * `expected` with the declared defaults, checks and index columns and predicates that `differences` names
 * replaced by PostgreSQL's spelling of them, where PostgreSQL accepts them on a copy of `expected`'s live table.
 */
export const spellDeclaredExpressions = Effect.fn("TableIntrospection.spellDeclaredExpressions")(function*(
  expected: TableShape,
  differences: ReadonlyArray<ShapeDifference>
): Effect.fn.Return<TableShape, never, SqlClient.SqlClient> {
  const defaults = new Set<string>()
  const checks = new Set<string>()
  const indexes = new Set<string>()
  for (const difference of differences) {
    if (difference._tag === "ColumnDefault" && difference.expected !== null) defaults.add(difference.column)
    else if (difference._tag === "ObjectChanged" && difference.object === "check constraint") checks.add(difference.name)
    else if (
      difference._tag === "ObjectChanged" && difference.object === "index" &&
      (difference.aspect === "columns" || difference.aspect === "predicate")
    ) indexes.add(difference.name)
  }
  if (defaults.size + checks.size + indexes.size === 0) return expected
  const sql = yield* SqlClient.SqlClient
  const table = `${quoteIdentifier(expected.schema)}.${quoteIdentifier(expected.table)}`
  const columnNames = new Set(expected.columns.map((column) => column.name))
  /** One statement in a savepoint: PostgreSQL's answer, or undefined when it refuses. */
  const attempt = <A>(body: Effect.Effect<A, unknown>) =>
    sql.withTransaction(body).pipe(Effect.map((value): A | undefined => value), Effect.orElseSucceed(() => undefined))

  const spellDefault = (column: string, expression: string) =>
    attempt(Effect.gen(function*() {
      yield* sql.unsafe(`ALTER TABLE ${PROBE} ALTER COLUMN ${quoteIdentifier(column)} SET DEFAULT ${expression}`)
      const [row] = yield* sql<{ readonly spelled: string }>`
        SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS "spelled"
        FROM pg_catalog.pg_attrdef d
        JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE d.adrelid = ${PROBE}::regclass AND a.attname = ${column}`
      return row?.spelled
    }))
  const spellCheck = (expression: string) =>
    attempt(Effect.gen(function*() {
      yield* sql.unsafe(`ALTER TABLE ${PROBE} ADD CONSTRAINT mt_probe_check CHECK (${expression})`)
      const [row] = yield* sql<{ readonly spelled: string }>`
        SELECT pg_catalog.pg_get_constraintdef(oid, true) AS "spelled" FROM pg_catalog.pg_constraint
        WHERE conrelid = ${PROBE}::regclass AND conname = 'mt_probe_check'`
      return row?.spelled
    }))
  const spellIndex = (index: TableShapeIndex) =>
    attempt(Effect.gen(function*() {
      const columns = index.columns.map((value) => indexColumn(value, columnNames)).join(", ")
      const where = index.where === null ? "" : ` WHERE ${index.where}`
      yield* sql.unsafe(
        `CREATE ${index.unique ? "UNIQUE " : ""}INDEX mt_probe_index ON ${PROBE} USING ${quoteIdentifier(index.method)} ` +
          `(${columns})${where}`
      )
      const [row] = yield* sql<{ readonly columns: ReadonlyArray<string>; readonly where: string | null }>`
        SELECT (SELECT array_agg(CASE WHEN i.indkey[k.position - 1] <> 0
              THEN (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k.position - 1])
              ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.position::int, true) END ORDER BY k.position)
            FROM generate_series(1, i.indnkeyatts) AS k(position)) AS "columns",
          pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS "where"
        FROM pg_catalog.pg_index i
        WHERE i.indexrelid = 'mt_probe_index'::regclass`
      return row === undefined ? undefined : { ...index, columns: [...row.columns], where: row.where }
    }))

  const spelled = Effect.gen(function*() {
    yield* sql.unsafe(`CREATE TEMPORARY TABLE ${PROBE} (LIKE ${table}) ON COMMIT DROP`)
    const columns = yield* Effect.forEach(expected.columns, (column) =>
      defaults.has(column.name) && column.default != null && isSingleExpression(column.default)
        ? Effect.map(spellDefault(column.name, column.default), (spelled) => spelled === undefined ? column : { ...column, default: spelled })
        : Effect.succeed(column))
    const objects = expected.objects
    const shape: TableShape = objects === undefined ? { ...expected, columns } : {
      ...expected,
      columns,
      objects: {
        ...objects,
        checks: yield* Effect.forEach(objects.checks, (check) =>
          checks.has(check.name) && isSingleExpression(check.expression)
            ? Effect.map(spellCheck(check.expression), (spelled) => spelled === undefined ? check : { ...check, expression: spelled })
            : Effect.succeed(check)),
        indexes: yield* Effect.forEach(objects.indexes, (index) =>
          indexes.has(index.name) && [...index.columns, index.where ?? ""].every(isSingleExpression)
            ? Effect.map(spellIndex(index), (spelled) => spelled ?? index)
            : Effect.succeed(index))
      }
    }
    return yield* Effect.fail(new Rollback(shape))
  })
  // The transaction always ends in a rollback; what it found travels in the failure.
  return yield* sql.withTransaction(spelled).pipe(
    Effect.catch((failure) => Effect.succeed(failure instanceof Rollback ? failure.value : expected))
  )
})
