/**
 * The SQL of the statements that upsert a validated batch: pure text built from the row shape and the
 * batch's columns, one array-literal parameter per column (`textArrayLiteral`, in `src/db/PgArrayLiteral.ts`).
 * Kept apart from their execution so that tests and the benchmark can read them.
 */
import type { RowShape, ShapeColumn } from "../../datanode/RowShape.ts"
import { quoteIdentifier } from "../../db/SqlText.ts"

const SERIAL_TYPES: Readonly<Record<string, string>> = {
  smallserial: "smallint",
  serial: "integer",
  bigserial: "bigint",
  serial2: "smallint",
  serial4: "integer",
  serial8: "bigint"
}

/**
 * A type name drizzle renders from PostgreSQL's own grammar (lower case, digits, spaces, a modifier in
 * parentheses such as `(3)`, `(20, 4)` or PostGIS's `(point, 4326)`).
 */
const BUILTIN_TYPE = /^[a-z_][a-z0-9_ ]*(\([a-z0-9_, ]*\))?( with(out)? time zone)?$/

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
  /**
   * The merge, right for any batch and any table state: new grains inserted, changed rows updated, the same
   * rows left alone, through `INSERT ... ON CONFLICT` on the grain. Parameters: the columns' arrays. It
   * returns one row, `inserted` and `updated`.
   */
  readonly sql: string
  /**
   * Where the table ends, asked before choosing a faster statement. Parameters: the batch's first time index
   * (`ValidatedBatch.minTime`), then `boundaryParams`: the table's schema and name and the time index column,
   * as data rather than literals in the text. It returns one row: `indexed`, whether a btree index leads with the time
   * index (so that its last value is one index descent away), and `past`, whether the whole batch lies after
   * the table's last time index (always, in an empty table). Two more parameters follow `boundaryParams`:
   * the batch's last time index and a cap; for a batch not past the end it also returns `within`, how many
   * rows the table holds between the batch's first and last time index, counted up to the cap (one index
   * range read, short by the cap), which says whether the ranged staging merge is right for it; and
   * `bytes`, the size of the table's heap.
   */
  readonly boundarySql: string
  /** `boundarySql`'s parameters after the first: the schema, the table and the time index column. */
  readonly boundaryParams: readonly [string, string, string]
  /**
   * For a batch wholly past the table's last time index (a node appending after its watermarks): a plain
   * insert, without the conflict machinery, since no stored grain can match. Parameters: the columns' arrays.
   */
  readonly insertSql: string
  /** The table and the batch's columns, quoted (`"schema"."table" ("c0", ...)`): what `insertSql`'s rows are COPY'd into. */
  readonly copyTarget: string
  /**
   * For a batch partly past it: the rows after the table's last time index inserted plainly, the others
   * merged. Parameters: the columns' arrays. It returns one row, `inserted` and `updated`.
   */
  readonly splitSql: string
  /**
   * The split with the batch staged by COPY in a temporary table named `name` (dropped at commit), for a
   * batch some of whose grains may be stored: the statements to make the table, fill it and merge from it.
   */
  readonly staging: (name: string) => StagedStatements
  /** Whether the statement reports updates (a batch with value columns); grain-only batches do nothing on conflict. */
  readonly updates: boolean
}

/**
 * A batch merged from a staging table: `createSql` makes the table (the batch's columns as `c0`, `c1`, ...,
 * typed as the target's, no constraints, dropped at commit), COPY fills `copyTarget`, then `splitSql` or
 * `rangedSplitSql` does what `UpsertStatement.splitSql` does, from the table. The ranged one looks for stored
 * rows only between the batch's first and last time index (parameters `$1` and `$2`), which lets the
 * planner read that range once and hash it rather than probe the index for every row; it is right only
 * where that range holds about as many rows as the batch (see `UpsertStatement.boundarySql`).
 */
export interface StagedStatements {
  readonly createSql: string
  readonly copyTarget: string
  readonly splitSql: string
  readonly rangedSplitSql: string
}

/**
 * The batch as a query of rows `("c0", "c1", ...)`, from one array parameter per column. A scalar column's
 * array is read as an array of its type, parsed once by the element type's input function (as a cast from
 * text would, typmod included, without a text value per element first); an array column's values are array
 * literals, elements of a `text[]`, each cast on its own. The `unnest`s sit in the select list, where they
 * run in step without first copying each array into a tuple store, as `unnest(a, b, ...)` in `FROM` does.
 * The arrays come through a subquery the planner keeps (OFFSET 0), so that it cannot count their elements:
 * planned for a few rows, probes of stored rows stay index probes whatever the batch size, and the plan's
 * cost stays far below `jit_above_cost` (compiling the statement would cost more than running it).
 */
