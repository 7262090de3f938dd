/**
 * `doctor` on all three runtimes (Node, Bun, Deno) against both backends: six runs of the same source.
 */
import { assert, describe, it } from "@effect/vitest"
import { inject } from "vitest"
import { type Runtime, runCli } from "../support/cli.ts"

const server = inject("metatablesServer")
const runtimes: ReadonlyArray<Runtime> = ["node", "bun", "deno"]

describe("metatables runs on every runtime", () => {
  it.each(runtimes)("%s: doctor on the embedded database", async (runtime) => {
    const run = await runCli(["doctor", "--json"], { runtime })
    assert.strictEqual(run.exitCode, 0, run.stderr)
    const report = JSON.parse(run.stdout)
    assert.strictEqual(report.runtime.name, runtime)
    assert.strictEqual(report.database.backend, "pglite")
    assert.strictEqual(report.database.ok, true)
  })

  it.skipIf(!server.available).each(runtimes)("%s: doctor on the PostgreSQL server", async (runtime) => {
    const run = await runCli(["doctor", "--json"], { runtime, env: { DATABASE_URL: server.url } })
    assert.strictEqual(run.exitCode, 0, run.stderr)
    const report = JSON.parse(run.stdout)
    assert.strictEqual(report.runtime.name, runtime)
    assert.strictEqual(report.database.backend, "postgres")
    assert.strictEqual(report.database.source, "DATABASE_URL")
    assert.strictEqual(report.database.ok, true)
  })
})
