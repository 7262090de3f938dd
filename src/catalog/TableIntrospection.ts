/**
 * Reads physical tables from the database's own catalog (columns, types, nullability, primary and unique
 * keys) and compares them with their contracts. Finalize and `startEngine` use it to decide whether a
 * table is what its catalog row says it is.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { contractGrain, type TableContract } from "../storage/Contract.ts"

export interface LiveColumn {
  readonly name: string
  /** `format_type` of the column: `character varying(64)`, `timestamp with time zone`, ... */
  readonly type: string
  readonly notNull: boolean
}

export interface LiveTable {
  readonly schema: string
  readonly table: string
  readonly columns: ReadonlyArray<LiveColumn>
  readonly primaryKey: ReadonlyArray<string>
  /** Column lists of every unique, non-partial, non-expression index (the primary key's included). */
  readonly uniqueKeys: ReadonlyArray<ReadonlyArray<string>>
}

export interface PhysicalName {
  readonly schema: string
  readonly table: string
}

export const physicalKey = (name: PhysicalName): string => `${name.schema}.${name.table}`

/** The live shape of each named table that exists, keyed `schema.table`; two queries in all. */
export const introspectTables = Effect.fn("TableIntrospection.introspectTables")(function*(
  names: ReadonlyArray<PhysicalName>
): Effect.fn.Return<ReadonlyMap<string, LiveTable>, SqlError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const keys = pgArrayLiteral(names.map(physicalKey))
  const columns = yield* sql<{
    readonly schema: string
    readonly table: string
    readonly column: string
    readonly type: string
    readonly notNull: boolean
  }>`
    SELECT n.nspname AS "schema", c.relname AS "table", a.attname AS "column",
      format_type(a.atttypid, a.atttypmod) AS "type", a.attnotnull AS "notNull"
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p') AND (n.nspname || '.' || c.relname) = ANY(${keys}::text[])
    ORDER BY n.nspname, c.relname, a.attnum`
  const indexes = yield* sql<{
    readonly schema: string
    readonly table: string
    readonly primary: boolean
    readonly columns: ReadonlyArray<string>
  }>`
    SELECT n.nspname AS "schema", c.relname AS "table", i.indisprimary AS "primary",
      array_agg(a.attname::text ORDER BY k.position) AS "columns"
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
    WHERE i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
      AND (n.nspname || '.' || c.relname) = ANY(${keys}::text[])
    GROUP BY n.nspname, c.relname, i.indexrelid, i.indisprimary`

  const tables = new Map<string, { columns: Array<LiveColumn>; primaryKey: Array<string>; uniqueKeys: Array<Array<string>> }>()
  for (const row of columns) {
    const key = physicalKey(row)
    const entry = tables.get(key) ?? { columns: [], primaryKey: [], uniqueKeys: [] }
    entry.columns.push({ name: row.column, type: row.type, notNull: row.notNull })
    tables.set(key, entry)
  }
  for (const row of indexes) {
    const entry = tables.get(physicalKey(row))
    if (entry === undefined) continue
    entry.uniqueKeys.push([...row.columns])
    if (row.primary) entry.primaryKey = [...row.columns]
  }
  return new Map([...tables].map(([key, entry]) => {
    const [schema, ...rest] = key.split(".")
    return [key, { schema: schema!, table: rest.join("."), ...entry }] as const
  }))
})

const typeSynonyms: ReadonlyArray<readonly [RegExp, string]> = [
  [/^character varying\b/, "varchar"],
  [/^character\b/, "char"],
  [/^bpchar\b/, "char"],
  [/^timestamp(\(\d\))? without time zone$/, "timestamp$1"],
  [/^timestamptz(\(\d\))?$/, "timestamp$1 with time zone"],
  [/^time(\(\d\))? without time zone$/, "time$1"],
  [/^(serial|serial4|int4|int)$/, "integer"],
  [/^(bigserial|serial8|int8)$/, "bigint"],
  [/^(smallserial|serial2|int2)$/, "smallint"],
  [/^float8$/, "double precision"],
  [/^float4$/, "real"],
  [/^bool$/, "boolean"],
  [/^decimal\b/, "numeric"]
]

/** One spelling per SQL type, so drizzle's `VARCHAR(64)` and PostgreSQL's `character varying(64)` agree. */
export const normalizeSqlType = (type: string): string => {
  let normalized = type.trim().toLowerCase().replace(/\s*\(\s*/g, "(").replace(/\s*,\s*/g, ",").replace(/\s*\)/g, ")")
  const arrayDepth = normalized.match(/(\[\])+$/)?.[0] ?? ""
  normalized = normalized.slice(0, normalized.length - arrayDepth.length).replace(/\s+/g, " ")
  for (const [pattern, replacement] of typeSynonyms) {
    if (pattern.test(normalized)) {
      normalized = normalized.replace(pattern, replacement)
      break
    }
  }
  return normalized + arrayDepth
}

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((name) => b.includes(name))

const list = (names: ReadonlyArray<string>) => names.length === 0 ? "none" : `(${names.join(", ")})`

/**
 * How the live table differs from its contract, one sentence per difference; empty when it matches.
 * Extra columns, missing columns, types, nullability, the primary key, single-column unique keys and the
 * grain's unique index are compared.
 */
export const compareWithContract = (live: LiveTable | undefined, contract: TableContract): ReadonlyArray<string> => {
  if (live === undefined) return ["the table does not exist"]
  const problems: Array<string> = []
  const liveColumns = new Map(live.columns.map((column) => [column.name, column]))
  for (const column of contract.columns) {
    const found = liveColumns.get(column.name)
    if (found === undefined) {
      problems.push(`column ${column.name} is missing`)
      continue
    }
    if (normalizeSqlType(found.type) !== normalizeSqlType(column.backend_type)) {
      problems.push(`column ${column.name} is ${found.type}, the contract says ${column.backend_type}`)
    }
    if (found.notNull === column.nullable) {
      problems.push(`column ${column.name} is ${found.notNull ? "NOT NULL" : "nullable"}, the contract says ` +
        `${column.nullable ? "nullable" : "NOT NULL"}`)
    }
  }
  const declared = new Set(contract.columns.map((column) => column.name))
  const extra = live.columns.filter((column) => !declared.has(column.name)).map((column) => column.name)
  if (extra.length > 0) problems.push(`column${extra.length > 1 ? "s" : ""} ${extra.join(", ")} not in the contract`)

  const contractKey = contract.columns.filter((column) => column.primary_key).map((column) => column.name)
  if (!sameSet(contractKey, live.primaryKey)) {
    problems.push(`the primary key is ${list(live.primaryKey)}, the contract says ${list(contractKey)}`)
  }
  for (const column of contract.columns.filter((candidate) => candidate.unique)) {
    if (!live.uniqueKeys.some((key) => sameSet(key, [column.name]))) {
      problems.push(`column ${column.name} has no unique constraint`)
    }
  }
  const grain = contractGrain(contract)
  if (grain !== undefined && !live.uniqueKeys.some((key) => sameSet(key, grain))) {
    problems.push(`no unique index covers the grain ${list(grain)}`)
  }
  return problems
}
