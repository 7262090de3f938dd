/**
 * A trace of a command starts with a span named after it, and the steps the command takes run under it:
 * here `migrations heads` in the example project finds the provider and loads its revision files (no database
 * is opened), and `migrations history` with a bad range fails inside its span.
 */
import { assert, describe, it } from "@effect/vitest"
import { repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { spanRecorder } from "../support/SpanRecorder.ts"

describe("the trace of a command", () => {
  it("is one span named after the command, with its steps beneath", async () => {
    const { spans, tracer } = spanRecorder()
    const run = await runCliInProcess(["migrations", "heads"], { cwd: repositoryRoot, tracer })
    assert.strictEqual(run.exitCode, 0, run.stderr)
    const command = spans.filter((span) => span.name.startsWith("metatables "))
    assert.deepStrictEqual(command.map((span) => span.name), ["metatables migrations heads"])
    assert.deepStrictEqual(command[0]!.ancestors, [])
    for (const step of ["ProviderDiscovery.discoverProvider", "RevisionLoader.loadRevisions"]) {
      const found = spans.find((span) => span.name === step)
      assert.isDefined(found, `${step} is traced`)
      assert.include(found!.ancestors, "metatables migrations heads", `${step} runs under the command's span`)
    }
    assert.isUndefined(spans.find((span) => span.name.startsWith("Database.")), "heads opens no database")
  })

  it("names the command whose span a failure ends", async () => {
    const { spans, tracer } = spanRecorder()
    const run = await runCliInProcess(["migrations", "history", "-r", "nonsense:also-nonsense"], {
      cwd: repositoryRoot,
      tracer
    })
    assert.strictEqual(run.exitCode, 1, run.stdout)
    assert.deepStrictEqual(
      spans.filter((span) => span.name.startsWith("metatables ")).map((span) => span.name),
      ["metatables migrations history"]
    )
  })
})
