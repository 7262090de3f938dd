/**
 * Fault injection on the server: `metatables migrations upgrade` run as a child process and killed with
 * SIGKILL at each step of an upgrade (after reserving the catalog rows, mid-revision, mid-data-step, before
 * finalizing), then run again. Every rerun must end in the same state as a clean run (heads, catalog rows,
 * columns, the data step's row exactly once), with no advisory lock, credential role or open transaction left.
 *
 * No hook inside metatables pauses it: each step is recognised from outside, as an operator would see it (a
 * session waiting for the migration lock the test holds, a revision's statement running, finalize waiting for
 * the catalog table the test has locked).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { credentialRolePrefix } from "../../src/catalog/MigrationCredentials.ts"
import { holdAdvisoryLock } from "../../src/db/AdvisoryLock.ts"
import { Database } from "../../src/db/Database.ts"
import { repositoryRoot, runCliInProcess, startCli } from "../support/cli.ts"
import { writeRevision } from "../support/revisions.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { serverLayer, TestDatabase, waitUntil } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")
const library = NodePath.join(repositoryRoot, "src", "index.ts")

const models = `
import { uuid, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable, schemaTableName } from ${JSON.stringify(library)}
export class Customer extends PlatformManagedMetaTable<Customer>()({
  name: schemaTableName("shop", "customer"),
  namespace: "shop",
  identifier: "shop.customer",
  description: "Customers of the shop.",
  columns: { uid: uuid().primaryKey().defaultRandom(), name: varchar({ length: 120 }).notNull() },
  columnInfo: { uid: { label: "UID", description: "Customer identifier." }, name: { label: "Name", description: "Name." } }
}) {}
export const models = [Customer]
`

/** A provider whose upgrade has a step to recognise for each kill: 0002 mid-revision, 0003 its data step, 0004 last. */
const project = async () => {
  const root = scratchDirectory("kill", "repository")
  NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "shop", private: true, type: "module" }))
  NodeFs.writeFileSync(NodePath.join(root, "storage", "models.ts"), models)
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "shop", "--namespace", "shop", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  const initial = await runCliInProcess(["migrations", "revision", "-m", "initial"], { cwd: root })
  assert.strictEqual(initial.exitCode, 0, initial.stderr)
  const versions = NodePath.join(root, "migrations", "versions", "shop")
  writeRevision(versions, {
    id: "0002",
    parents: ["0001"],
    message: "side table",
    upgrade: ["CREATE TABLE shop_side (id int)", "SELECT pg_sleep(1.5) AS mid_revision"],
    downgrade: ["DROP TABLE shop_side"]
  })
  writeRevision(versions, {
    id: "0003",
    parents: ["0002"],
    message: "seed",
    prelude: `import * as Context from "effect/Context"
import * as Effect from "effect/Effect"`,
    upgradeSource: "[(sql) => Effect.andThen(sql`INSERT INTO shop__customer (name) VALUES ('once')`, " +
      "sql`SELECT pg_sleep(1.5) AS data_step`)]",
    downgradeSource: "[\"DELETE FROM shop__customer WHERE name = 'once'\"]"
  })
  writeRevision(versions, {
    id: "0004",
    parents: ["0003"],
    message: "last",
    upgrade: ["SELECT pg_sleep(1) AS before_finalize"],
    downgrade: []
  })
  return root
}

const upgradeProcess = (root: string, url: string) =>
  startCli(["migrations", "upgrade", "--database-url", url], { cwd: root })

const running = (marker: string) =>
  `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ` +
  `AND state = 'active' AND query LIKE '%AS ${marker}%') AS ready`

/** What an upgrade leaves, to compare with a clean run's, and what it must not leave behind. */
const endState = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const { databaseName } = yield* TestDatabase
  const list = (query: string) => Effect.map(sql.unsafe<{ readonly v: string }>(query), (rows) => rows.map((row) => row.v))
  const count = (query: string) => Effect.map(sql.unsafe<{ readonly n: number }>(query), ([row]) => row!.n)
  return {
    state: {
      heads: yield* list(`SELECT version_num AS v FROM shop__alembic_version ORDER BY 1`),
      catalog: yield* list(`SELECT physical_table || ':' || status AS v FROM metatables.meta_tables ORDER BY 1`),
      columns: yield* list(
        `SELECT table_name || '.' || column_name || ':' || data_type AS v FROM information_schema.columns ` +
          `WHERE table_schema = 'public' AND table_name NOT LIKE '%alembic_version%' ORDER BY 1`
      ),
      seeded: yield* count(`SELECT count(*)::int AS n FROM shop__customer WHERE name = 'once'`)
    },
    leftovers: {
      advisoryLocks: yield* count(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' ` +
          `AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
      ),
      credentialRoles: yield* count(
        `SELECT count(*)::int AS n FROM pg_roles WHERE starts_with(rolname, '${credentialRolePrefix(databaseName!)}')`
      ),
      openTransactions: yield* count(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() ` +
          `AND state LIKE 'idle in transaction%'`
      )
    }
  }
})

