/**
 * The dashboard's two graphs, the DataNode dependency graph and the revision graph, as layout input (boxes and
 * edges) and their layout by dagre (layered, edges from dependency to dependant, top to bottom). Pure: the
 * components only draw what `layoutGraph` returns.
 */
import { type EdgeLabel, graphlib, layout } from "@dagrejs/dagre"

export interface GraphBox {
  readonly id: string
  /** The lines of text in the box; the box is sized to fit them. */
  readonly lines: ReadonlyArray<string>
}

export interface GraphEdge {
  readonly from: string
  readonly to: string
  /** `dependsOn` between revision branches is drawn dashed; parent links and node dependencies solid. */
  readonly dashed?: boolean
}

export interface GraphInput {
  readonly boxes: ReadonlyArray<GraphBox>
  readonly edges: ReadonlyArray<GraphEdge>
}

export interface PlacedBox extends GraphBox {
  /** Top-left corner and size, in SVG user units. */
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

export interface PlacedEdge extends GraphEdge {
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>
}

export interface GraphLayout {
  readonly width: number
  readonly height: number
  readonly boxes: ReadonlyArray<PlacedBox>
  readonly edges: ReadonlyArray<PlacedEdge>
}

/** Approximate text metrics for the SVG's font (13px system sans-serif): wide enough never to clip. */
export const CHAR_WIDTH = 7.6
export const LINE_HEIGHT = 17
const PADDING_X = 14
const PADDING_Y = 10
const MIN_WIDTH = 120

export const boxSize = (lines: ReadonlyArray<string>): { width: number; height: number } => ({
  width: Math.max(MIN_WIDTH, Math.ceil(Math.max(0, ...lines.map((line) => line.length)) * CHAR_WIDTH) + 2 * PADDING_X),
  height: Math.max(1, lines.length) * LINE_HEIGHT + 2 * PADDING_Y
})

/**
 * Lays the graph out top to bottom. Edges naming a box that is not in the input are dropped (a dependency the
 * server did not list cannot be placed); the input order breaks ties, so the same input gives the same picture.
 */
export const layoutGraph = (input: GraphInput): GraphLayout => {
  const graph = new graphlib.Graph({ multigraph: false })
  graph.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 48, marginx: 8, marginy: 8 })
  graph.setDefaultEdgeLabel(() => ({}))
  const ids = new Set(input.boxes.map((box) => box.id))
  for (const box of input.boxes) graph.setNode(box.id, { ...boxSize(box.lines) })
  const edges = input.edges.filter((edge) => ids.has(edge.from) && ids.has(edge.to) && edge.from !== edge.to)
  for (const edge of edges) graph.setEdge(edge.from, edge.to)
  layout(graph)
  const boxes = input.boxes.map((box): PlacedBox => {
    const placed = graph.node(box.id)
    const width = placed.width
    const height = placed.height
    return { ...box, x: (placed.x ?? 0) - width / 2, y: (placed.y ?? 0) - height / 2, width, height }
  })
  const placedEdges = edges.map((edge): PlacedEdge => ({
    ...edge,
    points: ((graph.edge(edge.from, edge.to) as EdgeLabel | undefined)?.points ?? []).map((point: { x: number; y: number }) => ({ x: point.x, y: point.y }))
  }))
  const label = graph.graph()
  const width = Math.max(label.width ?? 0, ...boxes.map((box) => box.x + box.width + 8))
  const height = Math.max(label.height ?? 0, ...boxes.map((box) => box.y + box.height + 8))
  return { width, height, boxes, edges: placedEdges }
}

/** An SVG path through the edge's points (straight segments; dagre already routes around boxes). */
export const edgePath = (points: ReadonlyArray<{ readonly x: number; readonly y: number }>): string =>
  points.map((point, index) => `${index === 0 ? "M" : "L"}${point.x.toFixed(1)},${point.y.toFixed(1)}`).join(" ")

/** What the DataNode graph needs of a node. */
export interface GraphNode {
  readonly updateHash: string
  readonly kind: string
  readonly table: string
  readonly dependsOn: ReadonlyArray<string>
  readonly stateLabel: string
}

/** The DataNode graph: a box per node (kind, output table, state in words), an edge from each dependency. */
export const nodeGraphInput = (nodes: ReadonlyArray<GraphNode>): GraphInput => ({
  boxes: nodes.map((node) => ({ id: node.updateHash, lines: [node.kind, node.table, node.stateLabel] })),
  edges: nodes.flatMap((node) => node.dependsOn.map((dependency) => ({ from: dependency, to: node.updateHash })))
})

/** What the revision graph needs of a revision. */
export interface GraphRevision {
  readonly revision: string
  readonly parents: ReadonlyArray<string>
  readonly dependsOn: ReadonlyArray<string>
  readonly message: string
  readonly branchLabels: ReadonlyArray<string>
  readonly applied: boolean
  /** Whether it makes destructive changes (drawn as `⚠ destructive` in its box). */
  readonly destructive?: boolean | undefined
}

const clip = (text: string, length: number): string => text.length <= length ? text : `${text.slice(0, length - 1)}…`

/**
 * The revision graph: a box per revision (id, message, labels, applied or pending in words), an edge from each
 * parent (two or more into a merge, one parent into two children at a branch), dashed from each dependency.
 */
export const revisionGraphInput = (revisions: ReadonlyArray<GraphRevision>): GraphInput => ({
  boxes: revisions.map((revision) => ({
    id: revision.revision,
    lines: [
      `${revision.revision}${revision.branchLabels.length === 0 ? "" : ` (${revision.branchLabels.join(", ")})`}`,
      clip(revision.message === "" ? "(no message)" : revision.message, 34),
      `${revision.applied ? "✓ applied" : "○ pending"}${revision.parents.length > 1 ? ", merge" : ""}${
        revision.destructive === true ? ", ⚠ destructive" : ""
      }`
    ]
  })),
  edges: revisions.flatMap((revision) => [
    ...revision.parents.map((parent) => ({ from: parent, to: revision.revision })),
    ...revision.dependsOn.map((dependency) => ({ from: dependency, to: revision.revision, dashed: true }))
  ])
})
