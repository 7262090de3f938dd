/** Node states: derived from runs and cadence, and drawn so they read without colour and with enough contrast. */
import { assert, describe, it } from "@effect/vitest"
import { contrastRatio, countStates, deriveNodeState, NODE_STATES, stateStyle } from "../../web/src/lib/nodeState.ts"

const now = new Date("2026-12-02T12:00:00Z")
const hour = 3_600_000
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString()

describe("deriveNodeState", () => {
  it("running and failed come from the last run, whatever the cadence", () => {
    assert.strictEqual(deriveNodeState({ lastRunStatus: "running", lastSuccessAt: ago(1), cadenceMs: hour }, now), "running")
    assert.strictEqual(deriveNodeState({ lastRunStatus: "failed", lastSuccessAt: ago(1), cadenceMs: hour }, now), "failed")
    assert.strictEqual(deriveNodeState({ lastRunStatus: "interrupted", lastSuccessAt: ago(1) }, now), "failed")
  })

  it("never succeeded is due", () => {
    assert.strictEqual(deriveNodeState({}, now), "due")
    assert.strictEqual(deriveNodeState({ lastRunStatus: null, lastSuccessAt: null, cadenceMs: hour }, now), "due")
  })

  it("fresh within a cadence, due after one, overdue after the threshold", () => {
    const base = { lastRunStatus: "succeeded", cadenceMs: hour }
    assert.strictEqual(deriveNodeState({ ...base, lastSuccessAt: ago(hour - 1) }, now), "fresh")
    assert.strictEqual(deriveNodeState({ ...base, lastSuccessAt: ago(hour) }, now), "due")
    assert.strictEqual(deriveNodeState({ ...base, lastSuccessAt: ago(2 * hour) }, now), "due")
    assert.strictEqual(deriveNodeState({ ...base, lastSuccessAt: ago(2 * hour + 1) }, now), "overdue")
    assert.strictEqual(deriveNodeState({ ...base, lastSuccessAt: ago(3 * hour), overdueAfter: 4 }, now), "due")
  })

  it("without a cadence a node that succeeded is fresh", () => {
    assert.strictEqual(deriveNodeState({ lastRunStatus: "succeeded", lastSuccessAt: ago(1000 * hour) }, now), "fresh")
  })
})

describe("state styles", () => {
  it("each state has its own word and symbol (readable without colour)", () => {
    const labels = NODE_STATES.map((state) => stateStyle(state).label)
    const symbols = NODE_STATES.map((state) => stateStyle(state).symbol)
    assert.deepStrictEqual(labels, ["fresh", "due", "running", "failed", "overdue"])
    assert.strictEqual(new Set(symbols).size, NODE_STATES.length)
    assert.strictEqual(new Set(NODE_STATES.map((state) => stateStyle(state).fill)).size, NODE_STATES.length)
  })

  it("text on its fill meets WCAG AA (4.5:1), the border stands out from white (3:1)", () => {
    for (const state of NODE_STATES) {
      const style = stateStyle(state)
      assert.isAtLeast(contrastRatio(style.text, style.fill), 4.5, `${state} text`)
      assert.isAtLeast(contrastRatio(style.stroke, "#ffffff"), 3, `${state} border`)
    }
  })

  it("the contrast ratio is WCAG's", () => {
    assert.strictEqual(contrastRatio("#000000", "#ffffff"), 21)
    assert.strictEqual(contrastRatio("#777777", "#777777"), 1)
    assert.closeTo(contrastRatio("#767676", "#ffffff"), 4.54, 0.01)
    assert.throws(() => contrastRatio("red", "#ffffff"), /not a #rrggbb colour/)
  })

  it("counts states in a fixed order", () => {
    assert.deepStrictEqual(countStates(["failed", "fresh", "fresh"]), [
      { state: "fresh", count: 2 },
      { state: "due", count: 0 },
      { state: "running", count: 0 },
      { state: "failed", count: 1 },
      { state: "overdue", count: 0 }
    ])
  })
})
