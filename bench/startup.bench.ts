/**
 * What a command costs to start, as a user runs it (`bin/metatables.js` in a new process), against the
 * runtime's own start measured in the same run (`node -e 0`, `bun -e 0`, `deno eval 0`) and, for the
 * server, `psql -c 'select 1'` against the same server:
 *
 * - `--version` (Node and Bun: <= 0.3 s), answered before the command line loads; `--help`, which loads the
 *   command tree (Effect's CLI) and nothing else, is reported beside it;
 * - `migrations current` against the server (<= 0.6 s);
 * - `migrations current` on an existing embedded database (<= 1.5 s and <= 300 MB resident);
 * - the first command in a new project, `migrations upgrade`, which creates its embedded database and applies
 *   the example's three revisions (<= 5 s; the read-only commands create nothing);
 * - the second `npm run demo` (`nodes run --upgrade`), which has nothing to do (<= 3 s).
 *
 * Each figure is the median of several runs after a warm-up run (which fills Node's compile cache and makes
 * the PGlite template if this machine has none), with the process's CPU time and peak resident memory from
 * `/usr/bin/time` where it exists. The targets are for an idle 2-core machine: the wall times follow the
 * machine's load (printed first), CPU time and memory much less. Node and Bun get a verdict; Deno is
 * reported.
 */
import * as Effect from "effect/Effect"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { credentialRolePrefix, ownerRolePrefix } from "../src/catalog/MigrationCredentials.ts"
import { redactDatabaseUrl } from "../src/db/DatabaseTarget.ts"
import { formatMs, median, verdict } from "./support/measure.ts"
import { admin, adminUrl, serverUnreachable } from "./support/server.ts"

const repositoryRoot = NodePath.resolve(import.meta.dirname, "..")
const binary = (name: string) => NodePath.join(repositoryRoot, "node_modules", ".bin", name)
const executable = NodePath.join(repositoryRoot, "bin", "metatables.js")

type Runtime = "node" | "bun" | "deno"
const runtimes: ReadonlyArray<Runtime> = ["node", "bun", "deno"]

/** The runtime itself, started with nothing to do: the baseline of every command on it. */
const runtimeBaseline: Record<Runtime, ReadonlyArray<string>> = {
  node: [process.execPath, "-e", "0"],
  bun: [binary("bun"), "-e", "0"],
  deno: [binary("deno"), "eval", "0"]
}

const metatables = (runtime: Runtime, ...args: ReadonlyArray<string>): ReadonlyArray<string> => {
  switch (runtime) {
    case "node":
      return [process.execPath, executable, ...args]
    case "bun":
      return [binary("bun"), executable, ...args]
    case "deno":
      return [binary("deno"), "run", "--allow-all", executable, ...args]
  }
}

interface Sample {
  readonly wallMs: number
  /** User + system CPU of the process, when /usr/bin/time is there to tell. */
  readonly cpuMs: number | undefined
  readonly maxRssMb: number | undefined
}

const timeBinary = NodeFs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined

const environment = (extra: Readonly<Record<string, string>>): Record<string, string> => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...extra }
  if (extra["DATABASE_URL"] === undefined) delete env["DATABASE_URL"]
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

/** Runs `command` once in `cwd`; fails loudly when it does. */
const runOnce = (command: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>> = {}): Sample => {
  const report = NodePath.join(NodeOs.tmpdir(), `metatables-bench-time-${process.pid}`)
  const [file, ...args] = timeBinary === undefined ? command : [timeBinary, "-f", "%U %S %M", "-o", report, ...command]
  const started = performance.now()
  const run = NodeChildProcess.spawnSync(file!, args, { cwd, env: environment(env), encoding: "utf8" })
  const wallMs = performance.now() - started
  if (run.status !== 0) {
    throw new Error(`${command.join(" ")} exited with ${run.status}:\n${run.stderr}`)
  }
  if (timeBinary === undefined) return { wallMs, cpuMs: undefined, maxRssMb: undefined }
  const [user, system, rssKb] = NodeFs.readFileSync(report, "utf8").trim().split(/\s+/).map(Number)
  NodeFs.rmSync(report, { force: true })
  return { wallMs, cpuMs: (user! + system!) * 1000, maxRssMb: rssKb! / 1024 }
}

