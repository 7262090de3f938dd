/**
 * `serve`'s message-prune flags as a user types them (in-process, no database): `--prune-every`,
 * `--prune-batch` and `--message-retention` given a bad value exit 2 naming the flag and what it expects,
 * before any database opens, and `serve --help` documents them. That the values reach the pruning runner is
 * shown on a server in Serve.e2e.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { runCliInProcess } from "../support/cli.ts"
import { exampleProject } from "../support/exampleProject.ts"

describe("serve's message-prune flags", () => {
  it("refuses a bad interval, batch size or retention with exit 2, naming the flag, before any database opens", async () => {
    const project = exampleProject("serve-flags")
    try {
      for (
        const [flag, value, expected] of [
          ["--prune-every", "often", `--prune-every must be a duration of at least a second such as "10 minutes" or "30 seconds", not often`],
          ["--prune-every", "500 millis", `--prune-every must be a duration of at least a second such as "10 minutes" or "30 seconds", not 500 millis`],
          ["--prune-batch", "0", "--prune-batch must be at least 1, not 0"],
          ["--prune-batch", "-3", "--prune-batch must be at least 1, not -3"],
          ["--prune-batch", "lots", `--prune-batch expects a whole number of at least 1 (like 4), not "lots"`],
          ["--prune-batch", "2.5", `--prune-batch expects a whole number of at least 1 (like 4), not "2.5"`],
          ["--prune-batch", "1000001", "--prune-batch must be at most 1,000,000, not 1000001"],
          ["--message-retention", "30 seconds", `--message-retention must be a duration of at least a minute such as "1 day" or "12 hours", not 30 seconds`]
        ] as const
      ) {
        const run = await runCliInProcess(["serve", "nodes/index.ts:exampleGraph", flag, value], { cwd: project })
        assert.strictEqual(run.exitCode, 2, `${flag} ${value}: ${run.stderr}`)
        assert.include(run.stderr, expected)
        assert.strictEqual(run.stdout, "")
      }
      assert.isFalse(NodeFs.existsSync(NodePath.join(project, ".metatables")), "no database was opened")
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 120_000)

  it("documents them in serve --help", async () => {
    const help = await runCliInProcess(["serve", "--help"])
    assert.strictEqual(help.exitCode, 0, help.stderr)
    for (const flag of ["--prune-every DURATION", "--prune-batch N", "--message-retention DURATION"]) assert.include(help.stdout, flag)
    assert.include(help.stdout, "How often the pruning runner deletes the finished run messages")
    assert.include(help.stdout, "How many finished requests one prune statement deletes")
  }, 60_000)
})
