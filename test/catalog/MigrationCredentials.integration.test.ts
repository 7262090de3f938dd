/**
 * Migration credentials on the PostgreSQL server: an expiring LOGIN role whose sessions act as the
 * provider's owner role. These tests need password authentication for credential roles (the global setup
 * adds it to a local server's pg_hba.conf; `.ci/run` does too) and fail, rather than pass, without it.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/testing/TestClock"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeChildProcess from "node:child_process"
import { once } from "node:events"
import * as NodePath from "node:path"
import * as NodeUtil from "node:util"
import { onTestFinished } from "vitest"
import { Catalog, type MigrationCredential, providerIdentity } from "../../src/catalog/Catalog.ts"
import {
  CREDENTIAL_GROUP_ROLE,
  CREDENTIAL_ROLE_PREFIX,
  MigrationCredentials
} from "../../src/catalog/MigrationCredentials.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import { advisoryLockKeySql } from "../../src/db/AdvisoryLock.ts"
import { Database } from "../../src/db/Database.ts"
import { describeServer, resetDatabase, TestDatabase, waitUntil } from "../support/TestDatabase.ts"

const provider = providerIdentity("creds", "tests")

const serverCredential = (credential: MigrationCredential) => {
  assert.strictEqual(credential._tag, "ServerCredential")
  if (credential._tag !== "ServerCredential") throw new Error("unreachable")
  return credential
}

/** Connects with `url` and runs `body`; the connection closes afterwards. */
const connectAs = <A, E>(url: string, body: Effect.Effect<A, E, SqlClient.SqlClient | Database>) =>
  Effect.provide(body, Database.layerServer(Redacted.make(url), { maxConnections: 1, connectTimeoutSeconds: 5 }))

const withWrongPassword = (uri: Redacted.Redacted<string>) => {
  const url = new URL(Redacted.value(uri))
  url.password = "not-the-password"
  return url.toString()
}

const passwordAuthHint =
  `password authentication is not enforced for credential roles: add ` +
  `"host all +${CREDENTIAL_GROUP_ROLE} 127.0.0.1/32 scram-sha-256" at the top of pg_hba.conf and reload ` +
  "(the test setup and .ci/run do this for a local server)"

const roleExists = (role: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ readonly found: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${role}) AS found`,
      ([row]) => row?.found === true
    ))

const [holderKey0, holderKey1] = advisoryLockKeySql("credential-holder", "", "r.rolname")

/** Whether some session holds the holder lock of the credential role `$1`. */
const HOLDER_LOCK_HELD = `EXISTS (SELECT 1 FROM pg_roles r JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted
  AND l.objsubid = 2 AND l.classid = (${holderKey0})::oid AND l.objid = (${holderKey1})::oid WHERE r.rolname = $1)`

const holderLockHeld = (role: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql.unsafe<{ readonly held: boolean }>(`SELECT ${HOLDER_LOCK_HELD} AS held`, [role]),
      ([row]) => row?.held === true
    ))

/**
 * Waits (up to 60 s, on the server's clock) until the server has ended the sessions of a killed holder: its
 * holder lock on `role` is released once PostgreSQL notices the closed connection, which on a busy machine
 * comes a moment after the process is gone. Until then the holder is, for every other session, alive.
 */
const holderLockReleased = (role: string) =>
  waitUntil(`SELECT NOT ${HOLDER_LOCK_HELD} AS ready`, {
    params: [role],
    seconds: 60,
    failure: `the killed holder's lock on ${role} was still held 60 s after its process ended`
  })

/** Starts `fixtures/holdCredential.ts` and waits until it holds a credential with an open session. */
const spawnHolder = (url: string) =>
  Effect.callback<{ readonly child: NodeChildProcess.ChildProcess; readonly role: string }, Error>((resume) => {
    const child = NodeChildProcess.spawn(process.execPath, [NodePath.join(import.meta.dirname, "fixtures", "holdCredential.ts"), url], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
      const ready = /ready (\S+)\n/.exec(stdout)
      if (ready !== null) resume(Effect.succeed({ child, role: ready[1]! }))
    })
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("exit", (code) => resume(Effect.fail(new Error(`the holder exited (${code}) before holding a credential: ${stderr}`))))
  })

