/**
 * Reads physical tables from the database's own catalog into the one model of a table's shape
 * (`storage/TableShape`): columns (types, nullability, defaults), the primary key, unique constraints, foreign
 * keys, indexes and checks, and the enums and sequences of a schema. Finalize, `startEngine` and `check` compare
 * what it reads with a contract or a snapshot through `storage/ContractDiff`.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import type { TableContract } from "../storage/Contract.ts"
import { diffTableShapes } from "../storage/ContractDiff.ts"
import { describeDifferences } from "../storage/ContractDiffText.ts"
import {
  contractShape,
  type EnumShape,
  normalizeSqlType as normalizeType,
  type ReferentialAction,
  type SequenceShape,
  type TableShapeCheck,
  type TableShapeColumn,
  type TableShapeForeignKey,
  type TableShapeIndex,
  type TableShapeKey,
  type TableShape
} from "../storage/TableShape.ts"

/** A live column: its `format_type` (enums and domains schema-qualified), nullability and default. */
export type LiveColumn = TableShapeColumn

/** A live table, in the shape every comparison uses, with its named objects. */
export type LiveTable = TableShape

export interface PhysicalName {
  readonly schema: string
  readonly table: string
}

export const physicalKey = (name: PhysicalName): string => `${name.schema}.${name.table}`

/** One spelling per SQL type (see `storage/TableShape`). */
export const normalizeSqlType = normalizeType

const ACTIONS: Record<string, ReferentialAction> = {
  a: "NO ACTION",
  r: "RESTRICT",
  c: "CASCADE",
  n: "SET NULL",
  d: "SET DEFAULT"
}

interface Building {
  columns: Array<TableShapeColumn>
  primaryKey: TableShapeKey | null
  uniqueKeys: Array<ReadonlyArray<string>>
  uniques: Array<TableShapeKey & { readonly name: string }>
  foreignKeys: Array<TableShapeForeignKey>
  indexes: Array<TableShapeIndex>
  checks: Array<TableShapeCheck>
}

