/**
 * Run leases as a user meets them, on both backends: a `nodes run` killed with SIGKILL mid-run leaves its run
 * `running` in the catalog, `nodes status` (which writes nothing) shows it abandoned, and the next run records
 * it so and converges on the rows a clean run writes; `nodes status NODE` shows the node's history. A run
 * stopped by SIGINT (Ctrl-C) prints what it finished and what it did not, and exits 130.
 *
 * The node (`HangingPrices`, written into a copy of the example project) writes its first asset, then waits
 * forever while a `hang` file exists in the project: the process is killed while it waits.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { cliEntry, type CliRun, runCliInProcess } from "../support/cli.ts"
import { hangingExampleProject } from "../support/exampleProject.ts"
import { adminPsql, createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")

/**
 * Starts `nodes run nodes/hanging.ts:hanging` in a process, waits until its first batch is committed, runs
 * `meanwhile` (the process still running, hanging), sends `signal`, and answers what the process printed and how
 * it ended.
 */
const runUntilFirstBatch = (
  project: string,
  env: Readonly<Record<string, string>>,
  signal: NodeJS.Signals,
  meanwhile: () => Promise<void> = () => Promise.resolve()
): Promise<CliRun & { readonly signal: NodeJS.Signals | null }> =>
  new Promise((resolve, reject) => {
    const environment: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...env }
    if (env["DATABASE_URL"] === undefined) delete environment["DATABASE_URL"]
    const child = NodeChildProcess.spawn(process.execPath, [cliEntry, "nodes", "run", "nodes/hanging.ts:hanging"], {
      cwd: project,
      env: environment,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    let sent = false
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      if (!sent && /HangingPrices [0-9a-f]{8} -> sdk_examples\.prices: batch 1,/.test(stderr)) {
        sent = true
        meanwhile().then(() => child.kill(signal), (error) => {
          child.kill("SIGKILL")
          reject(error)
        })
      }
    })
    child.on("error", reject)
    child.on("close", (exitCode, endedBy) => resolve({ exitCode, stdout, stderr, signal: endedBy }))
  })

interface StatusDocument {
  readonly nodes: ReadonlyArray<{ readonly kind: string; readonly lastRun: { readonly status: string; readonly uid: string } }>
}
interface HistoryDocument {
  readonly runs: ReadonlyArray<{ readonly status: string; readonly rowsInserted: number; readonly batches: number }>
}

const backends = [
  { name: "embedded", available: true },
  { name: "server", available: server.available }
] as const

