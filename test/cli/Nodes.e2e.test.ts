/**
 * The DataNode command line as a user types it: `npm run demo` twice in a copy of the example project on the
 * embedded database (one process each: the first creates the database, migrates and writes the example
 * graph, the second writes nothing new), the same main job on Bun and Deno, `nodes status`, and the refusals
 * of `nodes run` (a bad reference, a database whose tables were never migrated, options that cannot work) on
 * the server, which leave the database as they found it. `npm run` and the runtimes run as processes; the
 * rest runs the command tree in-process.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { type CliRun, repositoryRoot, runCli, runCliInProcess, runProcess } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { adminPsql, createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")

/**
 * A copy of the example project (storage, migrations, nodes) that uses the repository's library and packages,
 * removed when the test ends.
 */
const exampleProject = (): string => {
  const directory = scratchDirectory("demo", "repository")
  for (const folder of ["storage", "migrations", "nodes", "bin"]) {
    NodeFs.cpSync(NodePath.join(repositoryRoot, folder), NodePath.join(directory, folder), { recursive: true })
  }
  NodeFs.copyFileSync(NodePath.join(repositoryRoot, "package.json"), NodePath.join(directory, "package.json"))
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "src"), NodePath.join(directory, "src"), "dir")
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "node_modules"), NodePath.join(directory, "node_modules"), "dir")
  return directory
}

/** `npm run <script>` in `cwd`, as the README says to type it. */
const npmRun = (script: string, cwd: string): Promise<CliRun> => runProcess("npm", ["run", "--silent", script], { cwd })

const newRows = (stderr: string): Map<string, number> =>
  new Map([...stderr.matchAll(/^ok\s+(\w+) [0-9a-f]{8}: ([\d,]+) new/gm)].map((match) => [match[1]!, Number(match[2]!.replaceAll(",", ""))]))

