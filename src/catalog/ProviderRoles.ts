/**
 * The roles a provider's tables live under on a PostgreSQL server, besides its migration credentials: the
 * NOLOGIN *owner* role (which owns every object its migrations create) and the NOLOGIN *run* role, which may
 * read and write the rows of the provider's tables (and read its version table) and nothing else: no DDL, no
 * TRUNCATE, no other table. Runs (`nodes run`), the provider's hook and `migrations check` act as the run
 * role, never as the connecting administrator, so a trigger or policy a revision planted on a provider table
 * runs with the run role's rights. The embedded database has no roles: there the process is the boundary.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"
import { Database } from "../db/Database.ts"
import { formatCause } from "../db/FailureCause.ts"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { quoteIdentifier } from "../db/SqlText.ts"
import { boundedIdentifier } from "../storage/Naming.ts"

/** Run roles of providers start with this prefix. */
export const RUN_ROLE_PREFIX = "mt_run_"

const shortHash = (text: string): string => NodeCrypto.createHash("sha256").update(text).digest("hex").slice(0, 8)

/** Login roles of migration credentials start with this prefix. */
export const CREDENTIAL_ROLE_PREFIX = "mt_mig_"
/** Owner roles of providers start with this prefix. */
export const OWNER_ROLE_PREFIX = "mt_own_"

/** The prefix of every owner role made for one database (roles are cluster-wide; tests clean up by it). */
export const ownerRolePrefix = (databaseName: string): string => `${OWNER_ROLE_PREFIX}${shortHash(databaseName)}`

/** The provider's owner role in a database: `mt_own_<database hash>__<provider>`, at most 63 characters. */
export const ownerRoleName = (databaseName: string, providerKey: string): string =>
  boundedIdentifier(ownerRolePrefix(databaseName), providerKey)

/** The login-role prefix of credentials issued in one database (tests clean up by it). */
export const credentialRolePrefix = (databaseName: string): string =>
  `${CREDENTIAL_ROLE_PREFIX}${shortHash(databaseName)}_`

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
  const writableOids = pgArrayLiteral(owned.filter((row) => !readKeys.has(key(row))).map((row) => String(row.oid)))
  // The sequences the tables own (serial, identity) and those their column defaults draw from (`nextval`).
  const sequences = yield* sql<{ readonly schema: string; readonly name: string }>`
    SELECT DISTINCT n.nspname AS schema, s.relname AS name
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_namespace n ON n.oid = s.relnamespace
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
      AND d.refobjid::int8 = ANY(${writableOids}::int8[])
      AND pg_has_role(s.relowner, 'USAGE')
    UNION
    SELECT n.nspname AS schema, s.relname AS name
    FROM pg_attrdef ad
    JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid AND d.refclassid = 'pg_class'::regclass
    JOIN pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
    JOIN pg_namespace n ON n.oid = s.relnamespace
    WHERE ad.adrelid::int8 = ANY(${writableOids}::int8[]) AND pg_has_role(s.relowner, 'USAGE')`
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

/** Why a provider's roles were not removed. */
export const ProviderRolesFailure = Schema.Literals(["database-exists", "not-a-server", "failed"])

/** Removing a provider's roles was refused or failed before any role was dropped. */
export class ProviderRolesError extends Schema.TaggedError<ProviderRolesError>()("ProviderRolesError", {
  database: Schema.String,
  provider: Schema.String,
  reason: ProviderRolesFailure,
  /** The database's error for `failed`; otherwise a sentence. */
  cause: Schema.Defect()
}) {
  get detail(): string {
    return formatCause(this.cause)
  }

  override get message(): string {
    switch (this.reason) {
      case "database-exists":
        return `The database ${this.database} still exists, so the roles of ${this.provider} in it are in use; ` +
          "drop the database first (roles are removed only for a database that is gone)."
      case "not-a-server":
        return `Roles exist only on a PostgreSQL server; the embedded database has none to remove for ${this.provider}.`
      case "failed":
        return `Could not look up the roles of ${this.provider} for database ${this.database}: ${this.detail}`
    }
  }
}

export interface RemovedRoles {
  readonly database: string
  readonly provider: string
  /** The roles dropped: credentials, then the run role, then the owner role. */
  readonly dropped: ReadonlyArray<string>
  /** Roles that could not be dropped, with the database's reason. */
  readonly failed: ReadonlyArray<{ readonly role: string; readonly reason: string }>
}

/**
 * Removes what a provider left on the server for a database that no longer exists: its migration
 * credentials' login roles, its run role and its owner role (roles belong to the whole server, so dropping a
 * database leaves them). Refused while the database exists. Each role that cannot be dropped is reported.
 */
export const removeProviderRoles = Effect.fn("ProviderRoles.removeProviderRoles")(function*(
  databaseName: string,
  providerKey: string
) {
  const sql = yield* SqlClient.SqlClient
  const database = yield* Database
  const base = { database: databaseName, provider: providerKey }
  if (database.backend !== "postgres") {
    return yield* new ProviderRolesError({ ...base, reason: "not-a-server", cause: "embedded database" })
  }
  const failed = (cause: unknown) => new ProviderRolesError({ ...base, reason: "failed", cause })
  const [exists] = yield* sql<{ readonly found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${databaseName}) AS found`.pipe(Effect.mapError(failed))
  if (exists?.found === true) {
    return yield* new ProviderRolesError({ ...base, reason: "database-exists", cause: "the database exists" })
  }
  const owner = ownerRoleName(databaseName, providerKey)
  const runRole = runRoleName(databaseName, providerKey)
  const credentials = yield* sql<{ readonly role: string }>`
    SELECT r.rolname AS role FROM pg_roles r
    JOIN pg_auth_members m ON m.member = r.oid
    JOIN pg_roles o ON o.oid = m.roleid AND o.rolname = ${owner}
    WHERE starts_with(r.rolname, ${credentialRolePrefix(databaseName)})
    ORDER BY r.rolname`.pipe(Effect.mapError(failed))
  const present = yield* sql<{ readonly role: string }>`
    SELECT rolname AS role FROM pg_roles WHERE rolname = ANY(${pgArrayLiteral([runRole, owner])}::text[])`.pipe(
    Effect.mapError(failed)
  )
  const order = [
    ...credentials.map((row) => row.role),
    ...[runRole, owner].filter((role) => present.some((row) => row.role === role))
  ]
  const dropped: Array<string> = []
  const refused: Array<{ readonly role: string; readonly reason: string }> = []
  for (const role of order) {
    const outcome = yield* Effect.result(sql.unsafe(`DROP ROLE IF EXISTS ${quoteIdentifier(role)}`))
    if (outcome._tag === "Success") dropped.push(role)
    else refused.push({ role, reason: formatCause(outcome.failure) })
  }
  return { ...base, dropped, failed: refused } satisfies RemovedRoles
})