interface Measure {
  readonly wallMs: number
  readonly cpuMs: number | undefined
  readonly maxRssMb: number | undefined
}

/** Medians of `rounds` runs (peak memory: the largest), each preceded by `prepare` (not timed). */
const measure = (
  rounds: number,
  run: () => Sample,
  prepare: () => void = () => {}
): Measure => {
  const samples: Array<Sample> = []
  for (let round = 0; round < rounds; round++) {
    prepare()
    samples.push(run())
  }
  const cpu = samples.flatMap((sample) => sample.cpuMs === undefined ? [] : [sample.cpuMs])
  const rss = samples.flatMap((sample) => sample.maxRssMb === undefined ? [] : [sample.maxRssMb])
  return {
    wallMs: median(samples.map((sample) => sample.wallMs)),
    cpuMs: cpu.length === 0 ? undefined : median(cpu),
    maxRssMb: rss.length === 0 ? undefined : Math.max(...rss)
  }
}

const describe = (figure: Measure): string =>
  [
    formatMs(figure.wallMs),
    figure.cpuMs === undefined ? undefined : `CPU ${formatMs(figure.cpuMs)}`,
    figure.maxRssMb === undefined ? undefined : `${figure.maxRssMb.toFixed(0)} MB`
  ].filter((part) => part !== undefined).join(", ")

let failures = 0

/** Prints one figure against its baseline; Node and Bun get a verdict against the target. */
const report = (
  label: string,
  runtime: Runtime,
  figure: Measure,
  baseline: { readonly label: string; readonly figure: Measure },
  target: { readonly seconds: number; readonly megabytes?: number }
) => {
  const ratio = figure.wallMs / baseline.figure.wallMs
  const measured = `${describe(figure)}; ${baseline.label} ${formatMs(baseline.figure.wallMs)}, ratio ${ratio.toFixed(1)}x`
  const targetText = `<= ${target.seconds} s${target.megabytes === undefined ? "" : ` and <= ${target.megabytes} MB`}`
  if (runtime === "deno") {
    console.log(`INFO  ${label} [deno]: ${measured} (reported; target on Node and Bun ${targetText})`)
    return
  }
  const passed = figure.wallMs <= target.seconds * 1000 &&
    (target.megabytes === undefined || figure.maxRssMb === undefined || figure.maxRssMb <= target.megabytes)
  if (!verdict(`${label} [${runtime}]`, measured, targetText, passed)) failures++
}

/** A copy of the example project (storage, migrations, nodes) on the repository's library and packages. */
const exampleProject = (): string => {
  const directory = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "metatables-bench-startup-"))
  for (const folder of ["storage", "migrations", "nodes", "bin"]) {
    NodeFs.cpSync(NodePath.join(repositoryRoot, folder), NodePath.join(directory, folder), { recursive: true })
  }
  NodeFs.copyFileSync(NodePath.join(repositoryRoot, "package.json"), NodePath.join(directory, "package.json"))
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "src"), NodePath.join(directory, "src"), "dir")
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "node_modules"), NodePath.join(directory, "node_modules"), "dir")
  projects.push(directory)
  return directory
}

const projects: Array<string> = []
const removeEmbedded = (project: string) => {
  for (const path of ["pgdata", "pgdata.json", "pgdata.lock"]) {
    NodeFs.rmSync(NodePath.join(project, ".metatables", path), { recursive: true, force: true })
  }
}

const load = NodeOs.loadavg()
console.log(
  `${NodeOs.cpus().length} cores, load average ${load.map((value) => value.toFixed(2)).join(" ")}` +
    (load[0]! > NodeOs.cpus().length / 2 ? " (busy: wall times are inflated; CPU time and memory are steadier)" : "")
)

const baselines = Object.fromEntries(runtimes.map((runtime) => {
  runOnce(runtimeBaseline[runtime], repositoryRoot)
  return [runtime, { label: runtimeBaseline[runtime].map((part) => NodePath.basename(part)).join(" "), figure: measure(7, () => runOnce(runtimeBaseline[runtime], repositoryRoot)) }]
})) as Record<Runtime, { readonly label: string; readonly figure: Measure }>
for (const runtime of runtimes) console.log(`      baseline ${baselines[runtime].label}: ${describe(baselines[runtime].figure)}`)

