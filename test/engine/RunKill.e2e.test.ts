/**
 * Fault injection on the server: `metatables nodes run` of the example graph, run as a child process and killed
 * with SIGKILL in the middle of a batch (its rows sent, its transaction open), then run again. The rerun must end
 * as a clean run does (every table's rows, every node's watermarks), the killed run must show as `abandoned`
 * (none left `running`), and nothing may be left behind: no advisory lock, credential role or open transaction.
 *
 * Nothing inside metatables pauses the run: a trigger the test puts on the prices table waits, from the second
 * batch on, for an advisory lock the test holds, so the batch is recognised from outside (a session waiting for
 * that lock, its rows inserted, uncommitted), as an operator would see it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import { inject } from "vitest"
import { credentialRolePrefix } from "../../src/catalog/ProviderRoles.ts"
import { Database } from "../../src/db/Database.ts"
import { runCliInProcess, startCli } from "../support/cli.ts"
import { exampleProject } from "../support/exampleProject.ts"
import { serverLayer, TestDatabase, waitUntil } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")

/** The run's "now", the same for every run, so that the synthetic sources give the same rows. */
const AS_OF = "2025-06-30T00:00:00Z"
const BATCH = 40
/** The advisory lock the trigger waits for (two int4 keys of its own). */
const GATE = [7_301_001, 7_301_002] as const

const runArgs = ["nodes", "run", "nodes/index.ts:exampleGraph", "--as-of", AS_OF, "--batch-size", String(BATCH)]

const runProcess = (root: string, url: string) => startCli(runArgs, { cwd: root, env: { DATABASE_URL: url } })

const TABLES = ["sdk_examples__prices", "sdk_examples__asset_returns", "sdk_examples__asset_volatility", "sdk_examples__account_positions"]

/** What a run leaves, to compare with a clean run's, and what it must not leave behind. */
const endState = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const { databaseName } = yield* TestDatabase
  const one = (query: string) => Effect.map(sql.unsafe<{ readonly v: string }>(query), ([row]) => row?.v ?? "")
  const count = (query: string) => Effect.map(sql.unsafe<{ readonly n: number }>(query), ([row]) => row!.n)
  const rows: Record<string, string> = {}
  for (const table of TABLES) {
    rows[table] = yield* one(`SELECT count(*) || ':' || md5(string_agg(t::text, '|' ORDER BY t::text)) AS v FROM ${table} t`)
  }
  return {
    state: {
      rows,
      watermarks: yield* one(
        `SELECT count(*) || ':' || md5(string_agg(u.update_hash || ' ' || w.entity_key || ' ' || w.first_time_index || ' ' || ` +
          `w.last_time_index, '|' ORDER BY u.update_hash, w.entity_key)) AS v ` +
          `FROM metatables.data_node_watermarks w JOIN metatables.data_node_updates u ON u.uid = w.update_uid`
      )
    },
    runs: yield* one(
      `SELECT string_agg(u.kind || ':' || r.status, ',' ORDER BY u.kind, r.started_at) AS v ` +
        `FROM metatables.data_node_runs r JOIN metatables.data_node_updates u ON u.uid = r.update_uid`
    ),
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
      ),
      running: yield* count(`SELECT count(*)::int AS n FROM metatables.data_node_runs WHERE status = 'running'`)
    }
  }
})

/** A fresh server database with the example provider at head, and `body` on it; dropped afterwards with its roles. */
const onUpgradedDatabase = <A, E>(root: string, body: Effect.Effect<A, E, SqlClient.SqlClient | TestDatabase | Scope.Scope>) =>
  Effect.scoped(Effect.gen(function*() {
    const context = yield* Layer.build(serverLayer())
    const url = Redacted.value(Context.get(context, TestDatabase).url!)
    const upgrade = yield* Effect.promise(() => runCliInProcess(["migrations", "upgrade"], { cwd: root, env: { DATABASE_URL: url } }))
    assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
    return yield* Effect.provide(body, context)
  }))

