/**
 * `metatables serve` as a user runs it, on the server, on Node and on Bun: three (Node) or two (Bun) `serve`
 * processes on one database (runners of one cluster, runner storage in SQL) run each node of the example graph
 * exactly once (its table cadence is a day), writing the rows one `nodes run` writes, answer
 * `/healthz` and the API, never print the serve token, and on SIGTERM stop scheduling, release what they
 * hold, print `Stopped.` and exit 0. When the runner running a node is killed (`kill -9`) mid-run, the other
 * runner takes the node over and finishes it, the rows ending as a clean run's, nothing written twice.
 * `--prune-every` and `--prune-batch` reach the pruning runner: finished run messages older than
 * `--message-retention` that appear while it serves go at its next pass, a second later, two a statement.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import * as MachineId from "effect/cluster/MachineId"
import * as Snowflake from "effect/cluster/Snowflake"
import { inject } from "vitest"
import { cliEntry, repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { hangingExampleProject } from "../support/exampleProject.ts"
import { adminPsql, createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")
const TOKEN = "serve-e2e-token-41d9a7"

interface Served {
  readonly child: NodeChildProcess.ChildProcessWithoutNullStreams
  readonly output: () => string
  readonly ended: Promise<{ readonly exitCode: number | null; readonly signal: NodeJS.Signals | null }>
}

/** The runtimes serve is tested on as processes: Node, and Bun (cluster with SQL storage registers there too). */
const runtimes = {
  node: process.execPath,
  bun: NodePath.join(repositoryRoot, "node_modules", ".bin", "bun")
} as const

const startServe = (
  project: string,
  env: Readonly<Record<string, string>>,
  port: number,
  runnerId: string,
  graph = "nodes/index.ts:exampleGraph",
  runtime: keyof typeof runtimes = "node",
  flags: ReadonlyArray<string> = []
): Served => {
  const child = NodeChildProcess.spawn(
    runtimes[runtime],
    [cliEntry, "serve", graph, "--port", String(port), "--runner-id", runnerId, "--grace", "5", ...flags],
    { cwd: project, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] }
  )
  let text = ""
  child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()))
  const ended = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal }))
  )
  return { child, output: () => text, ended }
}

const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 180_000) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resume) => setTimeout(resume, 500))
  }
}