try {
  for (const runtime of runtimes) {
    runOnce(metatables(runtime, "--version"), repositoryRoot)
    report("--version", runtime, measure(7, () => runOnce(metatables(runtime, "--version"), repositoryRoot)), baselines[runtime], {
      seconds: 0.3
    })
    runOnce(metatables(runtime, "--help"), repositoryRoot)
    const help = measure(7, () => runOnce(metatables(runtime, "--help"), repositoryRoot))
    const ratio = help.wallMs / baselines[runtime].figure.wallMs
    console.log(`INFO  --help [${runtime}]: ${describe(help)}; ${baselines[runtime].label} ${formatMs(baselines[runtime].figure.wallMs)}, ratio ${ratio.toFixed(1)}x (the command tree; reported)`)
  }

  const unreachable = await serverUnreachable()
  if (unreachable !== undefined) {
    console.log(`SKIP  migrations current against a server: ${redactDatabaseUrl(adminUrl)} is unreachable (${unreachable})`)
  } else {
    const name = `mt_bench_startup_${process.pid}`
    await admin((client) => client`CREATE DATABASE ${client(name)}`)
    try {
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      const env = { DATABASE_URL: url.toString() }
      const project = exampleProject()
      runOnce(metatables("node", "migrations", "upgrade"), project, env)
      const psql = ["psql", "-X", "-q", "-d", adminUrl, "-c", "select 1"]
      runOnce(psql, repositoryRoot)
      const psqlBaseline = { label: "psql -c 'select 1'", figure: measure(7, () => runOnce(psql, repositoryRoot)) }
      console.log(`      baseline ${psqlBaseline.label}: ${describe(psqlBaseline.figure)}`)
      for (const runtime of runtimes) {
        runOnce(metatables(runtime, "migrations", "current"), project, env)
        const figure = measure(5, () => runOnce(metatables(runtime, "migrations", "current"), project, env))
        report("migrations current, server", runtime, figure, psqlBaseline, { seconds: 0.6 })
      }
    } finally {
      // The database, and the owner role (and any credential role) `upgrade` made for it.
      await admin((client) =>
        Effect.gen(function*() {
          yield* client`DROP DATABASE IF EXISTS ${client(name)} WITH (FORCE)`
          const roles = yield* client<{ readonly role: string }>`
            SELECT rolname AS role FROM pg_roles
            WHERE starts_with(rolname, ${credentialRolePrefix(name)}) OR starts_with(rolname, ${ownerRolePrefix(name)})
            ORDER BY starts_with(rolname, ${credentialRolePrefix(name)}) DESC`
          for (const { role } of roles) yield* client`DROP ROLE IF EXISTS ${client(role)}`
        })
      )
    }
  }

  for (const runtime of runtimes) {
    const project = exampleProject()
    // The warm-up creates the database (and the template, the first time on this machine).
    runOnce(metatables(runtime, "migrations", "upgrade"), project)
    const existing = measure(5, () => runOnce(metatables(runtime, "migrations", "current"), project))
    report("migrations current, existing embedded database", runtime, existing, baselines[runtime], { seconds: 1.5, megabytes: 300 })

    const fresh = measure(3, () => runOnce(metatables(runtime, "migrations", "upgrade"), project), () => removeEmbedded(project))
    report("first command in a new project (upgrade: creates the embedded database)", runtime, fresh, baselines[runtime], { seconds: 5 })

    // The first demo writes the example graph; every later one has nothing to do.
    const demo = runtime === "node" ? ["npm", "run", "--silent", "demo"] : metatables(runtime, "nodes", "run", "nodes/index.ts:exampleGraph", "--upgrade")
    runOnce(demo, project)
    const second = measure(3, () => runOnce(demo, project))
    report(`second ${runtime === "node" ? "npm run demo" : "demo (nodes run --upgrade)"}`, runtime, second, baselines[runtime], { seconds: 3 })
  }
} finally {
  for (const project of projects) NodeFs.rmSync(project, { recursive: true, force: true })
}

process.exit(failures === 0 ? 0 : 1)
