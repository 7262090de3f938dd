/**
 * The README's least-privilege setup, end to end on the server: a login with CREATEROLE that is not a
 * superuser, owning its database, runs `migrations upgrade` (with the example provider's hook), `migrations
 * check` and `nodes run` on a copy of the example project, its password kept in a pgpass file. A pure-SQL
 * revision plants a trigger that records `current_user` on a table runs write: runs must write as the
 * provider's run role, never as the connecting user (administrator or superuser); policies it plants (row-level
 * security, which COPY refuses) record who reads and leave writes working. Revoking a credential
 * whose session is alive, as that user, ends the session and drops the role.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Catalog, providerIdentity } from "../../src/catalog/Catalog.ts"
import { credentialRolePrefix, ownerRoleName, ownerRolePrefix } from "../../src/catalog/MigrationCredentials.ts"
import { runRoleName, runRolePrefix } from "../../src/catalog/ProviderRoles.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import { Database } from "../../src/db/Database.ts"
import { describeSqlFailure } from "../../src/db/SqlFailure.ts"
import { runCli, runCliInProcess } from "../support/cli.ts"
import { exampleProject as exampleProjectCopy, exampleVersions } from "../support/exampleProject.ts"
import { describeServer, randomName, scopedServerDatabase, TestDatabase, withDatabaseName } from "../support/TestDatabase.ts"

const PROVIDER = "sdk_examples:sdk-examples"

/** The example project, with a fourth revision that plants an auditing trigger on the prices table. */
const exampleProject = (): string => {
  const directory = exampleProjectCopy("least-privilege")
  const versions = exampleVersions(directory)
  NodeFs.copyFileSync(
    NodePath.join(versions, "0003_add_asset_returns_and_volatility.snapshot.json"),
    NodePath.join(versions, "0004_audit_prices.snapshot.json")
  )
  NodeFs.writeFileSync(
    NodePath.join(versions, "0004_audit_prices.ts"),
    `import * as Effect from "effect/Effect"
import { Catalog } from "../../../src/catalog/Catalog.ts"

export const id = "0004"
export const parents: ReadonlyArray<string> = ["0003"]
export const message = "audit prices"
export const createdAt = "2026-12-01T00:00:00.000Z"
export const transactional = true

export const upgrade = [
  \`CREATE TABLE "sdk_examples__audit" ("who" text NOT NULL, "superuser" boolean NOT NULL)\`,
  \`GRANT INSERT ON "sdk_examples__audit" TO PUBLIC\`,
  \`CREATE FUNCTION "sdk_examples__record_writer"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "sdk_examples__audit" VALUES (current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user));
  RETURN NULL;
END $$\`,
  \`CREATE TRIGGER "sdk_examples__audit_prices" AFTER INSERT OR UPDATE ON "sdk_examples__prices"
FOR EACH STATEMENT EXECUTE FUNCTION "sdk_examples__record_writer"()\`,
  \`CREATE TABLE "sdk_examples__readers" ("who" text NOT NULL, "query" text NOT NULL, PRIMARY KEY ("who", "query"))\`,
  \`GRANT INSERT ON "sdk_examples__readers" TO PUBLIC\`,
  \`CREATE FUNCTION "sdk_examples__record_reader"() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  INSERT INTO "sdk_examples__readers" VALUES (current_user, lower(left(ltrim(current_query()), 6))) ON CONFLICT DO NOTHING;
  RETURN true;
END $$\`,
  \`ALTER TABLE "sdk_examples__prices" ENABLE ROW LEVEL SECURITY\`,
  \`CREATE POLICY "sdk_examples__all_prices" ON "sdk_examples__prices" USING (true) WITH CHECK (true)\`,
  \`ALTER TABLE "sdk_examples__account" ENABLE ROW LEVEL SECURITY\`,
  \`CREATE POLICY "sdk_examples__read_accounts" ON "sdk_examples__account" USING ("sdk_examples__record_reader"()) WITH CHECK (true)\`,
  \`CREATE TABLE "sdk_examples__handed" ("session" text, "current" text, "environment" text, "catalog" text)\`,
  // A data migration records what it was handed: the connection's users, whether the administrator's URL is
  // in the environment, whether the command's catalog service is reachable.
  (sql) =>
    Effect.gen(function*() {
      const catalog = yield* Effect.serviceOption(Catalog)
      yield* sql\`INSERT INTO "sdk_examples__handed" VALUES (session_user, current_user,
        \${String(process.env["DATABASE_URL"] !== undefined)}, \${catalog._tag})\`
    })
]

export const downgrade: ReadonlyArray<string> = [
  \`DROP TABLE "sdk_examples__handed"\`,
  \`DROP POLICY "sdk_examples__all_prices" ON "sdk_examples__prices"\`,
  \`ALTER TABLE "sdk_examples__prices" DISABLE ROW LEVEL SECURITY\`,
  \`DROP POLICY "sdk_examples__read_accounts" ON "sdk_examples__account"\`,
  \`ALTER TABLE "sdk_examples__account" DISABLE ROW LEVEL SECURITY\`,
  \`DROP FUNCTION "sdk_examples__record_reader"()\`,
  \`DROP TABLE "sdk_examples__readers"\`,
  \`DROP TRIGGER "sdk_examples__audit_prices" ON "sdk_examples__prices"\`,
  \`DROP FUNCTION "sdk_examples__record_writer"()\`,
  \`DROP TABLE "sdk_examples__audit"\`
]
`
  )
  return directory
}

