/**
 * Health from progress: a node is overdue past `overdueAfter` cadences since its last success (or since
 * serving started, before any), failing when its last `failedRuns` runs failed; the Prometheus text escapes
 * label values and reports every node.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import { cadenceOf } from "../../src/serve/NodeCadence.ts"
import { assessHealth, prometheusText } from "../../src/serve/ServeHealth.ts"
import type { ServedNode } from "../../src/serve/Serving.ts"

const served = (updateHash: string, kind = "Prices"): ServedNode => {
  const cadence = cadenceOf({ kind, updateHash, freshFor: "1 minute", tableCadence: undefined })
  if (Result.isFailure(cadence)) throw new Error(cadence.failure.message)
  return { kind, updateHash, dependsOn: [], cadence: cadence.success, table: "prices" }
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000)

describe("assessHealth", () => {
  it("is healthy while every node succeeded within its allowance", () => {
    const report = assessHealth([served("a")], new Map([["a", {
      lastStartedAt: at(100),
      lastSuccessStartedAt: at(100),
      latestRuns: [{ status: "succeeded" }]
    }]]), at(250), at(0))
    assert.isTrue(report.ok)
    assert.strictEqual(report.nodes[0]?.lagSeconds, 150)
    assert.strictEqual(report.nodes[0]?.nextDueAt, at(250).toISOString(), "due (late): now")
  })

  it("lists a node whose last success is older than three cadences", () => {
    const report = assessHealth([served("a"), served("b", "Returns")], new Map([
      ["a", { lastStartedAt: at(300), lastSuccessStartedAt: at(10), latestRuns: [{ status: "running" }] }],
      ["b", { lastStartedAt: at(300), lastSuccessStartedAt: at(300), latestRuns: [{ status: "succeeded" }] }]
    ]), at(200 + 10), at(0))
    assert.isFalse(report.ok)
    assert.deepStrictEqual(report.problems, ["Prices (a): no success for 200 s, over 3 times its cadence (freshFor 1m)"])
    assert.isTrue(report.nodes[0]?.overdue)
    assert.isFalse(report.nodes[1]?.overdue)
  })

  it("counts a node that never succeeded from when serving started", () => {
    assert.isTrue(assessHealth([served("a")], new Map(), at(180), at(0)).ok)
    assert.isFalse(assessHealth([served("a")], new Map(), at(181), at(0)).ok)
  })

  it("lists a node whose last runs all failed, and not one with a success among them", () => {
    const progress = (statuses: ReadonlyArray<"failed" | "succeeded">) =>
      new Map([["a", { lastStartedAt: at(10), lastSuccessStartedAt: at(10), latestRuns: statuses.map((status) => ({ status })) }]])
    assert.deepStrictEqual(assessHealth([served("a")], progress(["failed", "failed", "failed"]), at(20), at(0)).problems, [
      "Prices (a): its last 3 runs failed"
    ])
    assert.isTrue(assessHealth([served("a")], progress(["failed", "failed", "succeeded"]), at(20), at(0)).ok)
    assert.isTrue(assessHealth([served("a")], progress(["failed", "failed"]), at(20), at(0)).ok, "two runs are not three")
  })
})

describe("prometheusText", () => {
  it("reports counters, lag and cadence per node, label values escaped", () => {
    const report = assessHealth([served("a", "Pri\"ces\\x")], new Map(), at(30), at(0))
    const text = prometheusText(report, new Map([["a", {
      runs: { succeeded: 2, failed: 1, fresh: 0, skipped: 0 },
      rowsInserted: 10,
      rowsUpdated: 5,
      durationSeconds: 1.5
    }]]))
    assert.include(text, "# TYPE metatables_node_runs_total counter")
    assert.include(text, `metatables_node_runs_total{node="a",kind="Pri\\"ces\\\\x",status="succeeded"} 2`)
    assert.include(text, `metatables_node_rows_written_total{node="a",kind="Pri\\"ces\\\\x"} 15`)
    assert.include(text, `metatables_node_lag_seconds{node="a",kind="Pri\\"ces\\\\x"} 30`)
    assert.include(text, `metatables_node_cadence_seconds{node="a",kind="Pri\\"ces\\\\x"} 60`)
    assert.include(text, `metatables_node_overdue{node="a",kind="Pri\\"ces\\\\x"} 0`)
    assert.isTrue(text.endsWith("\n"))
  })
})