describe("run leases on the command line", () => {
  for (const backend of backends) {
    it.skipIf(!backend.available)(`${backend.name}: a killed run shows as abandoned and the next run records it and converges`, async () => {
      const project = hangingExampleProject("lease")
      const scratch = backend.name === "server" ? createServerDatabase(server.url, "mt_lease") : undefined
      const name = scratch?.name ?? ""
      const psql = adminPsql(server.url)
      const env: Record<string, string> = scratch === undefined ? {} : { DATABASE_URL: scratch.url }
      try {
        const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
        assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)

        NodeFs.writeFileSync(NodePath.join(project, "hang"), "")
        const killed = await runUntilFirstBatch(project, env, "SIGKILL")
        assert.strictEqual(killed.signal, "SIGKILL", killed.stderr)

        // Status reads: it shows the run abandoned, names the gone process, and writes nothing.
        const status = await runCliInProcess(["nodes", "status"], { cwd: project, env })
        assert.strictEqual(status.exitCode, 0, status.stderr)
        assert.match(status.stderr, /HangingPrices\s+[0-9a-f]{8}\s+sdk_examples\.prices\s+abandoned\s/)
        assert.match(status.stderr, /HangingPrices [0-9a-f]{8} abandoned: the process running it \(pid \d+ on .+\) is gone/)
        assert.include(status.stderr, "ROWS: rows the last run inserted or changed")
        if (backend.name === "server") {
          assert.strictEqual(psql("SELECT status FROM metatables.data_node_runs", name).trim(), "running", "status wrote nothing")
        }

        NodeFs.rmSync(NodePath.join(project, "hang"))
        const rerun = await runCliInProcess(["nodes", "run", "nodes/hanging.ts:hanging"], { cwd: project, env })
        assert.strictEqual(rerun.exitCode, 0, rerun.stderr)
        assert.match(rerun.stderr, /HangingPrices [0-9a-f]{8}: 1 earlier run \(started .+\) recorded as abandoned/)
        assert.match(rerun.stderr, /^The node is up to date \(\d+\.\d+s\)\.$/m)

        const history = await runCliInProcess(["nodes", "status", "HangingPrices", "--json"], { cwd: project, env })
        assert.strictEqual(history.exitCode, 0, history.stderr)
        const runs = (JSON.parse(history.stdout) as HistoryDocument).runs
        assert.deepStrictEqual(runs.map((run) => run.status), ["succeeded", "abandoned"])
        assert.strictEqual(runs[1]!.batches, 1, "the killed run's first batch was committed and counted")
        // The rerun wrote the other two assets and left the first one's rows unchanged: the same rows as a clean run.
        const perAsset = runs[1]!.rowsInserted
        assert.isAbove(perAsset, 10)
        assert.strictEqual(runs[0]!.rowsInserted, 2 * perAsset)

        const text = await runCliInProcess(["nodes", "status", "--node", "HangingPrices"], { cwd: project, env })
        assert.strictEqual(text.exitCode, 0, text.stderr)
        assert.match(text.stderr, /^HangingPrices hangingprices_[0-9a-f]{32} -> sdk_examples\.prices$/m)
        assert.match(text.stderr, /\srun\s+succeeded\s+as of /)
        assert.match(text.stderr, /\srun\s+abandoned\s+as of /)
        const unknown = await runCliInProcess(["nodes", "status", "Nothing"], { cwd: project, env })
        assert.strictEqual(unknown.exitCode, 1)
        assert.match(unknown.stderr, /No node is named "Nothing"; there are HangingPrices [0-9a-f]{8}\./)
        const again = await runCliInProcess(["nodes", "status", "--json"], { cwd: project, env })
        const [node] = (JSON.parse(again.stdout) as StatusDocument).nodes
        assert.strictEqual(node?.lastRun.status, "succeeded")
        if (backend.name === "server") {
          assert.strictEqual(
            psql("SELECT string_agg(status, ',' ORDER BY started_at) FROM metatables.data_node_runs", name).trim(),
            "abandoned,succeeded"
          )
          assert.strictEqual(psql("SELECT count(*) FROM sdk_examples__prices", name).trim(), String(3 * perAsset))
        }
      } finally {
        scratch?.drop()
        NodeFs.rmSync(project, { recursive: true, force: true })
      }
    }, 300_000)
  }

  it.skipIf(!server.available)("server: Ctrl-C prints what the run finished and what it did not, and exits 130", async () => {
    const project = hangingExampleProject("lease")
    const { name, url, drop } = createServerDatabase(server.url, "mt_lease")
    const psql = adminPsql(server.url)
    const env = { DATABASE_URL: url }
    try {
      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      NodeFs.writeFileSync(NodePath.join(project, "hang"), "")
      const interrupted = await runUntilFirstBatch(project, env, "SIGINT")
      assert.strictEqual(interrupted.exitCode, 130, interrupted.stderr)
      assert.include(interrupted.stderr, "The run was interrupted.")
      assert.match(interrupted.stderr, /not finished {2}HangingPrices [0-9a-f]{8}: 1 batch \([\d,]+ rows\) committed/)
      assert.strictEqual(psql("SELECT status FROM metatables.data_node_runs", name).trim(), "interrupted")
    } finally {
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 300_000)

  it.skipIf(!server.available)("server: a second run of a node another process is running is refused, naming it, until that process is gone", async () => {
    const project = hangingExampleProject("lease")
    const { name, url, drop } = createServerDatabase(server.url, "mt_lease")
    const psql = adminPsql(server.url)
    const env = { DATABASE_URL: url }
    try {
      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      NodeFs.writeFileSync(NodePath.join(project, "hang"), "")
      let second: CliRun | undefined
      const first = await runUntilFirstBatch(project, env, "SIGKILL", async () => {
        // The first process runs the node (one batch committed, waiting for the rest): the same node again is refused.
        second = await runCliInProcess(["nodes", "run", "nodes/hanging.ts:hanging", "--json"], { cwd: project, env })
      })
      assert.strictEqual(first.signal, "SIGKILL", first.stderr)
      assert.strictEqual(second?.exitCode, 1, second?.stderr)
      const pid = psql("SELECT holder->>'pid' FROM metatables.data_node_runs", name).trim()
      assert.match(second!.stderr, new RegExp(
        `FAILED {2}HangingPrices [0-9a-f]{8}: The node is already being run: a run started \\S+ by process ${pid} on .+, which is alive`
      ))
      assert.include(second!.stderr, "Wait for it to end, or stop that process")
      assert.strictEqual((second!.stderr.match(/already being run/g) ?? []).length, 1, "said once")
      const report = JSON.parse(second!.stdout) as { ok: boolean; nodes: ReadonlyArray<{ error: { tag: string }; runUid: string | null }> }
      assert.isFalse(report.ok)
      assert.strictEqual(report.nodes[0]!.error.tag, "RunInProgressError")
      assert.isNull(report.nodes[0]!.runUid, "the refused run recorded nothing")
      assert.strictEqual(psql("SELECT count(*) FROM metatables.data_node_runs", name).trim(), "1")

      // Its process gone, the node runs again: the killed run is recorded abandoned.
      NodeFs.rmSync(NodePath.join(project, "hang"))
      const third = await runCliInProcess(["nodes", "run", "nodes/hanging.ts:hanging"], { cwd: project, env })
      assert.strictEqual(third.exitCode, 0, third.stderr)
      assert.strictEqual(
        psql("SELECT string_agg(status, ',' ORDER BY started_at) FROM metatables.data_node_runs", name).trim(),
        "abandoned,succeeded"
      )
    } finally {
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 300_000)
})
