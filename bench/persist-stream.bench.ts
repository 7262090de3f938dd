/**
 * Resident memory of a node streaming 10,000,000 rows (issue 20: < 400 MB, flat with the row count), as a user
 * runs it: `metatables nodes run bench/support/streamNodes.ts:full` in a process of its own, against a scratch
 * database of the PostgreSQL server (`TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/postgres)
 * whose tables this process deploys first. The node returns a Stream of 25,000-row arrays made as they are
 * pulled, and the run writes them as every run does: validated, encoded for COPY, each batch in a transaction
 * with its watermarks and run counters.
 *
 * The baseline is the same command streaming a tenth of the rows (`streamNodes.ts:tenth`, into a table of its
 * own) just before: memory flat with the row count means the ten-times run peaks where the small one did.
 * Peak resident memory and CPU time are `/usr/bin/time`'s (what the kernel counted for the process). Node gets
 * the verdict; Bun and Deno (started with the flag below, as the README advises for long runs) are reported. `PERSIST_STREAM_ROWS` runs another count.
 *
 * What a run holds is small (the heap after a full collection is some 40 MB); the peak is mostly V8 letting its
 * old generation grow with the allocation rate before it collects, which the command line bounds
 * (`--heap-growing-percent`, src/cli/RuntimeTuning.ts). A library user running `runNodes` in a process of
 * their own sets that, or `--max-old-space-size`, on their Node (the README's memory notes).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeChildProcess from "node:child_process"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { Database } from "../src/db/Database.ts"
import { redactDatabaseUrl } from "../src/db/DatabaseTarget.ts"
import { deployTables } from "../test/support/deploy.ts"
import { SmallTicks, STREAM_CHUNK, STREAM_ROWS, Ticks } from "./support/streamNodes.ts"
import { verdict } from "./support/measure.ts"
import { admin, adminUrl, serverUnreachable } from "./support/server.ts"

const TARGET_MB = 400
const repositoryRoot = NodePath.resolve(import.meta.dirname, "..")
const executable = NodePath.join(repositoryRoot, "bin", "metatables.js")
const runtimes = {
  node: [process.execPath, executable],
  bun: [NodePath.join(repositoryRoot, "node_modules", ".bin", "bun"), executable],
  // Deno takes V8 flags only when it starts: the README's memory notes give long runs this flag there.
  deno: [NodePath.join(repositoryRoot, "node_modules", ".bin", "deno"), "run", "--allow-all", "--v8-flags=--heap-growing-percent=50", executable]
} as const
type Runtime = keyof typeof runtimes

const rows = (count: number) => count.toLocaleString("en-US")

interface RunFigures {
  readonly seconds: number
  readonly cpuSeconds: number
  readonly peakMb: number
}

/** `metatables nodes run bench/support/streamNodes.ts:EXPORT` on `runtime`, with its wall time, CPU and peak memory. */
const runCommand = (runtime: Runtime, exported: "tenth" | "full", databaseUrl: string): RunFigures => {
  const report = NodePath.join(NodeOs.tmpdir(), `metatables-bench-stream-${process.pid}`)
  const started = performance.now()
  const run = NodeChildProcess.spawnSync(
    "/usr/bin/time",
    ["-f", "%U %S %M", "-o", report, ...runtimes[runtime], "nodes", "run", `bench/support/streamNodes.ts:${exported}`],
    {
      cwd: repositoryRoot,
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: databaseUrl, PERSIST_STREAM_ROWS: String(STREAM_ROWS), NO_COLOR: "1" }
    }
  )
  const seconds = (performance.now() - started) / 1000
  if (run.status !== 0) throw new Error(`nodes run ${exported} on ${runtime} exited with ${run.status}:\n${run.stdout}\n${run.stderr}`)
  const [user, system, peakKb] = NodeFs.readFileSync(report, "utf8").trim().split(/\s+/).map(Number)
  NodeFs.rmSync(report, { force: true })
  return { seconds, cpuSeconds: user! + system!, peakMb: peakKb! / 1024 }
}

const describeRun = (count: number, figures: RunFigures) =>
  `${rows(count)} rows: ${figures.seconds.toFixed(1)} s (${rows(Math.round(count / figures.seconds))} rows/s), ` +
  `CPU ${figures.cpuSeconds.toFixed(1)} s, peak RSS ${figures.peakMb.toFixed(1)} MB`

console.log(
  `persist-stream: metatables nodes run, a node streaming ${rows(STREAM_ROWS)} rows in arrays of ${rows(STREAM_CHUNK)}, ` +
    `after ${rows(STREAM_ROWS / 10)} rows as the baseline; ${NodeOs.cpus().length} cores, load average ` +
    NodeOs.loadavg().map((load) => load.toFixed(1)).join(" ")
)
const unreachable = await serverUnreachable()
if (!NodeFs.existsSync("/usr/bin/time")) {
  console.log("FAIL  persist-stream needs /usr/bin/time (Debian's package `time`) to read a process's peak memory")
  process.exitCode = 1
} else if (unreachable !== undefined) {
  console.log(`FAIL  PostgreSQL server ${redactDatabaseUrl(adminUrl)} is unreachable: ${unreachable}`)
  process.exitCode = 1
} else {
  const name = `mt_bench_${NodeCrypto.randomBytes(8).toString("hex")}`
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const databaseUrl = url.toString()
  await admin((client) => Effect.asVoid(client`CREATE DATABASE ${client(name)}`))
  try {
    const runtime = ManagedRuntime.make(Layer.fresh(Database.layerServer(Redacted.make(databaseUrl), { maxConnections: 2 })))
    await runtime.runPromise(deployTables([SmallTicks, Ticks]))
    /** The rows in each table, and emptied for the next run. */
    const storedAndCleared = () =>
      runtime.runPromise(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const counted = yield* sql<{ readonly small: string; readonly full: string }>`
          SELECT (SELECT count(*) FROM bench__stream_small)::text AS small, (SELECT count(*) FROM bench__stream)::text AS full`
        yield* sql`TRUNCATE bench__stream_small, bench__stream`
        return { small: Number(counted[0]!.small), full: Number(counted[0]!.full) }
      }))
    for (const name of ["node", "bun", "deno"] as const) {
      const small = runCommand(name, "tenth", databaseUrl)
      const large = runCommand(name, "full", databaseUrl)
      const stored = await storedAndCleared()
      if (stored.small !== STREAM_ROWS / 10 || stored.full !== STREAM_ROWS) {
        throw new Error(`the runs on ${name} stored ${stored.small} and ${stored.full} rows`)
      }
      console.log(`  [${name}] ${describeRun(STREAM_ROWS / 10, small)}`)
      console.log(`  [${name}] ${describeRun(STREAM_ROWS, large)}`)
      const measured = `peak RSS ${large.peakMb.toFixed(1)} MB, ${(large.peakMb - small.peakMb).toFixed(1)} MB above the run of a tenth of them`
      if (name !== "node") {
        console.log(`INFO  a node streaming ${rows(STREAM_ROWS)} rows [${name}]: ${measured} (reported; the target is Node's, < ${TARGET_MB} MB)`)
      } else if (!verdict(`a node streaming ${rows(STREAM_ROWS)} rows [node]`, measured, `< ${TARGET_MB} MB`, large.peakMb < TARGET_MB)) {
        process.exitCode = 1
      }
    }
    await runtime.dispose()
  } finally {
    await admin((client) => Effect.asVoid(client`DROP DATABASE IF EXISTS ${client(name)} WITH (FORCE)`))
  }
}
