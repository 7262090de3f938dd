/**
 * The command line as a user types it: help, version, bad usage (exit 2) in a real process, and `doctor` on
 * both backends with passwords kept out of every output, run in-process.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { Database } from "../../src/db/Database.ts"
import { METATABLES_VERSION } from "../../src/version.ts"
import { runCli, runCliInProcess, scratchProject } from "../support/cli.ts"

/** A scratch project whose embedded database exists (made as the first upgrade would). */
const projectWithDatabase = async (): Promise<string> => {
  const cwd = scratchProject()
  const dataDir = NodePath.join(cwd, ".metatables", "pgdata")
  await Effect.runPromise(Effect.provide(Effect.void, Database.layerEmbedded(dataDir).pipe(Layer.provide(NodeFileSystem.layer))))
  return cwd
}

const server = inject("metatablesServer")

/** The admin URL with a password added: trust authentication ignores it, so it must only ever be hidden. */
const urlWithPassword = (password: string) => {
  const url = new URL(server.url)
  url.password = password
  return url.toString()
}

describe("metatables command line", () => {
  it("prints help on stdout and exits 0", async () => {
    const run = await runCli(["--help"])
    assert.strictEqual(run.exitCode, 0)
    for (const expected of ["USAGE", "doctor", "migrations", "nodes", "catalog", "--database-url", "--json"]) {
      assert.include(run.stdout, expected)
    }
    assert.strictEqual(run.stderr, "")
  })

  it("prints its version", async () => {
    const run = await runCli(["--version"])
    assert.strictEqual(run.exitCode, 0)
    assert.include(run.stdout, METATABLES_VERSION)
  })

  it("answers --version alone before loading the command line, exactly as the command line answers it", async () => {
    const early = await runCli(["--version"])
    const commandLine = await runCliInProcess(["--version"])
    assert.strictEqual(commandLine.exitCode, 0)
    assert.strictEqual(early.stdout, commandLine.stdout)
    assert.strictEqual(early.stderr, "")
  })

  it.each([
    [["doctor", "--bogus"], /Unrecognized flag: --bogus/],
    [["frobnicate"], /frobnicate/],
    [["migrations"], /USAGE/]
  ])("exits 2 on bad usage (%j) with the message on stderr and nothing on stdout", async (args, message) => {
    const run = await runCli(args)
    assert.strictEqual(run.exitCode, 2)
    assert.match(run.stderr, message)
    assert.strictEqual(run.stdout, "")
  })

  it("doctor --json reports the embedded database, its version and the runtime", async () => {
    const run = await runCliInProcess(["doctor", "--json"], { cwd: await projectWithDatabase() })
    assert.strictEqual(run.exitCode, 0, run.stderr)
    const report = JSON.parse(run.stdout)
    assert.strictEqual(report.ok, true)
    assert.strictEqual(report.metatables, METATABLES_VERSION)
    assert.deepStrictEqual(Object.keys(report.runtime).sort(), ["name", "version"])
    assert.strictEqual(report.runtime.name, "node")
    assert.strictEqual(report.database.backend, "pglite")
    assert.strictEqual(report.database.source, "embedded default")
    assert.match(report.database.target, /^embedded PGlite at .*\.metatables\/pgdata$/)
    assert.match(report.database.serverVersion, /^\d+\.\d+/)
  })

  it("doctor prints a readable report on stderr without --json", async () => {
    const run = await runCliInProcess(["doctor"], { cwd: await projectWithDatabase() })
    assert.strictEqual(run.exitCode, 0, run.stderr)
    assert.strictEqual(run.stdout, "")
    assert.match(run.stderr, /runtime\s+Node \d+/)
    assert.match(run.stderr, /status\s+ok/)
  })

  it("doctor in a project without a database creates none: nothing here yet", async () => {
    const cwd = scratchProject()
    const run = await runCliInProcess(["doctor", "--json"], { cwd })
    assert.strictEqual(run.exitCode, 0, run.stderr)
    const report = JSON.parse(run.stdout)
    assert.deepStrictEqual([report.ok, report.database.exists, report.database.source], [true, false, "embedded default"])
    const text = await runCliInProcess(["doctor"], { cwd })
    assert.match(text.stderr, /status\s+nothing here yet: `metatables migrations upgrade` \(or `nodes run --upgrade`\) creates it/)
    assert.isFalse(NodeFs.existsSync(NodePath.join(cwd, ".metatables")), "no embedded database was made")
  })

  it("refuses a DATABASE_URL that is not PostgreSQL, without printing its password", async () => {
    const run = await runCliInProcess(["doctor", "--json"], { env: { DATABASE_URL: "mysql://root:hunter2-secret@db/app" } })
    assert.strictEqual(run.exitCode, 1)
    const report = JSON.parse(run.stdout)
    assert.strictEqual(report.ok, false)
    assert.strictEqual(report.error._tag, "InvalidDatabaseUrlError")
    assert.match(run.stderr, /DATABASE_URL .* uses the scheme "mysql"/)
    assert.notInclude(run.stdout + run.stderr, "hunter2-secret")
  })

  describe.skipIf(!server.available)("against the PostgreSQL server", () => {
    it("doctor --json names the server with its password hidden", async () => {
      const run = await runCliInProcess(["doctor", "--json", "--database-url", urlWithPassword("s3cret-Pa55word")])
      assert.strictEqual(run.exitCode, 0, run.stderr)
      const report = JSON.parse(run.stdout)
      assert.strictEqual(report.database.backend, "postgres")
      assert.strictEqual(report.database.source, "--database-url")
      assert.include(report.database.target, ":***@")
      assert.notInclude(run.stdout + run.stderr, "s3cret-Pa55word")
    })

    it("doctor exits 1 when the server is unreachable, saying which and what to try", async () => {
      const url = new URL(urlWithPassword("s3cret-Pa55word"))
      url.port = "1"
      const run = await runCliInProcess(["doctor", "--json"], { env: { DATABASE_URL: url.toString() } })
      assert.strictEqual(run.exitCode, 1)
      const report = JSON.parse(run.stdout)
      assert.strictEqual(report.ok, false)
      assert.strictEqual(report.database.error.reason, "unreachable")
      assert.match(report.database.error.message, /127\.0\.0\.1:1/)
      assert.match(report.database.error.message, /Is the PostgreSQL server running/)
      assert.notInclude(run.stdout + run.stderr, "s3cret-Pa55word")
    })
  })
})