describe("metatables serve", () => {
  // Three processes on Node, as the issue asks; two on Bun (each Bun process is a whole runtime on a small machine).
  for (const [runtime, count] of [["node", 3], ["bun", 2]] as const) {
  it.skipIf(!server.available)(`${runtime}: ${count} processes on one server run each node once, with a single run's rows, answer health, and stop cleanly on SIGTERM`, async () => {
    const project = hangingExampleProject("serve")
    const scratch = createServerDatabase(server.url, "mt_serve")
    const reference = createServerDatabase(server.url, "mt_serve_ref")
    const name = scratch.name
    const psql = adminPsql(server.url)
    const env = { DATABASE_URL: scratch.url, METATABLES_SERVE_TOKEN: TOKEN }
    const base = 20_000 + Math.floor(Math.random() * 40_000)
    const ports = Array.from({ length: count }, (_, index) => base + index)
    const runners: Array<Served> = []
    try {
      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      runners.push(...ports.map((port, index) => startServe(project, env, port, `runner-${index}`, undefined, runtime)))
      await waitFor("every runner serving", () => runners.every((runner) => runner.output().includes("Serving 4 nodes")))
      const finished = () => Number(psql("SELECT count(*) FROM metatables.data_node_runs WHERE status = 'succeeded'", name).trim())
      await waitFor("four successful runs", () => finished() >= 4)
      // Several runners, one scheduler: a day's cadence means one run each, however long they serve.
      await new Promise((resume) => setTimeout(resume, 5_000))
      assert.strictEqual(
        psql("SELECT string_agg(n::text, ',') FROM (SELECT count(*) AS n FROM metatables.data_node_runs GROUP BY update_uid) c", name).trim(),
        "1,1,1,1"
      )
      const health = await fetch(`http://127.0.0.1:${ports[0]}/healthz`)
      assert.strictEqual(health.status, 200)
      // Each runner's shard loop registered the node entity and consumes the messages of its shards (SQL storage):
      // every runner holds shards, together all of them, and no run message is left waiting.
      const held: Array<number> = []
      for (const [index, port] of ports.entries()) {
        assert.include(runners[index]!.output(), `Dashboard on http://127.0.0.1:${port}/ (open it in a browser)`)
        const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json() as { runner: { registered: boolean; shards: number } }
        assert.isTrue(ready.runner.registered, `runner ${index} registered its node entity`)
        held.push(ready.runner.shards)
      }
      assert.isTrue(held.every((shards) => shards > 0), `every runner holds shards: ${held.join(", ")}`)
      assert.strictEqual(held.reduce((a, b) => a + b, 0), 300, `between them every shard: ${held.join(", ")}`)
      assert.strictEqual(psql("SELECT count(*) FROM metatables_cluster_messages WHERE NOT processed", name).trim(), "0")
      const nodes = await (await fetch(`http://127.0.0.1:${ports[1]}/api/nodes`)).json() as { nodes: ReadonlyArray<{ state: string }> }
      assert.deepStrictEqual(nodes.nodes.map((node) => node.state), ["fresh", "fresh", "fresh", "fresh"])

      for (const runner of runners) runner.child.kill("SIGTERM")
      const ends = await Promise.all(runners.map((runner) => runner.ended))
      for (const [index, end] of ends.entries()) {
        assert.strictEqual(end.exitCode, 0, runners[index]!.output())
        assert.include(runners[index]!.output(), "Stopped.")
        assert.notInclude(runners[index]!.output(), TOKEN)
      }
      assert.strictEqual(psql("SELECT count(*) FROM metatables.data_node_runs WHERE status = 'running'", name).trim(), "0")

      // The same graph run once by `nodes run` in another database, as of the served runs' time: the same rows.
      const asOf = psql("SELECT to_char(min(started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM metatables.data_node_runs", name).trim()
      const referenceEnv = { DATABASE_URL: reference.url }
      const referenceUpgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env: referenceEnv })
      assert.strictEqual(referenceUpgrade.exitCode, 0, referenceUpgrade.stderr)
      // On the same runtime: Bun's and Node's floating point differ in the last digits of the simulated prices.
      const single = NodeChildProcess.spawnSync(
        runtimes[runtime],
        [cliEntry, "nodes", "run", "nodes/index.ts:exampleGraph", "--as-of", asOf],
        { cwd: project, env: { ...process.env, NO_COLOR: "1", ...referenceEnv }, encoding: "utf8" }
      )
      assert.strictEqual(single.status, 0, `${single.stdout}${single.stderr}`)
      // The graph's four output tables; positions name their account by code, since account uids are random.
      const outputs = {
        prices: "SELECT * FROM sdk_examples__prices",
        returns: "SELECT * FROM sdk_examples__asset_returns",
        volatility: "SELECT * FROM sdk_examples__asset_volatility",
        positions: "SELECT p.time_index, a.account_code, p.asset_identifier, p.quantity, p.market_value " +
          "FROM sdk_examples__account_positions p JOIN sdk_examples__account a ON a.uid = p.account_uid"
      }
      for (const [output, select] of Object.entries(outputs)) {
        const digest = (database: string) =>
          psql(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM (${select}) t`, database).trim()
        const served = digest(name)
        assert.notMatch(served, /^0:/, `${output}: rows were written`)
        assert.strictEqual(served, digest(reference.name), `${output}: the served rows are a single run's`)
      }
    } finally {
      for (const runner of runners) if (runner.child.exitCode === null) runner.child.kill("SIGKILL")
      scratch.drop()
      reference.drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 400_000)
  }

  it.skipIf(!server.available)("kill -9 of the runner running a node: the other runner finishes it, nothing written twice", async () => {
    const project = hangingExampleProject("serve")
    const { name, url, drop } = createServerDatabase(server.url, "mt_serve")
    const psql = adminPsql(server.url)
    const env = { DATABASE_URL: url }
    const runners: Array<Served> = []
    try {
      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      NodeFs.writeFileSync(NodePath.join(project, "hang"), "")
      const port = 20_000 + Math.floor(Math.random() * 40_000)
      runners.push(
        startServe(project, env, port, "first", "nodes/hanging.ts:hanging"),
        startServe(project, env, port + 1, "second", "nodes/hanging.ts:hanging")
      )
      // The node's run has committed its first asset and hangs; its holder is one of the two processes.
      let holderPid = 0
      await waitFor("a running run with its first batch", () => {
        const row = psql("SELECT (holder->>'pid') || ',' || batches FROM metatables.data_node_runs WHERE status = 'running'", name).trim()
        const [pid, batches] = row.split(",")
        holderPid = Number(pid)
        return row !== "" && Number(batches) >= 1
      })
      const victim = runners.find((runner) => runner.child.pid === holderPid)
      assert.isDefined(victim, `the holder ${holderPid} is one of the serve processes`)
      const survivor = runners.find((runner) => runner !== victim)!
      victim!.child.kill("SIGKILL")
      const killedAt = Date.now()
      NodeFs.rmSync(NodePath.join(project, "hang"))
      await waitFor("the survivor to finish the node", () =>
        psql("SELECT count(*) FROM metatables.data_node_runs WHERE status = 'succeeded'", name).trim() === "1")
      const handedOverMs = Date.now() - killedAt
      assert.isBelow(handedOverMs, 150_000, "taken over within the handoff time (30 s) and the poll, with margin for a slow machine")
      const finisher = Number(psql("SELECT holder->>'pid' FROM metatables.data_node_runs WHERE status = 'succeeded'", name).trim())
      assert.strictEqual(finisher, survivor.child.pid, "the surviving runner ran it")
      // The first asset was committed by the killed run and found unchanged; the others written once.
      const rows = Number(psql("SELECT count(*) FROM sdk_examples__prices", name).trim())
      const distinct = Number(psql("SELECT count(DISTINCT (time_index, asset_identifier)) FROM sdk_examples__prices", name).trim())
      assert.strictEqual(rows, distinct)
      const inserted = Number(psql("SELECT sum(rows_inserted) FROM metatables.data_node_runs", name).trim())
      assert.strictEqual(inserted, rows, "every row inserted once, over both runs")
      assert.strictEqual(
        psql("SELECT string_agg(status, ',' ORDER BY started_at) FROM metatables.data_node_runs", name).trim(),
        "abandoned,succeeded",
        "the killed run is recorded as abandoned"
      )
      survivor.child.kill("SIGTERM")
      assert.strictEqual((await survivor.ended).exitCode, 0, survivor.output())
    } finally {
      for (const runner of runners) if (runner.child.exitCode === null && runner.child.signalCode === null) runner.child.kill("SIGKILL")
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 400_000)
  it.skipIf(!server.available)("--prune-every and --prune-batch reach the pruning runner: old finished messages go at the next pass, two a statement", async () => {
    const project = hangingExampleProject("serve")
    const { name, url, drop } = createServerDatabase(server.url, "mt_serve")
    const psql = adminPsql(server.url)
    const env = { DATABASE_URL: url }
    let runner: Served | undefined
    try {
      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      const port = 20_000 + Math.floor(Math.random() * 40_000)
      runner = startServe(project, env, port, "pruner", undefined, "node", [
        "--prune-every",
        "1 second",
        "--prune-batch",
        "2",
        "--message-retention",
        "1 minute"
      ])
      await waitFor("the runner serving", () => runner!.output().includes("Serving 4 nodes"))
      // Five run requests that finished three days ago, each with its final reply, written in one transaction
      // after the first pass (at start) ran: only a later pass, every --prune-every, can take them.
      const threeDaysAgo = Date.now() - 3 * 86_400_000
      let sequence = 0
      const snowflake = (millis: number) => String(Snowflake.make({ timestamp: millis, machineId: MachineId.make(7), sequence: ++sequence }))
      const statements = ["old1", "old2", "old3", "old4", "old5"].flatMap((entity) => {
        const request = snowflake(threeDaysAgo)
        const reply = snowflake(threeDaysAgo + 1_000)
        return [
          `INSERT INTO metatables_cluster_messages (id, message_id, shard_id, entity_type, entity_id, kind, tag, payload, ` +
          `headers, processed, request_id, reply_id, last_reply_id) VALUES (${request}, '${entity}-key', 'default:1', ` +
          `'MetatablesNode', 'hash-${entity}', 0, 'Run', '{}', '{}', TRUE, ${request}, NULL, ${reply})`,
          `INSERT INTO metatables_cluster_replies (id, kind, request_id, payload) VALUES (${reply}, 0, ${request}, '{}')`
        ]
      })
      psql(statements.join("; "), name)
      await waitFor("the seeded messages pruned", () => runner!.output().includes("pruned  5 finished run messages"), 60_000)
      // Two requests a statement: 2, 2 and 1.
      assert.match(runner.output(), /pruned {2}5 finished run messages \(5 messages, 5 replies, in 3 batches\) finished before \S+Z\n/)
      assert.strictEqual(psql("SELECT count(*) FROM metatables_cluster_messages WHERE entity_id LIKE 'hash-old%'", name), "0")
      assert.strictEqual(psql("SELECT count(*) FROM metatables_cluster_replies r WHERE NOT EXISTS " +
        "(SELECT 1 FROM metatables_cluster_messages m WHERE m.request_id = r.request_id)", name), "0")
      runner.child.kill("SIGTERM")
      const end = await runner.ended
      assert.strictEqual(end.exitCode, 0, runner.output())
    } finally {
      if (runner !== undefined && runner.child.exitCode === null) runner.child.kill("SIGKILL")
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 300_000)
})
