/**
 * Runs once before all test files: checks that the PostgreSQL test server answers (a failure under CI=true,
 * a printed skip reason otherwise), prepares a PGlite dump so that each test file's fresh in-memory database
 * starts from it instead of running `initdb`, makes sure the template new embedded databases on disk are
 * copied from exists (the one every `metatables` command uses, in the user's cache), and names this run.
 *
 * Once all files have run, its teardown removes what the run made, whatever happened to the tests: the run's
 * scratch folders (see `scratch.ts`) and the server databases whose names carry the run's id (see
 * `randomName`), with the roles made for them. It then fails the run if a role made for a database of this
 * run outlived it: a test that drops its database must drop those roles too.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { PGlite } from "@electric-sql/pglite"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import type { TestProject } from "vitest/node"
import { CREDENTIAL_GROUP_ROLE, CREDENTIAL_ROLE_PREFIX } from "../../src/catalog/MigrationCredentials.ts"
import { PGLITE_VERSION } from "../../src/db/EmbeddedDataDirectory.ts"
import { ensureTemplate } from "../../src/db/EmbeddedTemplate.ts"
import { redactDatabaseUrl } from "../../src/db/DatabaseTarget.ts"
import { describeSqlFailure } from "../../src/db/SqlFailure.ts"
import { namesOf, type TestRun } from "./scratch.ts"
import { dropRoleStatement, dropServerDatabaseStatements, rolePrefixesOf, rolesWithoutDatabase } from "./serverCleanup.ts"
import { serverAdminUrl, type ServerAvailability } from "./serverAvailability.ts"

declare module "vitest" {
  export interface ProvidedContext {
    readonly metatablesServer: ServerAvailability
    readonly pgliteTemplate: string
  }
}

const probeServer = async (url: string): Promise<ServerAvailability> => {
  const probe = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql`SELECT 1`
  }).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), connectTimeout: "5 seconds" })),
    Effect.timeout("10 seconds"),
    Effect.scoped
  )
  return Effect.runPromise(
    probe.pipe(
      Effect.as<ServerAvailability>({ available: true, url, reason: "" }),
      Effect.catch((error) =>
        Effect.succeed<ServerAvailability>({
          available: false,
          url,
          reason: error._tag === "SqlError" ? describeSqlFailure(error).message : error.message
        })
      )
    )
  )
}

const HBA_MARKER = "# metatables: migration credential roles authenticate with passwords"
const HBA_RULES = [
  HBA_MARKER,
  `host all +${CREDENTIAL_GROUP_ROLE} 127.0.0.1/32 scram-sha-256`,
  `host all +${CREDENTIAL_GROUP_ROLE} ::1/128 scram-sha-256`,
  `local all +${CREDENTIAL_GROUP_ROLE} scram-sha-256`
]

/**
 * Trust authentication checks neither passwords nor VALID UNTIL, so the credential tests need password
 * authentication for credential roles. When the server's pg_hba.conf is writable here (a local server, as
 * in CI), the rules are put first in it and the server reloads; otherwise the credential tests fail and say
 * how to add them.
 */
const ensurePasswordAuthForCredentialRoles = async (url: string): Promise<string> => {
  const program = Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql<{ readonly path: string }>`SELECT current_setting('hba_file') AS path`
    const path = row?.path ?? ""
    if (path === "" || !NodeFs.existsSync(path)) return `pg_hba.conf is not on this machine (${path || "unknown"})`
    const content = NodeFs.readFileSync(path, "utf8")
    if (content.startsWith(`${HBA_RULES.join("\n")}\n`)) return "already configured"
    // Earlier versions of these rules are replaced, wherever they are.
    const others = content.split("\n").filter((line) =>
      line !== HBA_MARKER && !line.includes(`/^${CREDENTIAL_ROLE_PREFIX}`) && !line.includes(`+${CREDENTIAL_GROUP_ROLE}`)
    )
    NodeFs.writeFileSync(path, `${HBA_RULES.join("\n")}\n${others.join("\n")}`)
    yield* sql`SELECT pg_reload_conf()`
    return `added password authentication for members of ${CREDENTIAL_GROUP_ROLE} to ${path}`
  }).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), connectTimeout: "5 seconds" })),
    Effect.scoped
  )
  return Effect.runPromise(
    program.pipe(Effect.catch((error) => Effect.succeed(`could not configure pg_hba.conf: ${error.message}`)))
  )
}

/** The template is cached by PGlite version in the temp directory; it is rebuilt when missing. */
const ensurePgliteTemplate = async (): Promise<string> => {
  const path = NodePath.join(NodeOs.tmpdir(), `metatables-pglite-template-${PGLITE_VERSION}.tar`)
  if (NodeFs.existsSync(path)) return path
  const pg = await PGlite.create()
  const dump = await pg.dumpDataDir("none")
  await pg.close()
  const partial = `${path}.${process.pid}.partial`
  NodeFs.writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()))
  NodeFs.renameSync(partial, path)
  return path
}

const repositoryRoot = NodePath.resolve(import.meta.dirname, "..", "..")

