/**
 * The live schema as the database reports it (not as SQL text), for asserting that a downgrade gives back
 * exactly the schema before its upgrade: schemas, tables, columns (type, nullability, default, identity,
 * generated), constraints and indexes by definition, enums with their values in order, and sequences with
 * their parameters. System schemas and the tables named in `exclude` (version tables) are left out.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"

export interface SchemaShape {
  readonly schemas: ReadonlyArray<string>
  readonly tables: ReadonlyArray<string>
  readonly columns: ReadonlyArray<string>
  readonly constraints: ReadonlyArray<string>
  readonly indexes: ReadonlyArray<string>
  readonly enums: ReadonlyArray<string>
  readonly sequences: ReadonlyArray<string>
}

const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'metatables')
  AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`

export const schemaShape = (exclude: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const skip = (name: string) => exclude.some((prefix) => name.startsWith(prefix))
    const rows = (text: string) =>
      Effect.map(
        sql.unsafe<{ readonly shape: string; readonly tbl: string | null }>(text),
        (found) => found.filter((row) => row.tbl === null || !skip(row.tbl)).map((row) => row.shape).sort()
      )
    return {
      schemas: yield* rows(`SELECT n.nspname AS shape, NULL AS tbl FROM pg_namespace n WHERE ${userSchemas}`),
      tables: yield* rows(`SELECT n.nspname || '.' || c.relname AS shape, c.relname AS tbl FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${userSchemas}`),
      columns: yield* rows(`SELECT concat_ws(' | ', n.nspname || '.' || c.relname || '.' || a.attname,
          format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'not null' END,
          pg_get_expr(d.adbin, d.adrelid), NULLIF(a.attidentity, ''), NULLIF(a.attgenerated, '')) AS shape,
          c.relname AS tbl
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${userSchemas}`),
      constraints: yield* rows(`SELECT n.nspname || '.' || c.relname || ' ' || k.conname || ': ' ||
          pg_get_constraintdef(k.oid) AS shape, c.relname AS tbl
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${userSchemas}`),
      indexes: yield* rows(`SELECT pg_get_indexdef(i.indexrelid) AS shape, t.relname AS tbl
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE ${userSchemas}`),
      enums: yield* rows(`SELECT n.nspname || '.' || t.typname || ' = ' ||
          string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) AS shape, NULL AS tbl
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE ${userSchemas} GROUP BY n.nspname, t.typname`),
      sequences: yield* rows(`SELECT concat_ws(' ', n.nspname || '.' || c.relname, s.seqstart, s.seqincrement,
          s.seqmin, s.seqmax, s.seqcache, s.seqcycle) AS shape, c.relname AS tbl
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${userSchemas}`)
    } satisfies SchemaShape
  })
