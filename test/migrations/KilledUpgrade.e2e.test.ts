/**
 * An upgrade killed with SIGKILL while it holds its migration credential (mid-revision, in a statement that
 * sleeps), then run again: the rerun removes the role its killed predecessor left, converges on the same end
 * state as a clean run, and leaves no credential role behind. And an upgrade whose credential cannot be
 * dropped (a revision left something owned by the login role) fails naming the role, never silently.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeChildProcess from "node:child_process"
import { once } from "node:events"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { onTestFinished } from "vitest"
import { credentialRolePrefix } from "../../src/catalog/ProviderRoles.ts"
import { cliEntry, runCliInProcess } from "../support/cli.ts"
import { exampleProject, exampleVersions } from "../support/exampleProject.ts"
import { describeServer, resetDatabase, TestDatabase } from "../support/TestDatabase.ts"

/** The example project with a fourth revision whose statement sleeps long enough to be killed in. */
const slowProject = (): string => {
  const project = exampleProject("killed-upgrade")
  const versions = exampleVersions(project)
  NodeFs.copyFileSync(
    NodePath.join(versions, "0003_add_asset_returns_and_volatility.snapshot.json"),
    NodePath.join(versions, "0004_slow.snapshot.json")
  )
  NodeFs.writeFileSync(
    NodePath.join(versions, "0004_slow.ts"),
    `export const id = "0004"
export const parents = ["0003"]
export const message = "slow"
export const createdAt = "2026-12-01T00:00:00.000Z"
export const transactional = true
export const upgrade = [\`SELECT pg_sleep(CASE WHEN EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'killed_once') THEN 0 ELSE 600 END)\`]
export const downgrade = []
`
  )
  return project
}

describeServer("an upgrade killed with SIGKILL", (it) => {
  it.effect("leaves a role that the rerun removes, and the rerun converges", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      const { url, databaseName } = yield* TestDatabase
      const project = slowProject()
      const env = { ...process.env, DATABASE_URL: Redacted.value(url!), NO_COLOR: "1" } as Record<string, string>
      const child = NodeChildProcess.spawn(process.execPath, [cliEntry, "migrations", "upgrade"], {
        cwd: project,
        env,
        stdio: ["ignore", "ignore", "pipe"]
      })
      onTestFinished(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      })
      const credentialRoles = Effect.map(
        sql<{ readonly role: string }>`
          SELECT rolname AS role FROM pg_roles WHERE starts_with(rolname, ${credentialRolePrefix(databaseName!)})`,
        (rows) => rows.map((row) => row.role)
      )
      // Wait until the upgrade sleeps inside revision 0004, holding its credential.
      let sleeping = false
      for (let attempt = 0; attempt < 600 && !sleeping; attempt++) {
        const [row] = yield* sql<{ readonly found: boolean }>`
          SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(CASE%' AND state = 'active'
            AND pid <> pg_backend_pid()) AS found`
        sleeping = row?.found === true
        if (!sleeping) yield* sql`SELECT pg_sleep(0.2)`
      }
      assert.isTrue(sleeping, "the upgrade never reached revision 0004")
      const left = yield* credentialRoles
      assert.strictEqual(left.length, 1, "the upgrade holds one credential")
      child.kill("SIGKILL")
      yield* Effect.promise(() => once(child, "exit"))
      assert.deepStrictEqual(yield* credentialRoles, left, "the killed upgrade's role is left behind")

      yield* sql`CREATE TABLE killed_once ()`
      const rerun = yield* Effect.promise(() =>
        runCliInProcess(["migrations", "upgrade", "--json"], { cwd: project, env: { DATABASE_URL: Redacted.value(url!) } })
      )
      assert.strictEqual(rerun.exitCode, 0, rerun.stderr)
      const report = JSON.parse(rerun.stdout)
      assert.deepStrictEqual(report.to, ["0004"])
      assert.isTrue(report.hookRan)
      assert.deepStrictEqual(yield* credentialRoles, [], "a credential role outlived the rerun")
      const [accounts] = yield* sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM sdk_examples__account`
      assert.isAbove(accounts!.count, 0, "the hook's seed rows")
    }), { timeout: 300_000 })

  it.effect("an upgrade whose credential cannot be revoked fails, naming the role, rather than succeeding silently", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      const { url } = yield* TestDatabase
      const project = exampleProject("unrevokable")
      const versions = exampleVersions(project)
      NodeFs.copyFileSync(
        NodePath.join(versions, "0003_add_asset_returns_and_volatility.snapshot.json"),
        NodePath.join(versions, "0004_owned.snapshot.json")
      )
      // The revision steps out of the owner role: the table it makes belongs to the credential's login role.
      NodeFs.writeFileSync(
        NodePath.join(versions, "0004_owned.ts"),
        `export const id = "0004"
export const parents = ["0003"]
export const message = "owned by the credential"
export const createdAt = "2026-12-01T00:00:00.000Z"
export const transactional = true
export const upgrade = ["SET ROLE NONE", "CREATE TABLE owned_by_credential (id int)"]
export const downgrade = ["DROP TABLE owned_by_credential"]
`
      )
      const run = yield* Effect.promise(() =>
        runCliInProcess(["migrations", "upgrade", "--json"], { cwd: project, env: { DATABASE_URL: Redacted.value(url!) } })
      )
      assert.strictEqual(run.exitCode, 1, run.stderr)
      const error = JSON.parse(run.stdout).error
      assert.strictEqual(error._tag, "CredentialRevokeError")
      const [owner] = yield* sql<{ readonly owner: string }>`SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'owned_by_credential'`
      assert.include(error.message, owner!.owner)
      assert.include(error.message, "could not be dropped")
      yield* sql`DROP TABLE owned_by_credential`
      yield* sql.unsafe(`DROP ROLE "${owner!.owner}"`)
    }), { timeout: 300_000 })
})