/** A fresh server database for `body`, dropped afterwards with its roles. */
const onFreshDatabase = <A, E>(body: Effect.Effect<A, E, SqlClient.SqlClient | TestDatabase | Scope.Scope>) =>
  Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(serverLayer())
    return yield* Effect.provide(body, context)
  }))

type Step = "after reserving" | "mid-revision" | "mid-data-step" | "before finalizing"

/** Starts an upgrade, kills it with SIGKILL at `step`, then reruns it to the end. */
const killAt = (root: string, step: Step) =>
  Effect.gen(function*() {
    const database = yield* TestDatabase
    const url = Redacted.value(database.url!)
    const gate = yield* Scope.make()
    // What the test holds to stop the upgrade at a step, it holds from a pool of its own, as another process would.
    const other = yield* Scope.provide(Layer.build(Database.layerServer(database.url!, { maxConnections: 2 })), gate)
    const otherSql = Context.get(other, SqlClient.SqlClient)
    if (step === "after reserving") {
      // The test holds the provider's migration lock: the upgrade reserves its rows, then waits for it.
      yield* Scope.provide(holdAdvisoryLock("migrations", "shop:shop", { timeoutSeconds: 10 }), gate).pipe(
        Effect.provideService(SqlClient.SqlClient, otherSql)
      )
    }
    const upgrade = upgradeProcess(root, url)
    try {
      if (step === "after reserving") {
        // It takes the lock after reserving its rows: waiting for it, it has reserved them.
        yield* waitUntil(`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted) AS ready`)
        const [reserved] = yield* otherSql<{ readonly n: number }>`
          SELECT count(*)::int AS n FROM metatables.meta_tables WHERE status = 'reserved'`
        assert.strictEqual(reserved?.n, 2)
      } else if (step === "mid-revision") {
        yield* waitUntil(running("mid_revision"))
      } else if (step === "mid-data-step") {
        yield* waitUntil(running("data_step"))
      } else {
        yield* waitUntil(running("before_finalize"))
        // Finalize waits for the catalog table the test locks once the last revision runs.
        const connection = yield* Scope.provide(otherSql.reserve, gate)
        yield* connection.executeUnprepared("BEGIN", [], undefined)
        yield* connection.executeUnprepared("LOCK TABLE metatables.meta_tables IN ACCESS EXCLUSIVE MODE", [], undefined)
        yield* Scope.addFinalizer(gate, Effect.ignore(connection.executeUnprepared("ROLLBACK", [], undefined)))
        yield* waitUntil(
          `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ` +
            `AND wait_event_type = 'Lock' AND query LIKE '%meta_tables%') AS ready`
        )
      }
      upgrade.child.kill("SIGKILL")
      const code = yield* Effect.promise(() => upgrade.exited)
      assert.isNull(code, `the upgrade was killed at ${step}, not finished: ${upgrade.stderr()}`)
    } finally {
      if (upgrade.child.exitCode === null && upgrade.child.signalCode === null) upgrade.child.kill("SIGKILL")
      yield* Scope.close(gate, Exit.void)
    }
    // The server ends the killed process's sessions once it sees the connections drop.
    yield* waitUntil(
      `SELECT NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' ` +
        `AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS ready`
    )
    const rerun = upgradeProcess(root, url)
    const code = yield* Effect.promise(() => rerun.exited)
    assert.strictEqual(code, 0, `the rerun after a kill at ${step} failed: ${rerun.stderr()}`)
    return yield* endState
  })

describe.skipIf(!server.available)("upgrade killed at each step, then run again", () => {
  it.live("ends as a clean run does, leaving no lock, credential role or open transaction", () =>
    Effect.gen(function*() {
      const root = yield* Effect.promise(project)
      const clean = yield* onFreshDatabase(Effect.gen(function*() {
        const database = yield* TestDatabase
        const upgrade = upgradeProcess(root, Redacted.value(database.url!))
        assert.strictEqual(yield* Effect.promise(() => upgrade.exited), 0, upgrade.stderr())
        return yield* endState
      }))
      assert.deepStrictEqual(clean.state.heads, ["0004"])
      assert.strictEqual(clean.state.seeded, 1)
      assert.deepStrictEqual(clean.leftovers, { advisoryLocks: 0, credentialRoles: 0, openTransactions: 0 })
      for (const step of ["after reserving", "mid-revision", "mid-data-step", "before finalizing"] as const) {
        yield* Effect.logInfo(`killing an upgrade ${step}`)
        const after = yield* onFreshDatabase(killAt(root, step))
        assert.deepStrictEqual(after.state, clean.state, `killed ${step}`)
        assert.deepStrictEqual(after.leftovers, clean.leftovers, `killed ${step}`)
      }
    }), { timeout: 600_000 })
})