const batchQuery = (columns: ReadonlyArray<ShapeColumn>): string => {
  // `box` separates array elements with `;`, not `,`: its values go the `text[]` way too.
  const throughText = (column: ShapeColumn) => castType(column).endsWith("]") || /^box$/i.test(castType(column))
  const params = columns.map((column, index) =>
    `$${index + 1}::${throughText(column) ? "text" : castType(column)}[] AS "c${index}"`
  )
  const rows = columns.map((column, index) =>
    `unnest("p"."c${index}")${throughText(column) ? `::${castType(column)}` : ""} AS "c${index}"`
  )
  return `SELECT ${rows.join(", ")} FROM (SELECT ${params.join(", ")} OFFSET 0) AS "p"`
}

/**
 * Whether a btree index leads with the time index, and whether the batch (from `$1`, its first time index)
 * lies wholly after the table's last time index. That is one descent of such an index; without one the CASE
 * leaves the max (an init plan, run only when needed) unread rather than scan the table. For a batch not
 * past it, the rows stored from `$1` to `$5` (its last time index), counted up to `$6`.
 */
const boundaryQuery = (shape: RowShape): string => {
  const target = `${quoteIdentifier(shape.schema)}.${quoteIdentifier(shape.table)}`
  const time = quoteIdentifier(shape.timeIndex.name)
  const cast = castType(shape.timeIndex)
  return `SELECT "indexed", "past", CASE WHEN "indexed" AND NOT "past" THEN (SELECT count(*) FROM (
  SELECT FROM ${target} WHERE ${time} >= $1::${cast} AND ${time} <= $5::${cast} LIMIT $6::bigint
) AS "range") END AS "within",
  (SELECT pg_catalog.pg_relation_size("table".oid) FROM pg_catalog.pg_class AS "table"
    JOIN pg_catalog.pg_namespace AS "schema" ON "schema".oid = "table".relnamespace
    WHERE "schema".nspname = $2::text AND "table".relname = $3::text) AS "bytes"
FROM (SELECT "indexed", "indexed" AND ("at" IS NULL OR "at" < $1::${cast}) AS "past"
FROM (
  SELECT "indexed", CASE WHEN "indexed" THEN (SELECT max(${quoteIdentifier(shape.timeIndex.name)}) FROM ${target}) END AS "at"
  FROM (SELECT EXISTS (
    SELECT FROM pg_catalog.pg_index AS "index"
    JOIN pg_catalog.pg_class AS "relation" ON "relation".oid = "index".indexrelid
    JOIN pg_catalog.pg_am AS "method" ON "method".oid = "relation".relam
    JOIN pg_catalog.pg_attribute AS "column" ON "column".attrelid = "index".indrelid AND "column".attnum = "index".indkey[0]
    JOIN pg_catalog.pg_class AS "table" ON "table".oid = "index".indrelid
    JOIN pg_catalog.pg_namespace AS "schema" ON "schema".oid = "table".relnamespace
    WHERE "schema".nspname = $2::text AND "table".relname = $3::text AND "column".attname = $4::text
      AND "method".amname = 'btree' AND "index".indpred IS NULL AND "index".indisvalid
  ) AS "indexed" OFFSET 0) AS "check"
) AS "boundary" OFFSET 0) AS "choice"`
}

/**
 * The statements for a batch writing `columns` into the table of `shape` (see `UpsertStatement`). They read
 * the batch from `unnest($1::type[], ...)` and say how many rows they inserted and updated (the plain insert
 * inserts them all); the caller counts the rest unchanged.
 *
 * The merge, `INSERT ... SELECT ... WHERE NOT EXISTS (the same row stored) ON CONFLICT (grain) DO UPDATE ...
 * WHERE (stored values) IS DISTINCT FROM (new values) RETURNING (xmax = 0)`: rows stored with the same values
 * are filtered out by an index probe before the insert, because `ON CONFLICT DO UPDATE` locks every
 * conflicting row, even one its `WHERE` then leaves alone, which writes the page and WAL. An inserted row has
 * no `xmax`; an updated one carries this transaction's. The conflict clause still decides for the rows a
 * concurrent writer inserted or changed in the meantime.
 *
 * `INSERT ... ON CONFLICT` costs about twice a plain insert (a probe before a speculative insert, then its
 * confirmation); the plain insert and the split save that for rows past the table's last time index. They
 * fail with a unique violation when a concurrent writer commits the same grains first: run the merge then.
 */