describeServer("migration credentials", (it) => {
  const withCatalog = <A, E, R>(body: Effect.Effect<A, E, R>) =>
    Effect.andThen(resetDatabase, Effect.provide(body, SqlCatalog.layer()))

  it.effect("connects, acts as the owner role and creates tables owned by it, with timeouts set", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const credential = serverCredential(yield* catalog.migrationCredential(provider, { ttlSeconds: 120 }))
      assert.isTrue(credential.role.startsWith(CREDENTIAL_ROLE_PREFIX))
      assert.isAbove(credential.expiresAt.getTime(), Date.now() + 100_000)
      assert.isBelow(credential.expiresAt.getTime(), Date.now() + 140_000)

      const seen = yield* connectAs(Redacted.value(credential.uri), Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE made_by_migration (id int PRIMARY KEY)`
        const [row] = yield* sql<{ readonly current: string; readonly session: string; readonly lock: string; readonly statement: string }>`
          SELECT current_user AS current, session_user AS session,
            current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement`
        return row!
      }))
      assert.deepStrictEqual(seen, { current: credential.ownerRole, session: credential.role, lock: "10s", statement: "15min" })

      const sql = yield* SqlClient.SqlClient
      const [owner] = yield* sql<{ readonly owner: string }>`
        SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'made_by_migration'`
      assert.strictEqual(owner?.owner, credential.ownerRole)
      yield* catalog.revokeCredential(credential)
    })))

  it.effect("refuses a wrong password, so passwords and expiry are really checked", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const credential = serverCredential(yield* catalog.migrationCredential(provider))
      const attempt = yield* Effect.result(connectAs(withWrongPassword(credential.uri), Effect.void))
      assert.strictEqual(attempt._tag, "Failure", passwordAuthHint)
      if (attempt._tag === "Failure") assert.strictEqual(attempt.failure.reason, "authentication")
      yield* catalog.revokeCredential(credential)
    })))

  it.effect("cannot connect once expired", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const credential = serverCredential(yield* catalog.migrationCredential(provider))
      yield* sql.unsafe(`ALTER ROLE "${credential.role}" VALID UNTIL '2000-01-01'`)
      const attempt = yield* Effect.result(connectAs(Redacted.value(credential.uri), Effect.void))
      assert.strictEqual(attempt._tag, "Failure", `an expired credential connected: ${passwordAuthHint}`)
      yield* catalog.revokeCredential(credential)
    })))

  it.effect("revoke ends the sessions and drops the role", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const credential = serverCredential(yield* catalog.migrationCredential(provider))
      const roleExists = Effect.map(
        sql<{ readonly found: boolean }>`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${credential.role}) AS found`,
        ([row]) => row?.found
      )
      assert.isTrue(yield* roleExists)
      const revokedWhileConnected = yield* connectAs(Redacted.value(credential.uri), Effect.gen(function*() {
        const session = yield* SqlClient.SqlClient
        yield* session`SELECT 1`
        yield* catalog.revokeCredential(credential)
        return yield* Effect.result(session`SELECT 1`)
      }))
      assert.strictEqual(revokedWhileConnected._tag, "Failure", "the open session was terminated")
      assert.isFalse(yield* roleExists)
      const attempt = yield* Effect.result(connectAs(Redacted.value(credential.uri), Effect.void))
      assert.strictEqual(attempt._tag, "Failure")
    })))

  it.effect("never sweeps a credential whose holder is alive, expired or not, nor ends its session", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const held = serverCredential(yield* catalog.migrationCredential(provider))
      yield* connectAs(Redacted.value(held.uri), Effect.gen(function*() {
        const session = yield* SqlClient.SqlClient
        yield* session`SELECT 1`
        // As if renewal had stalled: the role is expired while its holder (this process) is alive.
        yield* sql.unsafe(`ALTER ROLE "${held.role}" VALID UNTIL '2000-01-01'`)
        // Another provider's upgrade (the sweep covers every database on the server) issues a credential.
        const other = serverCredential(yield* catalog.migrationCredential(providerIdentity("other", "provider")))
        const survived = yield* Effect.result(session`SELECT 1`)
        assert.strictEqual(survived._tag, "Success", "the sweep ended a session whose holder is alive")
        assert.isTrue(yield* roleExists(held.role))
        yield* catalog.revokeCredential(other)
      }))
      yield* catalog.revokeCredential(held)
      assert.isFalse(yield* roleExists(held.role))
    })))

  it.effect("removes, on the next issue, the credential of a holder killed with SIGKILL, live session and all", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const { url } = yield* TestDatabase
      const holder = yield* spawnHolder(Redacted.value(url!))
      assert.isTrue(yield* roleExists(holder.role))
      assert.isTrue(yield* holderLockHeld(holder.role), "the live holder keeps its lock")
      holder.child.kill("SIGKILL")
      yield* Effect.promise(() => once(holder.child, "exit"))
      yield* holderLockReleased(holder.role)
      // Not expired (600 s to go): only the holder's death makes it abandoned.
      const rerun = serverCredential(yield* catalog.migrationCredential(provider))
      assert.isFalse(yield* roleExists(holder.role), "the killed holder's role survived the next issue")
      assert.isTrue(yield* roleExists(rerun.role))
      yield* catalog.revokeCredential(rerun)
    })), { timeout: 120_000 })

  it.effect("leaves a credential held by a live process alone, even from another process's issue", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const { url } = yield* TestDatabase
      const holder = yield* spawnHolder(Redacted.value(url!))
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`ALTER ROLE "${holder.role}" VALID UNTIL '2000-01-01'`)
      const other = serverCredential(yield* catalog.migrationCredential(provider))
      assert.isTrue(yield* roleExists(holder.role), "the sweep removed the role of a live holder")
      const [sessions] = yield* sql<{ readonly count: number }>`
        SELECT count(*)::int AS count FROM pg_stat_activity WHERE usename = ${holder.role}`
      assert.strictEqual(sessions?.count, 1, "the live holder's session was ended")
      holder.child.kill("SIGKILL")
      yield* Effect.promise(() => once(holder.child, "exit"))
      yield* catalog.revokeCredential(other)
    })), { timeout: 120_000 })

  it.effect("revoke that cannot drop the role says so, naming it, instead of failing silently", () =>
    withCatalog(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const credential = serverCredential(yield* catalog.migrationCredential(provider))
      // Something the role owns keeps DROP ROLE from succeeding.
      yield* sql.unsafe(`CREATE TABLE kept_by_credential (id int)`)
      yield* sql.unsafe(`ALTER TABLE kept_by_credential OWNER TO "${credential.role}"`)
      const error = yield* Effect.flip(catalog.revokeCredential(credential))
      assert.strictEqual(error._tag, "CredentialRevokeError")
      assert.strictEqual(error.role, credential.role)
      assert.isFalse(error.dropped)
      assert.include(error.message, `could not be dropped`)
      assert.include(error.message, credential.role)
      assert.notInclude(error.message, decodeURIComponent(new URL(Redacted.value(credential.uri)).password))
      yield* sql.unsafe(`DROP TABLE kept_by_credential`)
      yield* catalog.revokeCredential(credential)
      assert.isFalse(yield* roleExists(credential.role))
    })))

  it.effect("keeps the password and URI out of every rendering, log and error", () =>
    withCatalog(Effect.gen(function*() {
      const logs: Array<string> = []
      const capture = Logger.make(({ message, cause }) => logs.push(`${NodeUtil.inspect(message, { depth: 6 })} ${String(cause)}`))
      const catalog = yield* Catalog
      const credential = serverCredential(
        yield* catalog.migrationCredential(provider).pipe(Effect.provide(Logger.layer([capture])))
      )
      const uri = Redacted.value(credential.uri)
      const password = decodeURIComponent(new URL(uri).password)
      assert.isAtLeast(password.length, 24)
      const failed = yield* Effect.flip(connectAs(withWrongPassword(credential.uri), Effect.void))
      yield* Effect.logInfo("issued", credential).pipe(Effect.provide(Logger.layer([capture])))
      const renderings = [
        JSON.stringify(credential),
        String(credential.uri),
        NodeUtil.inspect(credential, { depth: 6 }),
        failed.message,
        NodeUtil.inspect(failed, { depth: 6 }),
        ...logs
      ]
      for (const text of renderings) {
        assert.notInclude(text, password)
        assert.notInclude(text, uri)
      }
      yield* catalog.revokeCredential(credential)
    })))
})

describeServer("migration credentials without the privilege", (it) => {
  it.effect("say the connecting user needs CREATEROLE", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      const weak = `mt_weak_${Math.random().toString(16).slice(2, 10)}`
      yield* sql.unsafe(`CREATE ROLE "${weak}" LOGIN`)
      yield* sql.unsafe(`GRANT ALL ON SCHEMA public TO "${weak}"`)
      yield* sql.unsafe(`GRANT CREATE ON DATABASE "${(yield* TestDatabase).databaseName}" TO "${weak}"`)
      const url = new URL(Redacted.value((yield* TestDatabase).url!))
      url.username = weak
      const error = yield* Effect.flip(connectAs(url.toString(), Effect.gen(function*() {
        const catalog = yield* Catalog
        return yield* catalog.migrationCredential(provider)
      }).pipe(Effect.provide(SqlCatalog.layer({ schema: `cat_${weak}` })))))
      yield* sql.unsafe(`DROP SCHEMA IF EXISTS "cat_${weak}" CASCADE`)
      yield* sql.unsafe(`REASSIGN OWNED BY "${weak}" TO CURRENT_USER`)
      yield* sql.unsafe(`DROP OWNED BY "${weak}"`)
      yield* sql.unsafe(`REVOKE ALL ON DATABASE "${(yield* TestDatabase).databaseName}" FROM "${weak}"`)
      yield* sql.unsafe(`DROP ROLE "${weak}"`)
      assert.strictEqual(error._tag, "CredentialError")
      assert.include(error.message, "may not create migration roles for creds:tests")
      assert.include(error.message, "CREATEROLE")
    }))
})

describeServer("migration credentials in use", (it) => {
  it.effect("are renewed before they expire, for as long as they are held", () =>
    TestClock.withLive(Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      const credentials = yield* MigrationCredentials
      const validUntil = (role: string) =>
        Effect.map(
          sql<{ readonly until: Date }>`SELECT rolvaliduntil AS until FROM pg_roles WHERE rolname = ${role}`,
          ([row]) => row!.until
        )
      // A two-second lifetime, renewed every two thirds of a second; the session outlives it many times.
      const credential = serverCredential(yield* credentials.issue(provider, {
        ttlSeconds: 2,
        lockTimeout: "10s",
        statementTimeout: "1min",
        schemas: []
      }))
      const first = yield* validUntil(credential.role)
      yield* connectAs(Redacted.value(credential.uri), Effect.gen(function*() {
        const session = yield* SqlClient.SqlClient
        yield* session`SELECT pg_sleep(5)`
      }))
      const later = yield* validUntil(credential.role)
      assert.isAbove(later.getTime(), first.getTime() + 3000, "VALID UNTIL did not move while the credential was held")
      const [valid] = yield* sql<{ readonly valid: boolean }>`
        SELECT rolvaliduntil > now() AS valid FROM pg_roles WHERE rolname = ${credential.role}`
      assert.isTrue(valid?.valid, "the credential expired while held")
      // A fresh login works after several lifetimes: the password is still valid.
      yield* connectAs(Redacted.value(credential.uri), Effect.void)
      yield* credentials.revoke(credential)
      assert.isFalse(yield* roleExists(credential.role))
      // Once revoked nothing renews it any more (and nothing is left to renew).
      yield* Effect.sleep("1500 millis")
      assert.isFalse(yield* roleExists(credential.role))
    }).pipe(Effect.provide(MigrationCredentials.layerPostgres))), { timeout: 60_000 })
})
