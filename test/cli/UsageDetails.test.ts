/**
 * Small things a user notices, as typed (in-process): a count flag that is not a number says what it expects,
 * the help screens offer no `--wizard`, the `--sql` script ends in a newline, and hints name `metatables`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import { runCliInProcess } from "../support/cli.ts"
import { exampleProject } from "../support/exampleProject.ts"

describe("usage details", () => {
  it("a count flag given a word or zero says what it expects, and exits 2", async () => {
    const project = exampleProject("usage")
    try {
      for (const [flag, value, expected] of [
        ["--concurrency", "abc", '--concurrency expects a whole number of at least 1 (like 4), not "abc"'],
        ["--batch-size", "0", "--batch-size must be at least 1, not 0"],
        ["--concurrency", "2.5", '--concurrency expects a whole number of at least 1 (like 4), not "2.5"']
      ] as const) {
        const run = await runCliInProcess(["nodes", "run", "nodes/index.ts:exampleGraph", flag, value], { cwd: project })
        assert.strictEqual(run.exitCode, 2, run.stderr)
        assert.include(run.stderr, expected)
        assert.notInclude(run.stderr, "finite number")
      }
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 120_000)

  it("offers no --wizard in any help screen, and the migrations help names the npm script", async () => {
    for (const args of [["--help"], ["nodes", "--help"], ["migrations", "--help"], ["nodes", "run", "--help"]]) {
      const help = await runCliInProcess(args)
      assert.strictEqual(help.exitCode, 0, help.stderr)
      assert.notInclude(help.stdout, "--wizard", args.join(" "))
    }
    const migrations = await runCliInProcess(["migrations", "--help"])
    assert.notInclude(migrations.stdout, "bun run migrate")
    const run = await runCliInProcess(["nodes", "run", "--help"])
    for (const flag of ["--as-of", "--from", "--to", "--entities", "--node", "--with-descendants", "--chunk-periods"]) {
      assert.include(run.stdout, flag)
    }
  }, 120_000)

  it("the --sql script ends in a newline", async () => {
    const project = exampleProject("usage")
    try {
      const sql = await runCliInProcess(["migrations", "upgrade", "--sql"], { cwd: project })
      assert.strictEqual(sql.exitCode, 0, sql.stderr)
      assert.isTrue(sql.stdout.endsWith(";\n") || sql.stdout.endsWith("\n"), JSON.stringify(sql.stdout.slice(-20)))
      assert.isFalse(sql.stdout.endsWith("\n\n"))
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 120_000)
})
