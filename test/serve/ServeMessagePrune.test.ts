/**
 * The prune options' checks, in memory: what `serve` (library `messagePrune`, CLI `--message-retention`,
 * `--prune-every`, `--prune-batch`) accepts and what it refuses, each problem naming the option and the value.
 */
import { assert, describe, it } from "@effect/vitest"
import { maxPruneBatchSize, messagePruneProblems } from "../../src/serve/ServeMessagePrune.ts"

describe("messagePruneProblems", () => {
  it("accepts the defaults and values at the limits", () => {
    assert.deepStrictEqual(messagePruneProblems({}), [])
    assert.deepStrictEqual(messagePruneProblems({ retention: "1 minute", interval: "1 second", batchSize: 1 }), [])
    assert.deepStrictEqual(messagePruneProblems({ batchSize: maxPruneBatchSize }), [])
  })

  it("refuses a short retention or interval and a batch size that is not a whole number from 1 to the most", () => {
    assert.deepStrictEqual(messagePruneProblems({ retention: "30 seconds", interval: "500 millis" }), [
      "message retention must be at least 1 minute, not 30s",
      "message prune interval must be at least 1 second, not 500ms"
    ])
    for (const batchSize of [0, 2.5, -1, maxPruneBatchSize + 1]) {
      assert.deepStrictEqual(messagePruneProblems({ batchSize }), [
        `message prune batch size must be a whole number from 1 to 1,000,000, not ${batchSize}`
      ])
    }
  })
})
