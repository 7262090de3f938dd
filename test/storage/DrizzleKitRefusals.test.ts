/**
 * Our copy of drizzle-kit's schema checks against drizzle-kit itself: each case goes to `generateDrizzleJson`
 * in a child process (where it may end the process) and to `drizzleKitRefusals`; they must refuse the same
 * cases, with the same report.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NodePath from "node:path"
import { drizzleKitRefusals } from "../../src/storage/DrizzleKitRefusals.ts"
import { repositoryRoot, runProcess } from "../support/cli.ts"
import { acceptedCases, refusedCases } from "./fixtures/drizzleKitCases.ts"

type Verdicts = Readonly<Record<string, { readonly refused: boolean; readonly report: string }>>

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g

/** drizzle-kit prints each problem after a " Warning " badge, the problems one per line. */
const asDrizzleKitPrintsIt = (problems: ReadonlyArray<string>) => problems.map((problem) => ` Warning  ${problem}`).join("\n")

/** Cases whose report we word differently: drizzle-kit's lists pgvector's operator classes, or holds a hash. */
const paraphrased = new Set(["vectorIndexWithoutOperatorClass", "longUnnamedForeignKeyTwice"])

/** The table drizzle-kit names in a report (`"public"."t"` or `the t table`). */
const tableNamedIn = (report: string): string => {
  const match = /"public"\."([^"]+)"|inside the (\S+) table/.exec(report)
  return match?.[1] ?? match?.[2] ?? report
}

describe("drizzleKitRefusals", () => {
  it.effect("refuses exactly what drizzle-kit refuses, with drizzle-kit's report", () =>
    Effect.gen(function*() {
      const run = yield* Effect.promise(() =>
        runProcess(process.execPath, [NodePath.join(import.meta.dirname, "fixtures", "runDrizzleKit.ts")], { cwd: repositoryRoot })
      )
      assert.strictEqual(run.exitCode, 0, run.stderr)
      const verdicts: Verdicts = JSON.parse(run.stdout)
      for (const [name, tables] of Object.entries(refusedCases)) {
        const problems = drizzleKitRefusals(tables)
        assert.isTrue(verdicts[name]?.refused, `drizzle-kit refuses ${name}`)
        assert.isNotEmpty(problems, `we refuse ${name}`)
        const report = verdicts[name]!.report.replace(ansi, "")
        if (paraphrased.has(name)) {
          for (const problem of problems) assert.include(problem, tableNamedIn(report), name)
        } else {
          assert.strictEqual(asDrizzleKitPrintsIt(problems), report, name)
        }
      }
      for (const [name, tables] of Object.entries(acceptedCases)) {
        assert.isFalse(verdicts[name]?.refused, `drizzle-kit accepts ${name}: ${verdicts[name]?.report}`)
        assert.deepStrictEqual(drizzleKitRefusals(tables), [], name)
      }
      assert.sameMembers(Object.keys(verdicts), [...Object.keys(refusedCases), ...Object.keys(acceptedCases)])
    }))
})
