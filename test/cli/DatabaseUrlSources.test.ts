/**
 * Ways to give the server's password without putting it on a command line: `--database-url-file`,
 * `DATABASE_URL_FILE`, and PostgreSQL's password file (`PGPASSFILE`, `~/.pgpass`) for a URL without a
 * password. On the server they are tried with a login that must authenticate with its password (a member of
 * `mt_migration_login`, which the test setup and `.ci/run` put under scram-sha-256), so a password that was
 * not really sent fails.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { CREDENTIAL_GROUP_ROLE } from "../../src/catalog/MigrationCredentials.ts"
import { runCliInProcess, scratchProject } from "../support/cli.ts"
import { describeServer, randomName, TestDatabase } from "../support/TestDatabase.ts"

const writeSecret = (directory: string, name: string, text: string): string => {
  const path = NodePath.join(directory, name)
  NodeFs.writeFileSync(path, text, { mode: 0o600 })
  return path
}

describeServer("database URLs kept off the command line", (it) => {
  /** A login that must give its password (it joins the group pg_hba.conf asks passwords of). */
  const passwordLogin = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const { url } = yield* TestDatabase
    const role = randomName("mt_pw")
    const password = `pw-${NodeCrypto.randomBytes(12).toString("hex")}`
    yield* sql.unsafe(`CREATE ROLE "${CREDENTIAL_GROUP_ROLE}" NOLOGIN`).pipe(Effect.ignore)
    yield* sql.unsafe(`CREATE ROLE "${role}" LOGIN PASSWORD '${password}' IN ROLE "${CREDENTIAL_GROUP_ROLE}"`)
    yield* Effect.addFinalizer(() => Effect.ignore(sql.unsafe(`DROP ROLE IF EXISTS "${role}"`)))
    const base = new URL(Redacted.value(url!))
    base.username = role
    base.password = ""
    const withPassword = new URL(base)
    withPassword.password = password
    return { role, password, bare: base.toString(), full: withPassword.toString() }
  })

  const doctor = (args: ReadonlyArray<string>, env: Record<string, string>) =>
    Effect.promise(() => runCliInProcess(["doctor", "--json", ...args], { cwd: scratchProject(), env }))

  it.effect("--database-url-file and DATABASE_URL_FILE connect, and the password never shows", () =>
    Effect.gen(function*() {
      const login = yield* passwordLogin
      const directory = scratchProject()
      const file = writeSecret(directory, "database-url", `${login.full}\n`)
      const noPgPass = { PGPASSFILE: NodePath.join(directory, "none") }
      for (const [args, env, source] of [
        [["--database-url-file", file], noPgPass, "--database-url-file"],
        [[], { ...noPgPass, DATABASE_URL_FILE: file }, "DATABASE_URL_FILE"]
      ] as const) {
        const run = yield* doctor(args, env)
        assert.strictEqual(run.exitCode, 0, run.stderr)
        const report = JSON.parse(run.stdout)
        assert.strictEqual(report.database.source, source)
        assert.include(report.database.target, `${login.role}:***@`)
        assert.notInclude(run.stdout + run.stderr, login.password)
      }
    }))

  it.effect("a URL without a password takes it from PGPASSFILE, and fails without it", () =>
    Effect.gen(function*() {
      const login = yield* passwordLogin
      const { databaseName } = yield* TestDatabase
      const directory = scratchProject()
      const without = yield* doctor([], { DATABASE_URL: login.bare, PGPASSFILE: NodePath.join(directory, "none") })
      assert.strictEqual(without.exitCode, 1, "the server did not ask for the password: pg_hba.conf is not set up")
      const pgpass = writeSecret(
        directory,
        "pgpass",
        `# other servers first\nelsewhere:5432:*:*:wrong\n127.0.0.1:*:${databaseName}:${login.role}:${login.password}\n`
      )
      const run = yield* doctor([], { DATABASE_URL: login.bare, PGPASSFILE: pgpass })
      assert.strictEqual(run.exitCode, 0, run.stderr)
      assert.notInclude(run.stdout + run.stderr, login.password)
      // A password file others may read is ignored, as libpq ignores it, and the user is told.
      NodeFs.chmodSync(pgpass, 0o644)
      const exposed = yield* doctor([], { DATABASE_URL: login.bare, PGPASSFILE: pgpass })
      assert.strictEqual(exposed.exitCode, 1)
      assert.include(exposed.stderr, "readable by others")
      assert.notInclude(exposed.stdout + exposed.stderr, login.password)
    }))

  it.effect("refuses both flags at once and an empty or missing file, showing no contents", () =>
    Effect.gen(function*() {
      const login = yield* passwordLogin
      const directory = scratchProject()
      const file = writeSecret(directory, "database-url", login.full)
      const both = yield* doctor(["--database-url", login.full, "--database-url-file", file], {})
      assert.strictEqual(both.exitCode, 1)
      assert.include(both.stderr, "pass only one of the two flags")
      const empty = yield* doctor(["--database-url-file", writeSecret(directory, "empty", "\n")], {})
      assert.strictEqual(empty.exitCode, 1)
      assert.strictEqual(JSON.parse(empty.stdout).error._tag, "DatabaseUrlFileError")
      assert.include(empty.stderr, "is empty")
      const missing = yield* doctor(["--database-url-file", NodePath.join(directory, "absent")], {})
      assert.strictEqual(missing.exitCode, 1)
      assert.include(missing.stderr, "cannot be read")
      for (const run of [both, empty, missing]) assert.notInclude(run.stdout + run.stderr, login.password)
    }))
})
