/**
 * What `catalog show` adds to a table's contract from the live database: its indexes and its foreign keys,
 * as PostgreSQL itself writes them back (`pg_get_indexdef`, `pg_get_constraintdef`). The contract leaves both
 * out (constraints belong to migrations, as in the SDK); a person reading a table wants them.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

export interface TableIndex {
  readonly name: string
  /** `CREATE UNIQUE INDEX uix__t ON public.t USING btree (time_index, entity)`, as PostgreSQL writes it. */
  readonly definition: string
  readonly unique: boolean
  readonly primary: boolean
}

export interface TableForeignKey {
  readonly name: string
  /** `FOREIGN KEY (account_uid) REFERENCES public.account(uid)`, as PostgreSQL writes it. */
  readonly definition: string
}

export interface TableDetails {
  readonly indexes: ReadonlyArray<TableIndex>
  readonly foreignKeys: ReadonlyArray<TableForeignKey>
}

/** The indexes and foreign keys of `schema.table`; both empty when the table does not exist (yet). */
export const tableDetails = Effect.fn("TableDetails.tableDetails")(function*(
  schema: string,
  table: string
): Effect.fn.Return<TableDetails, SqlError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const indexes = yield* sql<TableIndex>`
    SELECT ic.relname AS "name", pg_get_indexdef(i.indexrelid) AS "definition", i.indisunique AS "unique",
      i.indisprimary AS "primary"
    FROM pg_catalog.pg_index i
    JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
    WHERE n.nspname = ${schema} AND c.relname = ${table}
    ORDER BY i.indisprimary DESC, ic.relname`
  const foreignKeys = yield* sql<TableForeignKey>`
    SELECT k.conname AS "name", pg_get_constraintdef(k.oid) AS "definition"
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE k.contype = 'f' AND n.nspname = ${schema} AND c.relname = ${table}
    ORDER BY k.conname`
  return { indexes, foreignKeys }
})
