/**
 * Fresh, isolated databases for tests, on both backends.
 *
 * `describeBackends` registers a suite once per backend; each registration gets its own database for the
 * life of the suite: on PGlite a new in-memory instance (started from the global template), on the server a
 * database with a random name, created through the admin URL and dropped afterwards. Without a reachable
 * server the server suites are skipped with the reason in their name (under CI=true the global setup fails
 * the run instead).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { it as effectIt, layer } from "@effect/vitest"
import type * as Vitest from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeChildProcess from "node:child_process"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import { describe, inject, onTestFinished } from "vitest"
import { Database, type DatabaseServices } from "../../src/db/Database.ts"
import type { DatabaseConnectionError } from "../../src/db/DatabaseConnectionError.ts"
import { redactDatabaseUrl } from "../../src/db/DatabaseTarget.ts"
import { recordName, testRun } from "./scratch.ts"
import { createServerDatabaseStatement, dropServerDatabaseStatements } from "./serverCleanup.ts"

export type Backend = "pglite" | "postgres"

export const allBackends: ReadonlyArray<Backend> = ["pglite", "postgres"]

export interface TestDatabaseInfo {
  readonly backend: Backend
  /** The server database's URL; `undefined` on PGlite. */
  readonly url: Redacted.Redacted<string> | undefined
  /** The server database's name; `undefined` on PGlite. */
  readonly databaseName: string | undefined
  /** The admin URL the server database was created through; `undefined` on PGlite. */
  readonly adminUrl: string | undefined
}

/** Which backend the current suite runs on, and how to reach its database from outside. */
export class TestDatabase extends Context.Service<TestDatabase, TestDatabaseInfo>()("test/TestDatabase") {}

export type TestDatabaseServices = DatabaseServices | TestDatabase