describe("nodes on the command line", () => {
  it("runs the demo twice: the first run migrates and writes the example graph, the second writes nothing new", async () => {
    const project = exampleProject()
    try {
      const first = await npmRun("demo", project)
      assert.strictEqual(first.exitCode, 0, first.stderr)
      assert.include(first.stderr, `Creating the embedded database in ${NodePath.join(project, ".metatables", "pgdata")}`)
      assert.include(first.stderr, "0003 add asset returns and volatility")
      assert.include(first.stderr, "All 4 nodes are up to date")
      const written = newRows(first.stderr)
      assert.deepStrictEqual([...written.keys()].sort(), ["DailyReturns", "PortfolioPositions", "RollingVolatility", "SyntheticPrices"])
      for (const [kind, rows] of written) assert.isAbove(rows, 100, kind)
      // Three seeded accounts hold each of the five assets on every price day.
      assert.strictEqual(written.get("PortfolioPositions"), 15 * (written.get("SyntheticPrices")! / 5))
      assert.isTrue(NodeFs.existsSync(NodePath.join(project, ".metatables", "pgdata")), "the embedded default was used")

      const second = await npmRun("demo", project)
      assert.strictEqual(second.exitCode, 0, second.stderr)
      assert.notInclude(second.stderr, "Creating the embedded database")
      assert.include(second.stderr, "sdk_examples:sdk-examples is already at 0003; nothing to upgrade.")
      assert.include(second.stderr, "All 4 nodes are up to date")
      assert.deepStrictEqual([...newRows(second.stderr).values()], [0, 0, 0, 0])

      const status = await runCliInProcess(["nodes", "status", "--json"], { cwd: project })
      assert.strictEqual(status.exitCode, 0, status.stderr)
      const document = JSON.parse(status.stdout) as {
        readonly nodes: ReadonlyArray<{
          readonly kind: string
          readonly lastRun: { readonly status: string }
          readonly totals: { readonly runs: number; readonly rowsInserted: number }
          readonly watermark: { readonly entities: number }
        }>
      }
      assert.strictEqual(document.nodes.length, 4)
      for (const node of document.nodes) {
        assert.strictEqual(node.lastRun.status, "succeeded", node.kind)
        assert.strictEqual(node.totals.runs, 2, node.kind)
        assert.strictEqual(node.totals.rowsInserted, written.get(node.kind), node.kind)
      }
      assert.strictEqual(document.nodes.find((node) => node.kind === "PortfolioPositions")?.watermark.entities, 15)
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 240_000)

  it.each(["bun", "deno"] as const)("%s: migrates and runs the example graph on the embedded database", async (runtime) => {
    const project = exampleProject()
    try {
      const upgrade = await runCli(["migrations", "upgrade"], { cwd: project, runtime })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      const run = await runCli(["nodes", "run", "nodes/index.ts:exampleGraph", "--json"], { cwd: project, runtime })
      assert.strictEqual(run.exitCode, 0, run.stderr)
      const report = JSON.parse(run.stdout) as {
        readonly ok: boolean
        readonly nodes: ReadonlyArray<{ readonly kind: string; readonly status: string; readonly rowsInserted: number }>
      }
      assert.isTrue(report.ok)
      assert.deepStrictEqual(report.nodes.map((node) => [node.kind, node.status]).sort(), [
        ["DailyReturns", "succeeded"],
        ["PortfolioPositions", "succeeded"],
        ["RollingVolatility", "succeeded"],
        ["SyntheticPrices", "succeeded"]
      ])
      const prices = report.nodes.find((node) => node.kind === "SyntheticPrices")!.rowsInserted
      assert.isAbove(prices, 100)
      assert.strictEqual(report.nodes.find((node) => node.kind === "PortfolioPositions")!.rowsInserted, 3 * prices)
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 240_000)

  it("refuses a reference that is not MODULE:EXPORT or names no nodes", async () => {
    const project = exampleProject()
    try {
      const malformed = await runCliInProcess(["nodes", "run", "nodes/index.ts"], { cwd: project })
      assert.strictEqual(malformed.exitCode, 2, "bad usage")
      assert.include(malformed.stderr, "is not MODULE:EXPORT")
      const missing = await runCliInProcess(["nodes", "run", "nodes/index.ts:nothing"], { cwd: project })
      assert.strictEqual(missing.exitCode, 1)
      assert.include(missing.stderr, "has no export \"nothing\" (it exports exampleGraph, examplePrices)")
      const notNodes = await runCliInProcess(["nodes", "run", "nodes/index.ts:examplePrices", "--json"], { cwd: project })
      assert.strictEqual(notNodes.exitCode, 1)
      const error = JSON.parse(notNodes.stdout) as { readonly ok: boolean; readonly error: { readonly _tag: string } }
      assert.deepStrictEqual([error.ok, error.error._tag], [false, "NodeImportError"])
      assert.isFalse(NodeFs.existsSync(NodePath.join(project, ".metatables")), "no database was opened")
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 120_000)

  it.skipIf(!server.available)("refuses to run on a database whose tables were never migrated, and changes nothing", async () => {
    const project = exampleProject()
    const { name, url, drop } = createServerDatabase(server.url, "mt_nodes")
    const psql = adminPsql(server.url)
    try {
      const env = { DATABASE_URL: url }
      const noCatalog = await runCliInProcess(["nodes", "run", "nodes/index.ts:exampleGraph"], { cwd: project, env })
      assert.strictEqual(noCatalog.exitCode, 1)
      assert.include(noCatalog.stderr, "There is no metatables catalog")
      assert.strictEqual(psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'metatables'", name).trim(), "0")

      // Migrated, then a table dropped behind the migrations' back.
      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      psql("DROP TABLE sdk_examples__asset_volatility", name)
      const refused = await runCliInProcess(["nodes", "run", "nodes/index.ts:exampleGraph"], { cwd: project, env })
      assert.strictEqual(refused.exitCode, 1)
      assert.include(refused.stderr, "startEngine cannot attach 1 of 5 storage tables")
      assert.include(refused.stderr, "sdk_examples.asset_volatility (public.sdk_examples__asset_volatility)")
      assert.strictEqual(psql("SELECT count(*) FROM metatables.data_node_runs", name).trim(), "0")
      assert.strictEqual(psql("SELECT count(*) FROM sdk_examples__prices", name).trim(), "0")

      const options = await runCliInProcess(["nodes", "run", "nodes/index.ts:exampleGraph", "--concurrency", "0"], { cwd: project, env })
      assert.strictEqual(options.exitCode, 2, "bad usage")
      assert.include(options.stderr, "--concurrency must be at least 1, not 0")
    } finally {
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 180_000)
})
