/**
 * The roles a provider's tables live under on a PostgreSQL server, besides its migration credentials: the
 * NOLOGIN *owner* role (which owns every object its migrations create) and the NOLOGIN *run* role, which may
 * read and write the rows of the provider's tables (and read its version table) and nothing else: no DDL, no
 * TRUNCATE, no other table. Runs (`nodes run`), the provider's hook and `migrations check` act as the run
 * role, never as the connecting administrator, so a trigger or policy a revision planted on a provider table
 * runs with the run role's rights. The embedded database has no roles: there the process is the boundary.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"
import { Database } from "../db/Database.ts"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { quoteIdentifier } from "../db/SqlText.ts"
import { boundedIdentifier } from "../storage/Naming.ts"

/** Run roles of providers start with this prefix. */
export const RUN_ROLE_PREFIX = "mt_run_"

const shortHash = (text: string): string => NodeCrypto.createHash("sha256").update(text).digest("hex").slice(0, 8)

/** The prefix of every run role made for one database (roles are cluster-wide; cleanup finds them by it). */
export const runRolePrefix = (databaseName: string): string => `${RUN_ROLE_PREFIX}${shortHash(databaseName)}`

/** The provider's run role in a database: `mt_run_<database hash>__<provider>`, at most 63 characters. */
export const runRoleName = (databaseName: string, providerKey: string): string =>
  boundedIdentifier(runRolePrefix(databaseName), providerKey)

export interface PhysicalTable {
  readonly schema: string
  readonly table: string
}

const key = (table: PhysicalTable) => `${table.schema}.${table.table}`

/**
 * Grants `runRole` what runs need on the provider's tables, run as the owner (through the migration
 * credential) after the revisions are applied: usage of the schemas the owner made, SELECT, INSERT, UPDATE
 * and DELETE on each application table that exists, SELECT on each of `readOnly` (the version table and its
 * ledger, for `check`), and the sequences the application tables' columns use. Tables the owner does not own (made by hand) are left alone; finalize reports them.
 */
export const grantRunRole = Effect.fn("ProviderRoles.grantRunRole")(function*(
  runRole: string,
  tables: ReadonlyArray<PhysicalTable>,
  readOnly: ReadonlyArray<PhysicalTable>
) {
  const sql = yield* SqlClient.SqlClient
  const role = quoteIdentifier(runRole)
  const readKeys = new Set(readOnly.map(key))
  const owned = yield* sql<{ readonly schema: string; readonly table: string; readonly oid: number }>`
    SELECT n.nspname AS schema, c.relname AS table, c.oid::int8 AS oid
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND pg_has_role(c.relowner, 'USAGE')
      AND (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral([...tables, ...readOnly].map(key))}::text[])`
  const schemas = yield* sql<{ readonly schema: string }>`
    SELECT nspname AS schema FROM pg_namespace
    WHERE nspname = ANY(${pgArrayLiteral([...new Set(owned.map((row) => row.schema))])}::text[])
      AND pg_has_role(nspowner, 'USAGE')`
  for (const { schema } of schemas) yield* sql.unsafe(`GRANT USAGE ON SCHEMA ${quoteIdentifier(schema)} TO ${role}`)
  for (const row of owned) {
    const name = `${quoteIdentifier(row.schema)}.${quoteIdentifier(row.table)}`
    const writable = !readKeys.has(key(row))
    yield* sql.unsafe(`GRANT ${writable ? "SELECT, INSERT, UPDATE, DELETE" : "SELECT"} ON TABLE ${name} TO ${role}`)
  }
  const sequences = yield* sql<{ readonly schema: string; readonly name: string }>`
    SELECT n.nspname AS schema, s.relname AS name
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_namespace n ON n.oid = s.relnamespace
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
      AND d.refobjid::int8 = ANY(${pgArrayLiteral(owned.filter((row) => !readKeys.has(key(row))).map((row) => String(row.oid)))}::int8[])
      AND pg_has_role(s.relowner, 'USAGE')`
  for (const sequence of sequences) {
    yield* sql.unsafe(
      `GRANT USAGE, SELECT ON SEQUENCE ${quoteIdentifier(sequence.schema)}.${quoteIdentifier(sequence.name)} TO ${role}`
    )
  }
})

/**
 * Runs `body` as `runRole` inside the current transaction (`SET LOCAL ROLE`), and switches back before the
 * transaction goes on. Constraint triggers deferred to commit are made to fire before switching back, so that
 * none runs with the caller's rights. Without a role (the embedded database) `body` runs as it is.
 */
export const inRunRole = <A, E, R>(
  runRole: string | undefined,
  body: Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError, R | SqlClient.SqlClient> =>
  runRole === undefined ? body : Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT set_config('role', ${runRole}, true)`
    const result = yield* body
    yield* sql`SET CONSTRAINTS ALL IMMEDIATE`
    yield* sql`SELECT set_config('role', 'none', true)`
    return result
  })

/** `body` in a transaction of its own, as `runRole` (see `inRunRole`). */
export const asRunRole = <A, E, R>(runRole: string | undefined, body: Effect.Effect<A, E, R>) =>
  runRole === undefined
    ? body
    : Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(inRunRole(runRole, body)))

/**
 * The provider's run role when the connection can act as it (a server, the role made by an upgrade, the
 * connecting user a member); undefined on the embedded database or before the first upgrade.
 */
export const usableRunRole = Effect.fn("ProviderRoles.usableRunRole")(function*(providerKey: string) {
  const sql = yield* SqlClient.SqlClient
  const database = yield* Database
  if (database.backend !== "postgres") return undefined
  const [current] = yield* sql<{ readonly name: string }>`SELECT current_database() AS name`
  const role = runRoleName(current?.name ?? "", providerKey)
  const [usable] = yield* sql<{ readonly ok: boolean }>`
    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role}) THEN pg_has_role(${role}, 'MEMBER')
      ELSE false END AS ok`
  return usable?.ok === true ? role : undefined
})
