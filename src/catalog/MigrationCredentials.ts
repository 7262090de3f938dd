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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"
import { advisoryLockKey, advisoryLockKeySql, advisoryTransactionLock } from "../db/AdvisoryLock.ts"
import { Database } from "../db/Database.ts"
import type { DatabaseConnectionError } from "../db/DatabaseConnectionError.ts"
import { describeSqlFailure } from "../db/SqlFailure.ts"
import type { MigrationCredential, ProviderIdentity } from "./Catalog.ts"
import { CatalogStorageError, CredentialError, CredentialRevokeError } from "./CatalogErrors.ts"
import { scramSha256Verifier } from "./internal/scram.ts"
import {
  CREDENTIAL_ROLE_PREFIX,
  credentialRolePrefix,
  OWNER_ROLE_PREFIX,
  ownerRoleName,
  ownerRolePrefix,
  runRoleName
} from "./ProviderRoles.ts"

export { CREDENTIAL_ROLE_PREFIX, credentialRolePrefix, OWNER_ROLE_PREFIX, ownerRoleName, ownerRolePrefix }
import { quoteIdentifier, quoteLiteral } from "../db/SqlText.ts"

/**
 * Every credential role is a member of this NOLOGIN group, so that one pg_hba.conf rule
 * (`host all +mt_migration_login ... scram-sha-256`) makes the server check their passwords and expiry on any
 * PostgreSQL version (user-name patterns arrived only in PostgreSQL 16).
 */
export const CREDENTIAL_GROUP_ROLE = "mt_migration_login"
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
  /** Ends the credential's sessions and drops its role; what could not be done is the error. */
  readonly revoke: (credential: MigrationCredential) => Effect.Effect<void, CredentialRevokeError>
}

const issueFailure = (provider: ProviderIdentity) => (error: SqlError | DatabaseConnectionError) =>
  new CredentialError({
    provider: provider.key,
    reason: error._tag === "SqlError" && describeSqlFailure(error).code === "42501" ? "not-permitted" : "failed",
    cause: error
  })

/**
 * The advisory lock a credential's holder keeps for as long as it uses the credential, on a connection of its
 * own: the `credential-holder` lock of `src/db/AdvisoryLock.ts`, keyed by the role's name alone (no database).
 * `pg_locks` shows it from every database of the
 * server, so any process's sweep can tell a credential whose holder is alive (the lock is held) from one whose
 * holder died (a killed process's session, and with it the lock, is gone).
 */
const HOLDER_KEY_SQL = advisoryLockKeySql("credential-holder", "", "r.rolname")

/** The comment of a credential role whose holder keeps the holder lock; roles without it predate the lock. */
export const HOLDER_LOCKED_COMMENT = "metatables migration credential; its holder keeps an advisory lock"

/**
 * A credential the service issued and still holds: the scope of its holder connection (a connection of its
 * own, outside the caller's pool, which may have a single connection) and of its renewal.
 */