/** The template of new embedded databases on disk, made now rather than by whichever test needs it first. */
const ensureEmbeddedTemplate = (): Promise<string> =>
  Effect.runPromise(
    ensureTemplate({ onProgress: (message) => Effect.sync(() => console.warn(`\n${message}...`)) }).pipe(
      Effect.provide(NodeFileSystem.layer)
    )
  )

/** A client of the server at `url` as its administrator, for the setup and the teardown. */
const asAdmin = <A, E>(url: string, program: Effect.Effect<A, E, SqlClient.SqlClient>): Promise<A> =>
  Effect.runPromise(program.pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(url), connectTimeout: "5 seconds" })),
    Effect.scoped
  ))

/**
 * Drops the server databases this run created (their names carry `_<run id>_`), with the roles made for
 * them, and then the roles whose own names carry the run id (a test's administrator); a suite that timed
 * out or a worker that crashed may not have dropped its own.
 */
const dropRunDatabases = (url: string, runId: string): Promise<ReadonlyArray<string>> =>
  asAdmin(url, Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const databases = yield* sql<{ readonly name: string }>`
      SELECT datname AS name FROM pg_database WHERE strpos(datname, ${`_${runId}_`}) > 0`
    for (const { name } of databases) {
      for (const statement of dropServerDatabaseStatements(name)) yield* sql.unsafe(statement)
    }
    const roles = yield* sql<{ readonly role: string }>`
      SELECT rolname AS role FROM pg_roles WHERE strpos(rolname, ${`_${runId}_`}) > 0`
    for (const { role } of roles) yield* sql.unsafe(dropRoleStatement(role))
    return [...databases.map(({ name }) => name), ...roles.map(({ role }) => `role ${role}`)]
  }))

/**
 * The guard that every test drops the roles made for the server databases it made: once the run's databases
 * are gone, a role made for a database named during this run (`names`, see `randomName`) that no longer
 * exists is a leak. Names carry the run's id, so another run's roles never match, even on a shared server.
 * The leaked roles are dropped, credential roles first, and answered.
 */
const dropLeakedRoles = (url: string, names: ReadonlyArray<string>): Promise<ReadonlyArray<string>> =>
  asAdmin(url, Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const roles = yield* sql<{ readonly role: string }>`SELECT rolname AS role FROM pg_roles ORDER BY rolname`
    const databases = yield* sql<{ readonly name: string }>`SELECT datname AS name FROM pg_database`
    const ours = names.flatMap(rolePrefixesOf)
    const leaked = rolesWithoutDatabase(roles.map(({ role }) => role), databases.map(({ name }) => name))
      .filter((role) => ours.some((prefix) => role.startsWith(prefix)))
      .sort((a, b) => Number(b.startsWith(CREDENTIAL_ROLE_PREFIX)) - Number(a.startsWith(CREDENTIAL_ROLE_PREFIX)))
    for (const role of leaked) yield* sql.unsafe(dropRoleStatement(role))
    return leaked
  }))

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = serverAdminUrl()
  const id = NodeCrypto.randomBytes(3).toString("hex")
  const run: TestRun = {
    id,
    tempRoot: NodePath.join(NodeOs.tmpdir(), `metatables-test-${id}`),
    repositoryRoot: NodePath.join(repositoryRoot, ".metatables", "test-projects", `run-${id}`)
  }
  const [server, template] = await Promise.all([probeServer(url), ensurePgliteTemplate(), ensureEmbeddedTemplate()])
  if (!server.available) {
    const message = `PostgreSQL test server ${redactDatabaseUrl(url)} is unreachable: ${server.reason}.`
    if (process.env["CI"] === "true") {
      throw new Error(`${message} CI=true requires it: start the server or set TEST_DATABASE_URL.`)
    }
    console.warn(`\n${message}\nServer suites are skipped; set TEST_DATABASE_URL to run them.\n`)
  } else {
    const outcome = await ensurePasswordAuthForCredentialRoles(url)
    if (outcome !== "already configured") console.warn(`\nCredential tests: ${outcome}.\n`)
  }
  project.provide("metatablesServer", server)
  project.provide("pgliteTemplate", template)
  project.provide("testRun", run)
  return async () => {
    const names = namesOf(run)
    for (const root of [run.tempRoot, run.repositoryRoot]) NodeFs.rmSync(root, { recursive: true, force: true })
    if (!server.available) return
    const dropped = await dropRunDatabases(url, id).catch((error: unknown) => {
      console.warn(`\nCould not drop this run's test databases: ${String(error)}\n`)
      return []
    })
    if (dropped.length > 0) console.warn(`\nDropped what this run left on the server: ${dropped.join(", ")}\n`)
    const leaked = await dropLeakedRoles(url, names).catch((error: unknown) => {
      console.warn(`\nCould not look for roles that outlived their test database: ${String(error)}\n`)
      return []
    })
    if (leaked.length > 0) {
      // A failure of the run, so that a test that leaks is noticed; the roles are gone already.
      throw new Error([
        `${leaked.length} role(s) made for a database of this run outlived it (dropped now):`,
        ...leaked.map((role) => `  ${role}`),
        "A test dropped a server database without the roles made for it: make it with createServerDatabase or",
        "scopedServerDatabase (test/support/TestDatabase.ts), which drop both when the test or scope ends."
      ].join("\n"))
    }
  }
}