/** The live shape of each named table that exists, keyed `schema.table`; three queries in all. */
export const introspectTables = Effect.fn("TableIntrospection.introspectTables")(function*(
  names: ReadonlyArray<PhysicalName>
): Effect.fn.Return<ReadonlyMap<string, LiveTable>, SqlError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const keys = pgArrayLiteral(names.map(physicalKey))
  // Enums and domains by schema-qualified name (format_type leaves the schema out when it is on the search path).
  const columns = yield* sql<{
    readonly schema: string
    readonly table: string
    readonly column: string
    readonly type: string
    readonly notNull: boolean
    readonly default: string | null
    readonly identity: string
    readonly generated: boolean
  }>`
    SELECT n.nspname AS "schema", c.relname AS "table", a.attname AS "column",
      CASE WHEN bt.typtype IN ('e', 'd')
        THEN quote_ident(bn.nspname) || '.' || quote_ident(bt.typname) || CASE WHEN bt.oid <> t.oid THEN '[]' ELSE '' END
        ELSE format_type(a.atttypid, a.atttypmod) END AS "type",
      a.attnotnull AS "notNull",
      CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS "default",
      a.attidentity::text AS "identity", a.attgenerated <> '' AS "generated"
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
    JOIN pg_catalog.pg_namespace bn ON bn.oid = bt.typnamespace
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relkind IN ('r', 'p') AND (n.nspname || '.' || c.relname) = ANY(${keys}::text[])
    ORDER BY n.nspname, c.relname, a.attnum`
  const constraints = yield* sql<{
    readonly schema: string
    readonly table: string
    readonly name: string
    readonly kind: "p" | "u" | "f" | "c"
    readonly columns: ReadonlyArray<string> | null
    readonly targetSchema: string | null
    readonly targetTable: string | null
    readonly targetColumns: ReadonlyArray<string> | null
    readonly onDelete: string
    readonly onUpdate: string
    readonly definition: string
    readonly nullsNotDistinct: boolean
  }>`
    SELECT n.nspname AS "schema", c.relname AS "table", k.conname AS "name", k.contype::text AS "kind",
      (SELECT array_agg(a.attname::text ORDER BY u.position) FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, position)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum) AS "columns",
      tn.nspname AS "targetSchema", tc.relname AS "targetTable",
      (SELECT array_agg(a.attname::text ORDER BY u.position) FROM unnest(k.confkey) WITH ORDINALITY AS u(attnum, position)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum) AS "targetColumns",
      k.confdeltype::text AS "onDelete", k.confupdtype::text AS "onUpdate",
      CASE WHEN k.contype = 'c' THEN pg_catalog.pg_get_constraintdef(k.oid, true) ELSE '' END AS "definition",
      -- indnullsnotdistinct exists from PostgreSQL 15; read through jsonb, it is simply absent before.
      COALESCE((SELECT (to_jsonb(i) ->> 'indnullsnotdistinct')::boolean FROM pg_catalog.pg_index i
        WHERE i.indexrelid = k.conindid), false) AS "nullsNotDistinct"
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_class tc ON tc.oid = k.confrelid
    LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = tc.relnamespace
    WHERE k.contype IN ('p', 'u', 'f', 'c') AND (n.nspname || '.' || c.relname) = ANY(${keys}::text[])
    ORDER BY n.nspname, c.relname, k.conname`
  const indexes = yield* sql<{
    readonly schema: string
    readonly table: string
    readonly name: string
    readonly unique: boolean
    readonly plain: boolean
    readonly constraint: boolean
    readonly method: string
    readonly where: string | null
    readonly columns: ReadonlyArray<string>
    readonly order: ReadonlyArray<string>
    readonly operatorClasses: ReadonlyArray<string>
  }>`
    SELECT n.nspname AS "schema", c.relname AS "table", ic.relname AS "name", i.indisunique AS "unique",
      (i.indpred IS NULL AND i.indexprs IS NULL) AS "plain",
      EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
        AND k.contype IN ('p', 'u', 'x')) AS "constraint",
      am.amname AS "method", pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS "where",
      (SELECT array_agg(CASE WHEN i.indkey[k.position - 1] <> 0
          THEN (SELECT a.attname::text FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k.position - 1])
          ELSE pg_catalog.pg_get_indexdef(i.indexrelid, k.position::int, true) END ORDER BY k.position)
        FROM generate_series(1, i.indnkeyatts) AS k(position)) AS "columns",
      (SELECT array_agg(CASE WHEN i.indoption[k.position - 1] & 1 = 1 THEN 'desc' ELSE 'asc' END ||
          CASE WHEN i.indoption[k.position - 1] & 2 = 2 THEN ' nulls first' ELSE ' nulls last' END ORDER BY k.position)
        FROM generate_series(1, i.indnkeyatts) AS k(position)) AS "order",
      (SELECT array_agg(o.opcname::text ORDER BY k.position)
        FROM generate_series(1, i.indnkeyatts) AS k(position)
        JOIN pg_catalog.pg_opclass o ON o.oid = i.indclass[k.position - 1]) AS "operatorClasses"
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_catalog.pg_am am ON am.oid = ic.relam
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE (n.nspname || '.' || c.relname) = ANY(${keys}::text[])
    ORDER BY n.nspname, c.relname, ic.relname`

  const tables = new Map<string, Building>()
  for (const row of columns) {
    const key = physicalKey(row)
    const entry = tables.get(key) ??
      { columns: [], primaryKey: null, uniqueKeys: [], uniques: [], foreignKeys: [], indexes: [], checks: [] }
    entry.columns.push({
      name: row.column,
      type: row.type,
      notNull: row.notNull,
      default: row.default,
      identity: row.identity === "a" ? "always" : row.identity === "d" ? "byDefault" : null,
      generated: row.generated
    })
    tables.set(key, entry)
  }
  for (const row of constraints) {
    const entry = tables.get(physicalKey(row))
    if (entry === undefined) continue
    const keyColumns = [...(row.columns ?? [])]
    if (row.kind === "p") entry.primaryKey = { name: row.name, columns: keyColumns }
    else if (row.kind === "u") {
      entry.uniques.push({ name: row.name, columns: keyColumns, nullsNotDistinct: row.nullsNotDistinct })
    }
    else if (row.kind === "c") entry.checks.push({ name: row.name, expression: row.definition })
    else {
      entry.foreignKeys.push({
        name: row.name,
        columns: keyColumns,
        targetSchema: row.targetSchema ?? "",
        targetTable: row.targetTable ?? "",
        targetColumns: [...(row.targetColumns ?? [])],
        onDelete: ACTIONS[row.onDelete] ?? "NO ACTION",
        onUpdate: ACTIONS[row.onUpdate] ?? "NO ACTION"
      })
    }
  }
  for (const row of indexes) {
    const entry = tables.get(physicalKey(row))
    if (entry === undefined) continue
    // A key that is a column is its name as stored (never quoted: a name with a quote or a space is not an
    // expression); an expression is as PostgreSQL prints it.
    const indexColumns = [...row.columns]
    if (row.unique && row.plain) entry.uniqueKeys.push(indexColumns)
    if (!row.constraint) {
      entry.indexes.push({
        name: row.name,
        columns: indexColumns,
        unique: row.unique,
        method: row.method,
        where: row.where,
        order: [...row.order],
        operatorClasses: [...row.operatorClasses]
      })
    }
  }
  return new Map([...tables].map(([key, entry]) => {
    const [schema, ...rest] = key.split(".")
    const shape: TableShape = {
      schema: schema!,
      table: rest.join("."),
      columns: entry.columns,
      primaryKey: entry.primaryKey,
      uniqueKeys: entry.uniqueKeys,
      objects: { uniques: entry.uniques, foreignKeys: entry.foreignKeys, indexes: entry.indexes, checks: entry.checks }
    }
    return [key, shape] as const
  }))
})

