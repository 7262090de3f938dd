/**
 * The live schema as the database reports it, with the names of constraints and indexes left out: for
 * comparing what two tools made of the same models when each names keys and indexes its own way (metatables
 * by the SDK's convention, drizzle-kit by PostgreSQL's). Everything else is kept: schemas, tables, columns
 * (type, dimensions declared, nullability, default, identity, generated), each constraint's kind and definition, each index's
 * definition, enums with their values in order, and sequences with their parameters. Names are quoted
 * (`%I`), so hostile names cannot run together. System schemas, the catalog and tables whose names start with
 * one of `exclude` (version tables) are left out.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SchemaShape } from "./schemaShape.ts"

const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'metatables')
  AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`

export const namelessShape = (exclude: ReadonlyArray<string> = []) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const skip = (name: string | null) => name !== null && exclude.some((prefix) => name.startsWith(prefix))
    const rows = (text: string) =>
      Effect.map(
        sql.unsafe<{ readonly shape: string; readonly tbl: string | null }>(text),
        (found) => found.filter((row) => !skip(row.tbl)).map((row) => row.shape).sort()
      )
    const indexes = yield* sql.unsafe<{ readonly name: string; readonly def: string; readonly tbl: string }>(`
      SELECT quote_ident(ic.relname) AS name, pg_get_indexdef(i.indexrelid) AS def, t.relname AS tbl
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace WHERE ${userSchemas}`)
    return {
      schemas: yield* rows(`SELECT format('%I', n.nspname) AS shape, NULL AS tbl FROM pg_namespace n WHERE ${userSchemas}`),
      tables: yield* rows(`SELECT format('%I.%I', n.nspname, c.relname) AS shape, c.relname AS tbl FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND ${userSchemas}`),
      columns: yield* rows(`SELECT concat_ws(' | ', format('%I.%I.%I', n.nspname, c.relname, a.attname),
          format_type(a.atttypid, a.atttypmod), CASE WHEN a.attndims > 1 THEN a.attndims || ' dimensions' END,
          CASE WHEN a.attnotnull THEN 'not null' END,
          pg_get_expr(d.adbin, d.adrelid), NULLIF(a.attidentity, ''), NULLIF(a.attgenerated, '')) AS shape,
          c.relname AS tbl
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${userSchemas}`),
      constraints: yield* rows(`SELECT format('%I.%I', n.nspname, c.relname) || ' ' || k.contype::text || ': ' ||
          pg_get_constraintdef(k.oid) AS shape, c.relname AS tbl
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${userSchemas}`),
      indexes: indexes.filter((row) => !skip(row.tbl)).map((row) => row.def.replace(`INDEX ${row.name} ON `, "INDEX ON ")).sort(),
      enums: yield* rows(`SELECT format('%I.%I', n.nspname, t.typname) || ' = ' ||
          string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) AS shape, NULL AS tbl
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE ${userSchemas} GROUP BY n.nspname, t.typname`),
      sequences: yield* rows(`SELECT concat_ws(' ', format('%I.%I', n.nspname, c.relname), format_type(s.seqtypid, NULL),
          s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle) AS shape, c.relname AS tbl
        FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ${userSchemas}`)
    } satisfies SchemaShape
  })