export const upsertStatement = (shape: RowShape, columns: ReadonlyArray<ShapeColumn>): UpsertStatement => {
  const target = `${quoteIdentifier(shape.schema)}.${quoteIdentifier(shape.table)}`
  const names = columns.map((column) => quoteIdentifier(column.name)).join(", ")
  const aliases = columns.map((_, index) => `"c${index}"`)
  const batchColumns = aliases.map((alias) => `"batch".${alias}`).join(", ")
  const grainNames = new Set(shape.grain.map((column) => column.name))
  const values = columns.filter((column) => !grainNames.has(column.name))
  const stored = (column: ShapeColumn) => `"stored".${quoteIdentifier(column.name)}`
  const given = (column: ShapeColumn) =>
    `"batch".${aliases[columns.findIndex((candidate) => candidate.name === column.name)]}`
  // A one-element row constructor needs ROW(...) to stay a row; (x) alone is just x, which compares the same.
  const row = (render: (column: ShapeColumn) => string) =>
    `(${values.map((column) => comparable(column, render(column))).join(", ")})`
  const storedAlike = (range: string | undefined) =>
    `NOT EXISTS (SELECT FROM ${target} AS "stored" WHERE ${
      [
        ...shape.grain.map((column) => `${stored(column)} = ${given(column)}`),
        ...(range === undefined ? [] : [range]),
        ...(values.length === 0 ? [] : [`${row(stored)} IS NOT DISTINCT FROM ${row(given)}`])
      ].join(" AND ")
    })`
  const notStoredAlike = storedAlike(undefined)
  const action = values.length === 0
    ? "DO NOTHING"
    : `DO UPDATE SET ${values.map((column) => `${quoteIdentifier(column.name)} = EXCLUDED.${quoteIdentifier(column.name)}`).join(", ")}
    WHERE ${row((column) => `"target".${quoteIdentifier(column.name)}`)}
      IS DISTINCT FROM ${row((column) => `EXCLUDED.${quoteIdentifier(column.name)}`)}`
  const merge = (from: string, where: string) =>
    `"written" AS (
  INSERT INTO ${target} AS "target" (${names})
  SELECT ${batchColumns} FROM ${from}
  WHERE ${where}
  ON CONFLICT (${shape.grain.map((column) => quoteIdentifier(column.name)).join(", ")}) ${action}
  RETURNING ("target".xmax = 0) AS "inserted"
)`
  const counts = (appended: string) =>
    `SELECT ${appended}count(*) FILTER (WHERE "inserted") AS "inserted", count(*) FILTER (WHERE NOT "inserted") AS "updated"
FROM "written"`
  const time = quoteIdentifier(shape.timeIndex.name)
  const past = `("last"."at" IS NULL OR ${given(shape.timeIndex)} > "last"."at")`

  const sql = `WITH "batch" AS (${batchQuery(columns)}),
${merge(`"batch"`, notStoredAlike)}
${counts("")}`

  const insertSql = `INSERT INTO ${target} (${names})
${batchQuery(columns)}`

  const split = (batch: string, probe: string) =>
    `WITH "batch" AS ${batch},
"last" AS MATERIALIZED (SELECT max(${time}) AS "at" FROM ${target}),
"appended" AS (INSERT INTO ${target} (${names}) SELECT ${batchColumns} FROM "batch", "last" WHERE ${past}),
${merge(`"batch", "last"`, `NOT ${past} AND ${probe}`)}
${counts(`(SELECT count(*) FROM "batch", "last" WHERE ${past}) + `)}`
  const splitSql = split(`MATERIALIZED (${batchQuery(columns)})`, notStoredAlike)

  const staging = (name: string): StagedStatements => {
    const table = `pg_temp.${quoteIdentifier(name)}`
    const castTime = castType(shape.timeIndex)
    const range = `${stored(shape.timeIndex)} BETWEEN $1::${castTime} AND $2::${castTime}`
    const read = `NOT MATERIALIZED (SELECT ${aliases.join(", ")} FROM ${table})`
    return {
      createSql: `CREATE TEMPORARY TABLE ${quoteIdentifier(name)} ON COMMIT DROP AS
SELECT ${columns.map((column, index) => `${quoteIdentifier(column.name)} AS ${aliases[index]}`).join(", ")} FROM ${target} WITH NO DATA`,
      copyTarget: `${table} (${aliases.join(", ")})`,
      splitSql: split(read, notStoredAlike),
      rangedSplitSql: split(read, storedAlike(range))
    }
  }

  return {
    sql,
    boundarySql: boundaryQuery(shape),
    boundaryParams: [shape.schema, shape.table, shape.timeIndex.name],
    insertSql,
    copyTarget: `${target} (${names})`,
    splitSql,
    staging,
    updates: values.length > 0
  }
}