/** Starts a run, kills it with SIGKILL while its second batch of prices waits to commit, then reruns it. */
const killMidBatch = (root: string) =>
  Effect.gen(function*() {
    const database = yield* TestDatabase
    const sql = yield* SqlClient.SqlClient
    const url = Redacted.value(database.url!)
    // From the second batch on (more rows than one batch), an insert into prices waits for the test's lock.
    yield* sql.unsafe(`
      CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT count(*) FROM sdk_examples__prices) > ${BATCH} THEN PERFORM pg_advisory_xact_lock(${GATE[0]}, ${GATE[1]}); END IF;
        RETURN NULL;
      END $$`)
    yield* sql.unsafe(`CREATE TRIGGER test_gate AFTER INSERT ON sdk_examples__prices FOR EACH STATEMENT EXECUTE FUNCTION test_gate()`)
    const gate = yield* Scope.make()
    // The test holds the lock on a pool of its own, as another process would.
    const other = yield* Scope.provide(Layer.build(Database.layerServer(database.url!, { maxConnections: 1 })), gate)
    const connection = yield* Scope.provide(Context.get(other, SqlClient.SqlClient).reserve, gate)
    yield* connection.executeUnprepared(`SELECT pg_advisory_lock(${GATE[0]}, ${GATE[1]})`, [], undefined)
    const run = runProcess(root, url)
    try {
      yield* waitUntil(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted ` +
          `AND classid = ${GATE[0]} AND objid = ${GATE[1]}) AS ready`
      )
      // Mid-batch: the first batch committed, the second's rows sent and waiting in their transaction.
      const [committed] = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM sdk_examples__prices`
      assert.strictEqual(committed?.n, BATCH)
      const [running] = yield* sql<{ readonly n: number }>`
        SELECT count(*)::int AS n FROM metatables.data_node_runs WHERE status = 'running'`
      assert.strictEqual(running?.n, 1)
      run.child.kill("SIGKILL")
      const code = yield* Effect.promise(() => run.exited)
      assert.isNull(code, `the run was killed mid-batch, not finished: ${run.stderr()}`)
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL")
      // Released: the killed session's statement ends, finds its client gone, and its transaction rolls back.
      yield* Scope.close(gate, Exit.void)
    }
    yield* waitUntil(
      `SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() ` +
        `AND (state <> 'idle' OR query LIKE '%sdk_examples__prices%')) AS ready`
    )
    const [kept] = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM sdk_examples__prices`
    assert.strictEqual(kept?.n, BATCH, "the killed batch left nothing; the one before it stays")
    yield* sql.unsafe("DROP TRIGGER test_gate ON sdk_examples__prices")
    yield* sql.unsafe("DROP FUNCTION test_gate()")
    const rerun = yield* Effect.promise(() => runCliInProcess(runArgs, { cwd: root, env: { DATABASE_URL: url } }))
    assert.strictEqual(rerun.exitCode, 0, rerun.stderr)
    assert.match(rerun.stderr, /SyntheticPrices [0-9a-f]{8}: 1 earlier run \(started .+\) recorded as abandoned/)
    return yield* endState
  })

describe.skipIf(!server.available)("nodes run killed mid-batch, then run again", () => {
  it.live("ends as a clean run does, the killed run abandoned, leaving no lock, role or open transaction", () =>
    Effect.gen(function*() {
      const root = exampleProject("runkill")
      const clean = yield* onUpgradedDatabase(root, Effect.gen(function*() {
        const database = yield* TestDatabase
        const run = yield* Effect.promise(() => runCliInProcess(runArgs, { cwd: root, env: { DATABASE_URL: Redacted.value(database.url!) } }))
        assert.strictEqual(run.exitCode, 0, run.stderr)
        return yield* endState
      }))
      assert.isAbove(Number(clean.state.rows["sdk_examples__prices"]!.split(":")[0]), 2 * BATCH)
      assert.deepStrictEqual(clean.leftovers, { advisoryLocks: 0, credentialRoles: 0, openTransactions: 0, running: 0 })

      const killed = yield* onUpgradedDatabase(root, killMidBatch(root))
      assert.deepStrictEqual(killed.state, clean.state, "the same rows and watermarks as a clean run")
      assert.deepStrictEqual(killed.leftovers, clean.leftovers)
      assert.strictEqual(killed.runs, clean.runs.replace("SyntheticPrices:succeeded", "SyntheticPrices:abandoned,SyntheticPrices:succeeded"))
    }), { timeout: 600_000 })
})
