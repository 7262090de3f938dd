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

describe("assessHealth on the cluster's backlog", () => {
  const options = { overdueAfter: 3, failedRuns: 3, stalledAfterMs: 120_000 }
  const progress = new Map([["a", { lastStartedAt: at(100), lastSuccessStartedAt: at(100), latestRuns: [{ status: "succeeded" as const }] }]])
  const cluster = (sentAt: Date | undefined, registeredAt: Date | "never" = at(1)) => ({
    runnerId: "r1",
    waiting: new Map(sentAt === undefined ? [] : [["a", { updateHash: "a", shardId: "default:17", oldestSentAt: sentAt, waiting: 2 }]]),
    registeredAt: registeredAt === "never" ? undefined : registeredAt,
    shards: 300
  })

  it("lists a node whose oldest run message waited past stalledAfter with no run of it started since", () => {
    const report = assessHealth([served("a")], progress, at(250), at(0), options, cluster(at(120)))
    assert.isFalse(report.ok)
    assert.deepStrictEqual(report.problems, [
      "Prices (a): a run message has waited 130 s unconsumed in shard default:17 (2 waiting) and no run of it started " +
      "since: the runner holding that shard is not consuming its messages"
    ])
    assert.isTrue(report.nodes[0]?.stalled)
    assert.strictEqual(report.nodes[0]?.messagesWaiting, 2)
    assert.strictEqual(report.nodes[0]?.waitingSince, at(120).toISOString())
    assert.isFalse(report.nodes[0]?.overdue, "long before it falls three cadences behind")
  })

  it("does not count a message waiting less than stalledAfter, or one whose run started after it was sent", () => {
    assert.isTrue(assessHealth([served("a")], progress, at(239), at(0), options, cluster(at(120))).ok)
    // A long run: its message waits (unprocessed) for as long as the run lasts; the node falls overdue instead.
    const long = assessHealth([served("a")], progress, at(5000), at(0), options, cluster(at(99)))
    assert.isFalse(long.nodes[0]?.stalled)
    assert.isTrue(long.nodes[0]?.overdue)
    assert.isFalse(assessHealth([served("a")], progress, at(5000), at(0), options, cluster(at(100))).nodes[0]?.stalled)
    assert.isTrue(assessHealth([served("a")], progress, at(250), at(0), options, cluster(undefined)).ok)
    // Left from before this runner started (at 200): it waits from the start, not from when it was sent.
    assert.isFalse(assessHealth([served("a")], progress, at(250), at(200), options, cluster(at(150))).nodes[0]?.stalled)
    assert.isTrue(assessHealth([served("a")], progress, at(321), at(200), options, cluster(at(150))).nodes[0]?.stalled)
  })

  it("lists this runner when its node entity has not registered within stalledAfter of its start", () => {
    const early = assessHealth([served("a")], progress, at(120), at(0), options, cluster(undefined, "never"))
    assert.isTrue(early.ok, "registering may take a while")
    assert.isFalse(early.runner.registered)
    const late = assessHealth([served("a")], progress, at(121), at(0), options, cluster(undefined, "never"))
    assert.deepStrictEqual(late.problems, [
      "runner r1: its node entity is not registered 121 s after it started (its shard loop is stalled): the " +
      "messages of the shards it holds are not consumed"
    ])
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
    assert.include(text, `metatables_node_messages_waiting{node="a",kind="Pri\\"ces\\\\x"} 0`)
    assert.include(text, `metatables_node_stalled{node="a",kind="Pri\\"ces\\\\x"} 0`)
    assert.include(text, `metatables_runner_registered{runner=""} 1`)
    assert.isTrue(text.endsWith("\n"))
  })
})