/** `url` with its database name replaced. */
export const withDatabaseName = (url: string, databaseName: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${databaseName}`
  return parsed.toString()
}

/**
 * A random name for a scratch database, role or project, safe as an unquoted identifier. It carries the
 * run's id, by which the global teardown finds what a failed or timed-out test left on the server, and is
 * listed in the run's folder, by which the teardown knows the roles made for a database of this run that
 * is gone.
 */
export const randomName = (prefix: string): string => {
  const name = `${prefix}_${testRun().id}_${NodeCrypto.randomBytes(6).toString("hex")}`
  recordName(name)
  return name
}

/**
 * Runs one statement with \`psql\` as the administrator of the server at \`serverUrl\` (in \`database\`, else the
 * URL's own) and answers its unaligned output, trimmed; for tests that need a client outside the process.
 */
export const adminPsql = (serverUrl: string) => {
  const admin = new URL(serverUrl)
  return (sql: string, database = admin.pathname.slice(1) || "postgres"): string =>
    NodeChildProcess.execFileSync("psql", [
      ...["-X", "-q", "-At", "-h", admin.hostname, "-p", admin.port || "5432", "-U", admin.username || "postgres"],
      ...["-d", database, "-c", sql]
    ], { encoding: "utf8" }).trim()
}

export interface ServerDatabase {
  readonly name: string
  /** The database's URL: the admin URL with the database's name. */
  readonly url: string
  /** Drops the database with its sessions and the roles made for it; again is a no-op once it succeeded. */
  readonly drop: () => void
}

/**
 * A new database `randomName(prefix)` on the server at `adminUrl`, made and dropped with `psql`, so that
 * synchronous and async tests alike can use it. Inside a test it is dropped, with the cluster-wide roles
 * metatables made for it, when the test ends, whether it passed, failed or timed out; call `drop` to drop it
 * earlier (in a `finally`, after stopping what uses it). Outside a test (a `beforeAll`), call `drop` in the
 * matching `afterAll`. The global teardown drops whatever a crashed worker left, by the run id in the name.
 */
export const createServerDatabase = (adminUrl: string, prefix: string): ServerDatabase => {
  const psql = adminPsql(adminUrl)
  const name = randomName(prefix)
  psql(createServerDatabaseStatement(name))
  let dropped = false
  const drop = () => {
    if (dropped) return
    for (const statement of dropServerDatabaseStatements(name)) psql(statement)
    dropped = true
  }
  try {
    onTestFinished(drop)
  } catch {
    // Not inside a test: the caller drops it (and the global teardown sweeps the run's databases).
  }
  return { name, url: withDatabaseName(adminUrl, name), drop }
}

/**
 * The Effect way to `createServerDatabase`: a new database `randomName(prefix)` (owned by `owner` when given),
 * made through the `SqlClient` of an administrator of the server, and dropped with the roles made for it when
 * the scope closes, however it closes.
 */
export const scopedServerDatabase = (prefix: string, options: { readonly owner?: string } = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const name = randomName(prefix)
    yield* Effect.acquireRelease(
      sql.unsafe(createServerDatabaseStatement(name, options.owner)),
      () => Effect.orDie(Effect.forEach(dropServerDatabaseStatements(name), (statement) => sql.unsafe(statement)))
    )
    return name
  })


const pgliteTemplate = (): Blob => new Blob([NodeFs.readFileSync(inject("pgliteTemplate"))])

/** An in-memory PGlite database that lives as long as the layer. */
export const pgliteLayer = (): Layer.Layer<TestDatabaseServices, DatabaseConnectionError> =>
  Layer.merge(
    Database.layerMemory({ loadDataDir: pgliteTemplate() }),
    Layer.succeed(TestDatabase, { backend: "pglite", url: undefined, databaseName: undefined, adminUrl: undefined })
  )

/**
 * Creates a database with a random name on the test server, and drops it afterwards with its sessions and
 * the (cluster-wide) roles that migration credentials created for it.
 */
const scratchServerDatabase = (adminUrl: string) =>
  Effect.gen(function*() {
    const admin = yield* PgClient.make({ url: Redacted.make(adminUrl), maxConnections: 1 })
    return yield* Effect.provideService(scopedServerDatabase("mt_test"), SqlClient.SqlClient, admin)
  }).pipe(Effect.provide(Reactivity.layer))

/** A fresh database on the test server that lives as long as the layer. */
export const serverLayer = (): Layer.Layer<TestDatabaseServices, DatabaseConnectionError | SqlError> =>
  Layer.unwrap(Effect.gen(function*() {
    const adminUrl = inject("metatablesServer").url
    const databaseName = yield* scratchServerDatabase(adminUrl)
    const url = Redacted.make(withDatabaseName(adminUrl, databaseName))
    return Layer.merge(
      Database.layerServer(url, { maxConnections: 4 }),
      Layer.succeed(TestDatabase, { backend: "postgres", url, databaseName, adminUrl })
    )
  }))

export const backendLayer = (backend: Backend) => backend === "pglite" ? pgliteLayer() : serverLayer()

export interface BackendSuiteOptions {
  /** The backends to run on (default: both). Server-only behaviour passes `["postgres"]`. */
  readonly backends?: ReadonlyArray<Backend>
}

/**
 * Registers `body` as one suite per backend, each with its own fresh database. Inside, `it.effect` tests
 * have `Database`, `SqlClient`, `PgClient` and `TestDatabase` available.
 */
export const describeBackends = (
  name: string,
  body: (it: Vitest.Vitest.MethodsNonLive<TestDatabaseServices>, backend: Backend) => void,
  options?: BackendSuiteOptions
): void => {
  const server = inject("metatablesServer")
  for (const backend of options?.backends ?? allBackends) {
    const suiteName = `${name} [${backend}]`
    if (backend === "postgres" && !server.available) {
      describe.skip(`${suiteName} (skipped: no PostgreSQL server at ${redactDatabaseUrl(server.url)})`, () => {
        body(effectIt as unknown as Vitest.Vitest.MethodsNonLive<TestDatabaseServices>, backend)
      })
      continue
    }
    layer(backendLayer(backend), { timeout: 300_000 })(suiteName, (it) => body(it, backend))
  }
}

/** Server-only behaviour: roles, locks, concurrent sessions. */
export const describeServer = (
  name: string,
  body: (it: Vitest.Vitest.MethodsNonLive<TestDatabaseServices>) => void
): void => describeBackends(name, (it) => body(it), { backends: ["postgres"] })

/** Reads one value with the suite's `SqlClient`; a convenience for assertions. */
export const queryValue = <A>(text: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{ readonly value: A }>(text)
    return rows[0]?.value
  })

/**
 * Empties the suite's database: every schema but PostgreSQL's own is dropped and `public` made again. Tests
 * in one suite share a database; those that need a clean slate start with this.
 */
export const resetDatabase = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const schemas = yield* sql<{ readonly name: string }>`
    SELECT nspname AS name FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_%'`
  for (const { name } of schemas) yield* sql`DROP SCHEMA ${sql(name)} CASCADE`
  yield* sql`CREATE SCHEMA public`
})

/**
 * Polls `query` (one boolean column `ready`, with `params`) until it is true, or dies after `seconds` (two
 * minutes), saying `failure` (else the query). It waits on the server's clock (`pg_sleep`), so it works under
 * the test clock of `it.effect` as under a live one.
 */
export const waitUntil = (
  query: string,
  options: {
    readonly params?: ReadonlyArray<unknown> | undefined
    readonly seconds?: number | undefined
    readonly failure?: string | undefined
  } = {}
) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const attempts = Math.ceil((options.seconds ?? 120) / 0.05)
    for (let attempt = 0; attempt < attempts; attempt++) {
      const [row] = yield* sql.unsafe<{ readonly ready: boolean }>(query, options.params ?? [])
      if (row?.ready === true) return
      yield* sql`SELECT pg_sleep(0.05)`
    }
    return yield* Effect.die(new Error(options.failure ?? `never became true: ${query}`))
  })