/** The enums and sequences of `schemas`, as the live database has them. */
export const introspectSchemaObjects = Effect.fn("TableIntrospection.introspectSchemaObjects")(function*(
  schemas: ReadonlyArray<string>
): Effect.fn.Return<{ readonly enums: ReadonlyArray<EnumShape>; readonly sequences: ReadonlyArray<SequenceShape> }, SqlError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const names = pgArrayLiteral(schemas)
  const enums = yield* sql<{ readonly schema: string; readonly name: string; readonly values: ReadonlyArray<string> }>`
    SELECT n.nspname AS "schema", t.typname AS "name",
      array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS "values"
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
    WHERE n.nspname = ANY(${names}::text[])
    GROUP BY n.nspname, t.typname`
  const sequences = yield* sql<{
    readonly schema: string
    readonly name: string
    readonly increment: string
    readonly minValue: string
    readonly maxValue: string
    readonly start: string
    readonly cache: string
    readonly cycle: boolean
  }>`
    SELECT n.nspname AS "schema", c.relname AS "name", s.seqincrement::text AS "increment",
      s.seqmin::text AS "minValue", s.seqmax::text AS "maxValue", s.seqstart::text AS "start",
      s.seqcache::text AS "cache", s.seqcycle AS "cycle"
    FROM pg_catalog.pg_sequence s
    JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY(${names}::text[])`
  return {
    enums: enums.map((row) => ({ schema: row.schema, name: row.name, values: [...row.values] })),
    sequences: sequences.map((row) => ({ ...row }))
  }
})

/**
 * How the live table differs from its contract, one sentence per difference; empty when it matches.
 * Extra columns, missing columns, types, nullability, the primary key, single-column unique keys and the
 * grain's unique index are compared.
 */
export const compareWithContract = (live: LiveTable | undefined, contract: TableContract): ReadonlyArray<string> =>
  describeDifferences(diffTableShapes(contractShape(contract), live), "contract")