describeServer("the least-privilege setup", (it) => {
  /**
   * A CREATEROLE login that is not a superuser and a database it owns (named with the run's id, so that the
   * global teardown finds it), dropped with every role made for it when the test ends.
   */
  const administrator = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { url } = yield* TestDatabase
    const role = randomName("mt_adm")
    const password = `pw-${NodeCrypto.randomBytes(12).toString("hex")}`
    yield* Effect.acquireRelease(
      sql.unsafe(`CREATE ROLE "${role}" LOGIN CREATEROLE NOSUPERUSER PASSWORD '${password}'`),
      () => Effect.orDie(sql.unsafe(`DROP ROLE IF EXISTS "${role}"`))
    )
    // Released before the role: the database and the roles made for it go first.
    const databaseName = yield* scopedServerDatabase("mt_test", { owner: role })
    const bare = new URL(withDatabaseName(Redacted.value(url!), databaseName))
    bare.username = role
    bare.password = ""
    const superuser = withDatabaseName(Redacted.value(url!), databaseName)
    return { role, databaseName, password, bare: bare.toString(), superuser }
  })

  const cli = (project: string, env: Record<string, string>, args: ReadonlyArray<string>) =>
    Effect.promise(() => runCliInProcess([...args, "--json"], { cwd: project, env })).pipe(
      Effect.map((run) => ({ ...run, document: run.stdout.trim() === "" ? undefined : JSON.parse(run.stdout) }))
    )

  it.effect("upgrade with its hook, check and nodes run work as a CREATEROLE user, writing as the run role", () =>
    Effect.gen(function*() {
      const admin = yield* administrator
      const project = exampleProject()
      const pgpass = NodePath.join(project, "pgpass")
      NodeFs.writeFileSync(pgpass, `*:*:${admin.databaseName}:${admin.role}:${admin.password}\n`, { mode: 0o600 })
      const asAdmin = { DATABASE_URL: admin.bare, PGPASSFILE: pgpass }

      // In a process of its own, so that DATABASE_URL is really in its environment.
      const upgrade = yield* Effect.promise(() => runCli(["migrations", "upgrade", "--json"], { cwd: project, env: asAdmin }))
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      const upgraded = JSON.parse(upgrade.stdout)
      assert.isTrue(upgraded.hookRan, "the provider's hook did not run")
      assert.deepStrictEqual(upgraded.to, ["0004"])

      const check = yield* cli(project, asAdmin, ["migrations", "check"])
      assert.notInclude(check.stderr, "permission denied", check.stderr)
      assert.deepStrictEqual(check.document.databaseHeads, ["0004"], check.stderr)
      // The trigger and its function are created by revision 0004: declared, not reported.
      assert.deepStrictEqual(check.document.undeclaredObjects, [], check.stderr)

      // `current` reads the version table with the administrator's own connection, a member of the run role.
      const current = yield* cli(project, asAdmin, ["migrations", "current"])
      assert.strictEqual(current.exitCode, 0, current.stderr)
      assert.deepStrictEqual([current.document.heads, current.document.atHead], [["0004"], true], current.stderr)

      const run = yield* cli(project, asAdmin, ["nodes", "run", "nodes/index.ts:exampleGraph"])
      assert.strictEqual(run.exitCode, 0, run.stderr)
      assert.isTrue(run.document.ok)

      // The superuser running the same job still writes as the run role.
      const superRun = yield* cli(project, { DATABASE_URL: admin.superuser }, [
        "nodes",
        "run",
        "nodes/index.ts:exampleGraph",
        "--force"
      ])
      assert.strictEqual(superRun.exitCode, 0, superRun.stderr)

      const writers = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ readonly who: string; readonly superuser: boolean }>`
          SELECT DISTINCT who, superuser FROM sdk_examples__audit ORDER BY who`
      }).pipe(Effect.provide(Database.layerServer(Redacted.make(admin.superuser), { maxConnections: 1 })))
      assert.isAbove(writers.length, 0, "the planted trigger never ran")
      // A policy planted on the accounts runs as whoever reads them: PortfolioPositions reads them (a reference
      // table) as the run role.
      const readers = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ readonly who: string }>`SELECT DISTINCT who FROM sdk_examples__readers WHERE query = 'select'`
      }).pipe(Effect.provide(Database.layerServer(Redacted.make(admin.superuser), { maxConnections: 1 })))
      assert.deepStrictEqual(readers, [{ who: runRoleName(admin.databaseName, PROVIDER) }])
      const [handed] = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ readonly session: string; readonly current: string; readonly environment: string; readonly catalog: string }>`
          SELECT * FROM sdk_examples__handed`
      }).pipe(Effect.provide(Database.layerServer(Redacted.make(admin.superuser), { maxConnections: 1 })))
      assert.isTrue(handed!.session.startsWith(credentialRolePrefix(admin.databaseName)), handed!.session)
      assert.strictEqual(handed!.current, ownerRoleName(admin.databaseName, PROVIDER))
      assert.strictEqual(handed!.environment, "false", "the data migration could read DATABASE_URL")
      assert.strictEqual(handed!.catalog, "None", "the data migration reached the command's catalog")
      assert.deepStrictEqual(writers, [{ who: runRoleName(admin.databaseName, PROVIDER), superuser: false }])

      // A trigger, its function and a policy made by hand are reported by check, which then fails.
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe(`CREATE FUNCTION by_hand() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`)
        yield* sql.unsafe(`CREATE TRIGGER "By Hand" AFTER INSERT ON sdk_examples__prices FOR EACH ROW EXECUTE FUNCTION by_hand()`)
        yield* sql.unsafe(`CREATE POLICY sneaky ON sdk_examples__account USING (true)`)
      }).pipe(Effect.provide(Database.layerServer(Redacted.make(admin.superuser), { maxConnections: 1 })))
      const flagged = yield* cli(project, asAdmin, ["migrations", "check"])
      assert.strictEqual(flagged.exitCode, 1, flagged.stderr)
      assert.deepStrictEqual(flagged.document.undeclaredObjects, [
        { kind: "policy", name: "sneaky", table: "public.sdk_examples__account" },
        { kind: "function", name: "by_hand", table: "public.sdk_examples__prices" },
        { kind: "trigger", name: "By Hand", table: "public.sdk_examples__prices" }
      ])
      const text = yield* Effect.promise(() => runCliInProcess(["migrations", "check"], { cwd: project, env: asAdmin }))
      assert.strictEqual(text.exitCode, 1)
      assert.include(text.stderr, `trigger "By Hand" on public.sdk_examples__prices is created by no revision`)

      // The run role may write rows, but no DDL.
      const ddl = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* Effect.flip(sql.withTransaction(Effect.gen(function*() {
          yield* sql`SELECT set_config('role', ${runRoleName(admin.databaseName, PROVIDER)}, true)`
          yield* sql`ALTER TABLE sdk_examples__prices ADD COLUMN pwned int`
        })))
      }).pipe(Effect.provide(Database.layerServer(Redacted.make(admin.superuser), { maxConnections: 1 })))
      assert.include(describeSqlFailure(ddl).message, "must be owner", "the run role could alter a provider table")
    }), { timeout: 600_000 })

  it.effect("revoking a credential whose session is alive ends the session and drops the role", () =>
    Effect.gen(function*() {
      const admin = yield* administrator
      const url = new URL(admin.bare)
      url.password = admin.password
      const outcome = yield* Effect.gen(function*() {
        const catalog = yield* Catalog
        const credential = yield* catalog.migrationCredential(providerIdentity("least", "privilege"))
        if (credential._tag !== "ServerCredential") return yield* Effect.die(new Error("not a server credential"))
        const sessionEnded = yield* Effect.gen(function*() {
          const session = yield* SqlClient.SqlClient
          yield* session`SELECT 1`
          yield* catalog.revokeCredential(credential)
          return (yield* Effect.result(session`SELECT 1`))._tag === "Failure"
        }).pipe(Effect.provide(Database.layerServer(credential.uri, { maxConnections: 1 })))
        const sql = yield* SqlClient.SqlClient
        const [left] = yield* sql<{ readonly found: boolean }>`
          SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${credential.role}) AS found`
        return { sessionEnded, roleLeft: left?.found }
      }).pipe(
        Effect.provide(SqlCatalog.layer()),
        Effect.provide(Database.layerServer(Redacted.make(url.toString()), { maxConnections: 2 }))
      )
      assert.deepStrictEqual(outcome, { sessionEnded: true, roleLeft: false })
    }), { timeout: 120_000 })

  it.effect("drop-roles removes a provider's roles once its database is gone, and is refused before", () =>
    Effect.gen(function*() {
      const admin = yield* administrator
      const project = exampleProject()
      const { url } = yield* TestDatabase
      const upgrade = yield* cli(project, { DATABASE_URL: admin.superuser }, ["migrations", "upgrade"])
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      const sql = yield* SqlClient.SqlClient
      const rolesOf = Effect.map(
        sql<{ readonly role: string }>`
          SELECT rolname AS role FROM pg_roles
          WHERE starts_with(rolname, ${ownerRolePrefix(admin.databaseName)})
            OR starts_with(rolname, ${runRolePrefix(admin.databaseName)})
            OR starts_with(rolname, ${credentialRolePrefix(admin.databaseName)})
          ORDER BY rolname`,
        (rows) => rows.map((row) => row.role)
      )
      const expected = [runRoleName(admin.databaseName, PROVIDER), ownerRoleName(admin.databaseName, PROVIDER)].sort()
      assert.deepStrictEqual(yield* rolesOf, expected)
      // From another database of the server (the suite's), as a user would after dropping the database.
      const elsewhere = { DATABASE_URL: Redacted.value(url!) }
      const early = yield* cli(project, elsewhere, ["migrations", "drop-roles", "--database", admin.databaseName])
      assert.strictEqual(early.exitCode, 1)
      assert.strictEqual(early.document.error._tag, "ProviderRolesError")
      assert.include(early.stderr, "still exists")
      assert.deepStrictEqual(yield* rolesOf, expected)
      yield* sql.unsafe(`DROP DATABASE "${admin.databaseName}" WITH (FORCE)`)
      const removed = yield* cli(project, elsewhere, ["migrations", "drop-roles", "--database", admin.databaseName])
      assert.strictEqual(removed.exitCode, 0, removed.stderr)
      assert.deepStrictEqual([...removed.document.dropped].sort(), expected)
      assert.deepStrictEqual(yield* rolesOf, [])
    }), { timeout: 300_000 })
})
