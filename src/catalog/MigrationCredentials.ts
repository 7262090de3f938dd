/**
 * Short-lived migration credentials, one implementation per backend.
 *
 * On a PostgreSQL server a credential is a LOGIN role with a random password and `VALID UNTIL`, member of
 * the provider's NOLOGIN owner role; its sessions start as the owner (a per-role `role` setting), so every
 * object a migration creates is owned by the owner, and they carry `lock_timeout` and `statement_timeout`.
 * Revoking ends its sessions and drops it; expired leftovers are swept whenever a credential is issued. On
 * the embedded database the credential is the in-process connection itself.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"
import { Database } from "../db/Database.ts"
import { describeSqlFailure } from "../db/SqlFailure.ts"
import { boundedIdentifier } from "../storage/Naming.ts"
import type { MigrationCredential, ProviderIdentity } from "./Catalog.ts"
import { CatalogStorageError, CredentialError } from "./CatalogErrors.ts"
import { scramSha256Verifier } from "./internal/scram.ts"
import { quoteIdentifier, quoteLiteral } from "../db/SqlText.ts"

/** Login roles of credentials start with this prefix. */
export const CREDENTIAL_ROLE_PREFIX = "mt_mig_"
/**
 * Every credential role is a member of this NOLOGIN group, so that one pg_hba.conf rule
 * (`host all +mt_migration_login ... scram-sha-256`) makes the server check their passwords and expiry on any
 * PostgreSQL version (user-name patterns arrived only in PostgreSQL 16).
 */
export const CREDENTIAL_GROUP_ROLE = "mt_migration_login"
/** Owner roles of providers start with this prefix. */
export const OWNER_ROLE_PREFIX = "mt_own_"

export interface IssueOptions {
  readonly ttlSeconds: number
  readonly lockTimeout: string
  readonly statementTimeout: string
  /** Named schemas the provider's tables live in, besides `public`. */
  readonly schemas: ReadonlyArray<string>
}

export interface MigrationCredentialsService {
  readonly issue: (
    provider: ProviderIdentity,
    options: IssueOptions
  ) => Effect.Effect<MigrationCredential, CredentialError | CatalogStorageError>
  readonly revoke: (credential: MigrationCredential) => Effect.Effect<void, CatalogStorageError>
}

const shortHash = (text: string): string => NodeCrypto.createHash("sha256").update(text).digest("hex").slice(0, 8)

/** The prefix of every owner role made for one database (roles are cluster-wide; tests clean up by it). */
export const ownerRolePrefix = (databaseName: string): string => `${OWNER_ROLE_PREFIX}${shortHash(databaseName)}`

/** The provider's owner role in a database: `mt_own_<database hash>__<provider>`, at most 63 characters. */
export const ownerRoleName = (databaseName: string, providerKey: string): string =>
  boundedIdentifier(ownerRolePrefix(databaseName), providerKey)

/** The login-role prefix of credentials issued in one database (tests clean up by it). */
export const credentialRolePrefix = (databaseName: string): string =>
  `${CREDENTIAL_ROLE_PREFIX}${shortHash(databaseName)}_`

const issueFailure = (provider: ProviderIdentity) => (error: SqlError) =>
  new CredentialError({
    provider: provider.key,
    reason: describeSqlFailure(error).code === "42501" ? "not-permitted" : "failed",
    cause: error
  })

