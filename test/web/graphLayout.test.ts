/** The dashboard's graph layouts: dependencies above dependants, boxes that never overlap, merges and branches. */
import { assert, describe, it } from "@effect/vitest"
import {
  boxSize,
  edgePath,
  type GraphLayout,
  layoutGraph,
  nodeGraphInput,
  revisionGraphInput
} from "../../web/src/lib/graphLayout.ts"

const box = (layout: GraphLayout, id: string) => {
  const found = layout.boxes.find((one) => one.id === id)
  assert.isDefined(found, id)
  return found!
}

const overlaps = (layout: GraphLayout): Array<string> => {
  const found: Array<string> = []
  for (const a of layout.boxes) for (const b of layout.boxes) {
    if (a.id < b.id && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) {
      found.push(`${a.id}/${b.id}`)
    }
  }
  return found
}

const example = [
  { updateHash: "prices_1", kind: "SyntheticPrices", table: "prices", dependsOn: [], stateLabel: "✓ fresh" },
  { updateHash: "returns_1", kind: "DailyReturns", table: "asset_returns", dependsOn: ["prices_1"], stateLabel: "◷ due" },
  { updateHash: "vol_1", kind: "RollingVolatility", table: "asset_volatility", dependsOn: ["returns_1"], stateLabel: "✕ failed" },
  { updateHash: "positions_1", kind: "PortfolioPositions", table: "positions", dependsOn: ["prices_1", "gone_9"], stateLabel: "▶ running" }
]

describe("node graph", () => {
  it("puts each dependency above its dependants, boxes apart, inside the drawing", () => {
    const layout = layoutGraph(nodeGraphInput(example))
    assert.isBelow(box(layout, "prices_1").y + box(layout, "prices_1").height, box(layout, "returns_1").y)
    assert.isBelow(box(layout, "returns_1").y + box(layout, "returns_1").height, box(layout, "vol_1").y)
    assert.isBelow(box(layout, "prices_1").y, box(layout, "positions_1").y)
    assert.deepStrictEqual(overlaps(layout), [])
    for (const placed of layout.boxes) {
      assert.isAtLeast(placed.x, 0)
      assert.isAtLeast(placed.y, 0)
      assert.isAtMost(placed.x + placed.width, layout.width)
      assert.isAtMost(placed.y + placed.height, layout.height)
    }
  })

  it("draws an edge per known dependency, from dependency to dependant, and drops unknown ones", () => {
    const layout = layoutGraph(nodeGraphInput(example))
    assert.deepStrictEqual(
      layout.edges.map((edge) => `${edge.from}->${edge.to}`).sort(),
      ["prices_1->positions_1", "prices_1->returns_1", "returns_1->vol_1"]
    )
    for (const edge of layout.edges) {
      assert.isAtLeast(edge.points.length, 2)
      const from = box(layout, edge.from)
      const to = box(layout, edge.to)
      assert.isAtMost(edge.points[0]!.y, from.y + from.height + 1)
      assert.isAtLeast(edge.points.at(-1)!.y, to.y - 1)
    }
  })

  it("says each node's kind, table and state in its box, sized to fit the longest line", () => {
    const input = nodeGraphInput(example)
    assert.deepStrictEqual(input.boxes[2]!.lines, ["RollingVolatility", "asset_volatility", "✕ failed"])
    const size = boxSize(["a much longer line than the others", "x"])
    assert.isAbove(size.width, boxSize(["short"]).width)
    assert.isAbove(boxSize(["a", "b", "c"]).height, boxSize(["a"]).height)
  })

  it("lays out an empty graph and a lone node", () => {
    assert.deepStrictEqual(layoutGraph({ boxes: [], edges: [] }).boxes, [])
    const lone = layoutGraph({ boxes: [{ id: "a", lines: ["a"] }], edges: [{ from: "a", to: "a" }] })
    assert.strictEqual(lone.boxes.length, 1)
    assert.strictEqual(lone.edges.length, 0)
  })

  it("writes edge paths as SVG moves and lines", () => {
    assert.strictEqual(edgePath([{ x: 1, y: 2 }, { x: 3.25, y: 4 }]), "M1.0,2.0 L3.3,4.0")
  })
})

describe("revision graph", () => {
  // base <- a <- (b1, b2) ; merge <- b1, b2 ; other depends on a (dashed)
  const revisions = [
    { revision: "base", parents: [], dependsOn: [], message: "create tables", branchLabels: [], applied: true },
    { revision: "a", parents: ["base"], dependsOn: [], message: "add accounts", branchLabels: [], applied: true },
    { revision: "b1", parents: ["a"], dependsOn: [], message: "branch one", branchLabels: ["one"], applied: true },
    { revision: "b2", parents: ["a"], dependsOn: [], message: "", branchLabels: [], applied: false },
    { revision: "merge", parents: ["b1", "b2"], dependsOn: [], message: "merge", branchLabels: [], applied: false, destructive: true },
    { revision: "other", parents: [], dependsOn: ["a"], message: "x".repeat(60), branchLabels: [], applied: false }
  ]

  it("draws branches side by side and the merge below both parents", () => {
    const layout = layoutGraph(revisionGraphInput(revisions))
    const b1 = box(layout, "b1")
    const b2 = box(layout, "b2")
    assert.strictEqual(b1.y, b2.y)
    assert.notStrictEqual(b1.x, b2.x)
    assert.isAbove(box(layout, "merge").y, b1.y + b1.height)
    assert.deepStrictEqual(overlaps(layout), [])
    const edges = layout.edges.map((edge) => `${edge.from}->${edge.to}${edge.dashed === true ? " dashed" : ""}`).sort()
    assert.deepStrictEqual(edges, ["a->b1", "a->b2", "a->other dashed", "b1->merge", "b2->merge", "base->a"])
  })

  it("says applied or pending, merges and labels in words, and clips long messages", () => {
    const input = revisionGraphInput(revisions)
    assert.deepStrictEqual(input.boxes.find((one) => one.id === "b1")!.lines, ["b1 (one)", "branch one", "✓ applied"])
    assert.deepStrictEqual(input.boxes.find((one) => one.id === "b2")!.lines, ["b2", "(no message)", "○ pending"])
    assert.strictEqual(input.boxes.find((one) => one.id === "merge")!.lines[2], "○ pending, merge, ⚠ destructive")
    const clipped = input.boxes.find((one) => one.id === "other")!.lines[1]!
    assert.strictEqual(clipped.length, 34)
    assert.isTrue(clipped.endsWith("…"))
  })
})