interface Held {
  readonly scope: Scope.Closeable
}

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
  const held = new Map<string, Held>()

  const sessionsOf = (role: string) =>
    Effect.map(
      sql<{ readonly pid: number }>`SELECT pid FROM pg_stat_activity WHERE usename = ${role} AND pid <> pg_backend_pid()`,
      (rows) => rows.map((row) => row.pid)
    )

  /**
   * Ends a role's sessions and drops it. Ending another login's session needs its privileges, which a
   * CREATEROLE user that is not a superuser gets by granting itself the role first (dropping the role ends
   * that membership). Sessions that outlive all this are reported, never ignored. Credential roles own
   * nothing (their sessions act as the owner), so the drop itself cannot be refused for what they own.
   */
  const dropLoginRole = Effect.fn("MigrationCredentials.dropLoginRole")(function*(role: string) {
    const terminate = (pids: ReadonlyArray<number>) =>
      Effect.forEach(pids, (pid) => sql`SELECT pg_terminate_backend(${pid})`, { discard: true })
    let sessions = yield* sessionsOf(role)
    if (sessions.length > 0) {
      // The holder's own sessions are closing as it revokes: give them a moment to end by themselves. (The
      // waits are the server's, so that they pass whatever clock the caller's fiber runs on.)
      yield* sql`SELECT pg_sleep(0.2)`
      sessions = yield* sessionsOf(role)
    }
    if (sessions.length > 0) {
      yield* terminate(sessions).pipe(
        Effect.catchIf(
          (error) => describeSqlFailure(error).code === "42501",
          () =>
            Effect.andThen(
              sql.unsafe(`GRANT ${quoteIdentifier(role)} TO CURRENT_USER`),
              terminate(sessions)
            )
        )
      )
      // pg_terminate_backend only signals; wait (briefly) for the sessions to end.
      for (let attempt = 0; attempt < 50 && sessions.length > 0; attempt++) {
        yield* sql`SELECT pg_sleep(0.1)`
        sessions = yield* sessionsOf(role)
      }
    }
    yield* sql.unsafe(`DROP ROLE IF EXISTS ${quoteIdentifier(role)}`)
    return sessions
  })

  /** Drops `role` and reports what could not be done as a `CredentialRevokeError`. */
  const revokeRole = (role: string) =>
    dropLoginRole(role).pipe(
      Effect.mapError((cause) => new CredentialRevokeError({ role, sessionsLeft: [], dropped: false, cause })),
      Effect.flatMap((left) =>
        left.length === 0
          ? Effect.void
          : Effect.fail(
            new CredentialRevokeError({
              role,
              sessionsLeft: left,
              dropped: true,
              cause: "the sessions did not end after pg_terminate_backend"
            })
          )
      )
    )

  /**
   * Credential roles of any database on the server whose holder is gone: those that carry the holder-lock
   * comment and whose lock nobody holds (their process ended, or was killed), and, from releases before the
   * lock, those that expired. A role whose holder is alive is never touched, expired or not.
   */
  const sweepAbandoned = Effect.gen(function*() {
    const abandoned = yield* sql<{ readonly role: string }>`
      SELECT r.rolname AS role FROM pg_roles r
      WHERE starts_with(r.rolname, ${CREDENTIAL_ROLE_PREFIX})
        AND NOT EXISTS (
          SELECT 1 FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
            AND l.classid = ${sql.literal(HOLDER_KEY_SQL[0])}::oid AND l.objid = ${sql.literal(HOLDER_KEY_SQL[1])}::oid)
        AND (coalesce(shobj_description(r.oid, 'pg_authid'), '') = ${HOLDER_LOCKED_COMMENT} OR r.rolvaliduntil < now())`
    for (const { role } of abandoned) {
      yield* revokeRole(role).pipe(
        Effect.catch((error) => Effect.logWarning(`Could not remove the abandoned migration role ${role}: ${error.message}`))
      )
    }
  }).pipe(Effect.withSpan("MigrationCredentials.sweepAbandoned"))

  /** Creates a NOLOGIN role unless it exists; a concurrent creator (another database too) is not an error. */
  const ensureRole = Effect.fn("MigrationCredentials.ensureRole")(function*(role: string) {
    const [exists] = yield* sql<{ readonly found: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role}) AS found`
    if (exists?.found === true) return
    yield* sql.unsafe(`CREATE ROLE ${quoteIdentifier(role)} NOLOGIN`).pipe(
      Effect.catchIf((error) => describeSqlFailure(error).code === "42710", () => Effect.void)
    )
  })

  /**
   * The provider's owner and run roles, and what they need from the connecting user: the owner may create in
   * the database and its schemas; the run role may use the schemas, and the connecting user is a member of
   * the run role, so that runs can act as it (`SET ROLE`) without being a superuser.
   */
  const ensureOwner = Effect.fn("MigrationCredentials.ensureOwner")(function*(
    owner: string,
    runRole: string,
    schemas: ReadonlyArray<string>
  ) {
    yield* advisoryTransactionLock("owner-role", databaseName, owner).pipe(Effect.provideService(SqlClient.SqlClient, sql))
    yield* ensureRole(CREDENTIAL_GROUP_ROLE)
    yield* ensureRole(owner)
    yield* ensureRole(runRole)
    const [member] = yield* sql<{ readonly member: boolean }>`SELECT pg_has_role(${runRole}, 'MEMBER') AS member`
    if (member?.member !== true) yield* sql.unsafe(`GRANT ${quoteIdentifier(runRole)} TO CURRENT_USER`)
    yield* sql.unsafe(
      `GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${quoteIdentifier(databaseName)} TO ${quoteIdentifier(owner)}`
    )
    for (const schema of ["public", ...schemas]) {
      const [present] = yield* sql<{ readonly found: boolean }>`
        SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`
      if (present?.found === true) {
        yield* sql.unsafe(`GRANT USAGE, CREATE ON SCHEMA ${quoteIdentifier(schema)} TO ${quoteIdentifier(owner)}`)
        yield* sql.unsafe(`GRANT USAGE ON SCHEMA ${quoteIdentifier(schema)} TO ${quoteIdentifier(runRole)}`)
      }
    }
  }, sql.withTransaction)

  /** `now() + ttl` as the server reads it, for `VALID UNTIL`, and as a `Date`. */
  const validityIn = (ttlSeconds: number) =>
    Effect.map(
      sql<{ readonly until: string; readonly expiresAt: Date }>`
        SELECT (now() + make_interval(secs => ${ttlSeconds}))::text AS until,
          now() + make_interval(secs => ${ttlSeconds}) AS "expiresAt"`,
      ([row]) => row!
    )

  /**
   * Keeps `role` valid while it is held, as Vault renews a lease: every third of its lifetime `VALID UNTIL`
   * moves to a full lifetime from now. A renewal that fails is logged and tried again at the next turn.
   */
  const renewal = (connection: SqlConnection.Connection, role: string, ttlSeconds: number) =>
    Effect.gen(function*() {
      const [row] = yield* connection.execute(
        `SELECT (now() + make_interval(secs => $1))::text AS until`,
        [ttlSeconds],
        undefined
      )
      const until = String((row as { readonly until: string }).until)
      yield* connection.executeUnprepared(
        `ALTER ROLE ${quoteIdentifier(role)} VALID UNTIL ${quoteLiteral(until)}`,
        [],
        undefined
      )
    }).pipe(
      Effect.withSpan("MigrationCredentials.renew"),
      Effect.catch((error) => Effect.logWarning(`Could not renew the migration credential ${role}: ${error.message}`)),
      Effect.delay(Duration.millis(Math.max(250, Math.floor((ttlSeconds * 1000) / 3)))),
      Effect.forever
    )

  const issue = Effect.fn("MigrationCredentials.issue")(function*(provider: ProviderIdentity, options: IssueOptions) {
    yield* sweepAbandoned.pipe(Effect.mapError(CatalogStorageError.during("sweep abandoned migration roles")))
    const owner = ownerRoleName(databaseName, provider.key)
    const runRole = runRoleName(databaseName, provider.key)
    const role = `${credentialRolePrefix(databaseName)}${NodeCrypto.randomBytes(6).toString("hex")}`
    const password = NodeCrypto.randomBytes(24).toString("base64url")
    const scope = yield* Scope.make()
    const created = Effect.gen(function*() {
      // The holder lock is taken before the role exists, so no sweep ever sees the role without it. It is held
      // by a reserved connection of a pool of its own (a reserved connection is never closed as idle).
      const holder = yield* Layer.buildWithScope(Database.layerServer(serverUrl, { maxConnections: 1 }), scope)
      const connection = yield* Context.get(holder, SqlClient.SqlClient).reserve.pipe(Scope.provide(scope))
      const holderKey = advisoryLockKey("credential-holder", "", role)
      yield* connection.execute("SELECT pg_advisory_lock($1, $2)", [...holderKey], undefined)
      // The connection goes back to the pool when the scope closes: without the lock, which is the session's.
      yield* Scope.addFinalizer(
        scope,
        Effect.ignore(connection.execute("SELECT pg_advisory_unlock($1, $2)", [...holderKey], undefined))
      )
      const validity = yield* validityIn(options.ttlSeconds)
      yield* ensureOwner(owner, runRole, options.schemas)
      yield* Effect.gen(function*() {
        yield* sql.unsafe(
          `CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD ${quoteLiteral(scramSha256Verifier(password))} ` +
            `VALID UNTIL ${quoteLiteral(validity.until)} IN ROLE ${quoteIdentifier(owner)}, ` +
            quoteIdentifier(CREDENTIAL_GROUP_ROLE)
        )
        yield* sql.unsafe(`COMMENT ON ROLE ${quoteIdentifier(role)} IS ${quoteLiteral(HOLDER_LOCKED_COMMENT)}`)
        yield* sql.unsafe(`ALTER ROLE ${quoteIdentifier(role)} SET role = ${quoteLiteral(owner)}`)
        yield* sql.unsafe(`ALTER ROLE ${quoteIdentifier(role)} SET lock_timeout = ${quoteLiteral(options.lockTimeout)}`)
        yield* sql.unsafe(
          `ALTER ROLE ${quoteIdentifier(role)} SET statement_timeout = ${quoteLiteral(options.statementTimeout)}`
        )
      }).pipe(Effect.onError(() => Effect.ignore(dropLoginRole(role))))
      yield* Effect.forkIn(renewal(connection, role, options.ttlSeconds), scope)
      return validity
    })
    const validity = yield* created.pipe(
      Effect.mapError(issueFailure(provider)),
      Effect.onError(() => Scope.close(scope, Exit.void))
    )
    held.set(role, { scope })
    const uri = new URL(Redacted.value(serverUrl))
    uri.username = role
    uri.password = password
    uri.searchParams.delete("password")
    return {
      _tag: "ServerCredential",
      role,
      ownerRole: owner,
      runRole,
      expiresAt: validity.expiresAt,
      uri: Redacted.make(uri.toString(), { label: "migration credential URI" })
    } satisfies MigrationCredential
  })

  const revoke = Effect.fn("MigrationCredentials.revoke")(function*(credential: MigrationCredential) {
    if (credential._tag === "InProcessCredential") return
    const holding = held.get(credential.role)
    held.delete(credential.role)
    // The role goes first, then the holder lock: a sweep never finds the role without its holder.
    yield* revokeRole(credential.role).pipe(
      Effect.ensuring(holding === undefined ? Effect.void : Scope.close(holding.scope, Exit.void))
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