const makePostgres = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const database = yield* Database
  if (database.target._tag !== "Server") {
    return yield* Effect.die(new Error("Server migration credentials need a PostgreSQL server target"))
  }
  const serverUrl = database.target.url
  const [{ name: databaseName } = { name: "" }] = yield* Effect.orDie(
    sql<{ readonly name: string }>`SELECT current_database() AS name`
  )

  /** Ends a role's sessions and drops it. Credential roles own nothing (their sessions act as the owner). */
  const dropLoginRole = Effect.fn("MigrationCredentials.dropLoginRole")(function*(role: string) {
    yield* sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${role} AND pid <> pg_backend_pid()`
    yield* sql.unsafe(`DROP ROLE IF EXISTS ${quoteIdentifier(role)}`)
  })

  /** Expired credential roles of any database on the server; one that cannot be dropped is left for later. */
  const sweepExpired = Effect.gen(function*() {
    const expired = yield* sql<{ readonly role: string }>`
      SELECT rolname AS role FROM pg_roles
      WHERE starts_with(rolname, ${CREDENTIAL_ROLE_PREFIX}) AND rolvaliduntil < now()`
    for (const { role } of expired) {
      yield* dropLoginRole(role).pipe(
        Effect.catch((error) => Effect.logWarning(`Could not drop the expired migration role ${role}`, error.message))
      )
    }
  }).pipe(Effect.withSpan("MigrationCredentials.sweepExpired"))

  /** Creates a NOLOGIN role unless it exists; a concurrent creator (another database too) is not an error. */
  const ensureRole = Effect.fn("MigrationCredentials.ensureRole")(function*(role: string) {
    const [exists] = yield* sql<{ readonly found: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role}) AS found`
    if (exists?.found === true) return
    yield* sql.unsafe(`CREATE ROLE ${quoteIdentifier(role)} NOLOGIN`).pipe(
      Effect.catchIf((error) => describeSqlFailure(error).code === "42710", () => Effect.void)
    )
  })

  const ensureOwner = Effect.fn("MigrationCredentials.ensureOwner")(function*(
    owner: string,
    schemas: ReadonlyArray<string>
  ) {
    yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`metatables/owner/${owner}`}, 0))`
    yield* ensureRole(CREDENTIAL_GROUP_ROLE)
    yield* ensureRole(owner)
    yield* sql.unsafe(
      `GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${quoteIdentifier(databaseName)} TO ${quoteIdentifier(owner)}`
    )
    for (const schema of ["public", ...schemas]) {
      const [present] = yield* sql<{ readonly found: boolean }>`
        SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`
      if (present?.found === true) {
        yield* sql.unsafe(`GRANT USAGE, CREATE ON SCHEMA ${quoteIdentifier(schema)} TO ${quoteIdentifier(owner)}`)
      }
    }
  }, sql.withTransaction)

  const issue = Effect.fn("MigrationCredentials.issue")(function*(provider: ProviderIdentity, options: IssueOptions) {
    yield* sweepExpired.pipe(Effect.mapError(CatalogStorageError.during("sweep expired migration roles")))
    const owner = ownerRoleName(databaseName, provider.key)
    const role = `${credentialRolePrefix(databaseName)}${NodeCrypto.randomBytes(6).toString("hex")}`
    const password = NodeCrypto.randomBytes(24).toString("base64url")
    const [validity] = yield* sql<{ readonly until: string; readonly expiresAt: Date }>`
      SELECT (now() + make_interval(secs => ${options.ttlSeconds}))::text AS until,
        now() + make_interval(secs => ${options.ttlSeconds}) AS "expiresAt"`.pipe(
        Effect.mapError(issueFailure(provider))
      )
    yield* ensureOwner(owner, options.schemas).pipe(Effect.mapError(issueFailure(provider)))
    yield* Effect.gen(function*() {
      yield* sql.unsafe(
        `CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD ${quoteLiteral(scramSha256Verifier(password))} ` +
          `VALID UNTIL ${quoteLiteral(validity!.until)} IN ROLE ${quoteIdentifier(owner)}, ` +
          quoteIdentifier(CREDENTIAL_GROUP_ROLE)
      )
      yield* sql.unsafe(`ALTER ROLE ${quoteIdentifier(role)} SET role = ${quoteLiteral(owner)}`)
      yield* sql.unsafe(`ALTER ROLE ${quoteIdentifier(role)} SET lock_timeout = ${quoteLiteral(options.lockTimeout)}`)
      yield* sql.unsafe(
        `ALTER ROLE ${quoteIdentifier(role)} SET statement_timeout = ${quoteLiteral(options.statementTimeout)}`
      )
    }).pipe(
      Effect.mapError(issueFailure(provider)),
      Effect.onError(() => Effect.ignore(dropLoginRole(role)))
    )
    const uri = new URL(Redacted.value(serverUrl))
    uri.username = role
    uri.password = password
    uri.searchParams.delete("password")
    return {
      _tag: "ServerCredential",
      role,
      ownerRole: owner,
      expiresAt: validity!.expiresAt,
      uri: Redacted.make(uri.toString(), { label: "migration credential URI" })
    } satisfies MigrationCredential
  })

  const revoke = Effect.fn("MigrationCredentials.revoke")(function*(credential: MigrationCredential) {
    if (credential._tag === "InProcessCredential") return
    yield* dropLoginRole(credential.role).pipe(
      Effect.mapError(CatalogStorageError.during("revoke a migration credential"))
    )
  })

  return MigrationCredentials.of({ issue, revoke })
})

export class MigrationCredentials extends Context.Service<MigrationCredentials, MigrationCredentialsService>()(
  "metatables/catalog/MigrationCredentials"
) {
  /** Credentials as expiring LOGIN roles on the PostgreSQL server (the connection needs CREATEROLE). */
  static readonly layerPostgres: Layer.Layer<MigrationCredentials, never, SqlClient.SqlClient | Database> = Layer
    .effect(MigrationCredentials, makePostgres)

  /** The embedded database has one connection and no roles: the credential is the process itself. */
  static readonly layerInProcess: Layer.Layer<MigrationCredentials> = Layer.succeed(MigrationCredentials, {
    issue: Effect.fn("MigrationCredentials.issue")(function*(_provider, options) {
      const now = yield* Clock.currentTimeMillis
      return { _tag: "InProcessCredential" as const, expiresAt: new Date(now + options.ttlSeconds * 1000) }
    }),
    revoke: Effect.fn("MigrationCredentials.revoke")(function*() {})
  })

  /** The implementation that fits the database in context. */
  static readonly layer: Layer.Layer<MigrationCredentials, never, SqlClient.SqlClient | Database> = Layer.unwrap(
    Effect.map(Database, (database) =>
      database.backend === "postgres" ? MigrationCredentials.layerPostgres : MigrationCredentials.layerInProcess)
  )
}
