/**
 * The sentence that ends `nodes run`'s report, for one node and for several: up to date, failed, and a run
 * where some failed, some were skipped and some are up to date.
 */
import { assert, describe, it } from "@effect/vitest"
import { runVerdict } from "../../src/cli/commands/RunVerdict.ts"
import type { NodeOutcome, NodeStatus } from "../../src/engine/RunReport.ts"

const outcome = (status: NodeStatus): NodeOutcome => ({
  kind: "Prices",
  updateHash: "prices_0123456789abcdef",
  table: "sdk_examples.prices",
  status,
  mode: "run",
  rowsOutsideRange: 0,
  runUid: null,
  attempts: 1,
  batches: 0,
  rowsInserted: 0,
  rowsUpdated: 0,
  rowsUnchanged: 0,
  durationMs: 10,
  error: null,
  skippedBecause: [],
  dependsOn: []
})

const report = (...statuses: ReadonlyArray<NodeStatus>) => ({
  ok: statuses.every((status) => status === "succeeded" || status === "fresh"),
  nodes: statuses.map(outcome),
  durationMs: 530
})

const FIX = "Fix what the FAILED line says and run again: the batches committed stay, and the next run continues from " +
  "the watermarks (`metatables nodes status NODE` shows a node's runs and errors)."

describe("runVerdict", () => {
  it("says one node is up to date, and all of several", () => {
    assert.strictEqual(runVerdict(report("succeeded")), "The node is up to date (0.53s).")
    assert.strictEqual(runVerdict(report("fresh")), "The node is up to date (0.53s).")
    assert.strictEqual(runVerdict(report("succeeded", "fresh", "succeeded", "succeeded")), "All 4 nodes are up to date (0.53s).")
    assert.strictEqual(runVerdict(report()), "There were no nodes to run (0.53s).")
  })

  it("says one node failed, or all of several", () => {
    assert.strictEqual(runVerdict(report("failed")), `The node failed (0.53s). ${FIX}`)
    assert.strictEqual(runVerdict(report("failed", "failed", "failed")), `All 3 nodes failed (0.53s). ${FIX}`)
  })

  it("counts the failed, skipped and up-to-date nodes of a partial run, each with its own verb", () => {
    assert.strictEqual(runVerdict(report("succeeded", "failed")), `1 of 2 nodes failed and 1 is up to date (0.53s). ${FIX}`)
    assert.strictEqual(runVerdict(report("failed", "skipped")), `1 of 2 nodes failed and 1 was skipped (0.53s). ${FIX}`)
    assert.strictEqual(
      runVerdict(report("succeeded", "failed", "skipped", "skipped")),
      `1 of 4 nodes failed, 2 were skipped and 1 is up to date (0.53s). ${FIX}`
    )
    assert.strictEqual(
      runVerdict(report("succeeded", "fresh", "failed", "failed", "skipped")),
      `2 of 5 nodes failed, 1 was skipped and 2 are up to date (0.53s). ${FIX}`
    )
  })
})
