/**
 * A DataNode's state as the dashboard shows it (fresh, due, running, failed, overdue) and how each is drawn:
 * a fill, a border, a text colour, a symbol and a word, so that the state reads without colour (the word and
 * the symbol) and each colour pair keeps WCAG AA contrast. Pure.
 */

export const NODE_STATES = ["fresh", "due", "running", "failed", "overdue"] as const
export type NodeState = (typeof NODE_STATES)[number]

export interface StateStyle {
  readonly state: NodeState
  /** The word shown beside the node, in the legend and in lists. */
  readonly label: string
  /** A one-character symbol drawn with the word (not only colour tells the states apart). */
  readonly symbol: string
  readonly fill: string
  readonly stroke: string
  readonly text: string
  /** Whether the border is dashed: a second non-colour cue for the states that want attention. */
  readonly dashed: boolean
  /** What the state means, for the legend and for titles. */
  readonly meaning: string
}

const STYLES: Readonly<Record<NodeState, StateStyle>> = {
  fresh: {
    state: "fresh",
    label: "fresh",
    symbol: "✓",
    fill: "#dcfce7",
    stroke: "#15803d",
    text: "#14532d",
    dashed: false,
    meaning: "ran successfully within its cadence"
  },
  due: {
    state: "due",
    label: "due",
    symbol: "◷",
    fill: "#e0f2fe",
    stroke: "#0369a1",
    text: "#0c4a6e",
    dashed: false,
    meaning: "its next run is due (or it never ran)"
  },
  running: {
    state: "running",
    label: "running",
    symbol: "▶",
    fill: "#ede9fe",
    stroke: "#6d28d9",
    text: "#3b0764",
    dashed: false,
    meaning: "a run is in progress"
  },
  failed: {
    state: "failed",
    label: "failed",
    symbol: "✕",
    fill: "#fee2e2",
    stroke: "#b91c1c",
    text: "#7f1d1d",
    dashed: true,
    meaning: "its last run failed"
  },
  overdue: {
    state: "overdue",
    label: "overdue",
    symbol: "!",
    fill: "#fef3c7",
    stroke: "#b45309",
    text: "#78350f",
    dashed: true,
    meaning: "its data is older than its cadence allows"
  }
}

export const isNodeState = (value: unknown): value is NodeState =>
  typeof value === "string" && (NODE_STATES as ReadonlyArray<string>).includes(value)

export const stateStyle = (state: NodeState): StateStyle => STYLES[state]

/** What a node's state is derived from when the server does not say. */
export interface StateEvidence {
  /** The last run's status (`running`, `succeeded`, `failed`, `interrupted`), none when it never ran. */
  readonly lastRunStatus?: string | null | undefined
  /** When the last successful run started (ISO), none when it never succeeded. */
  readonly lastSuccessAt?: string | null | undefined
  /** The node's cadence in milliseconds, when it has one. */
  readonly cadenceMs?: number | null | undefined
  /** How many cadences behind is overdue (the server's health threshold; default 2). */
  readonly overdueAfter?: number | undefined
}

/**
 * The state from a node's last run and cadence: running or failed from the last run; otherwise overdue when
 * its last success is older than `overdueAfter` cadences, due when older than one cadence (or never), else
 * fresh. A node without a cadence is fresh once it has succeeded.
 */
export const deriveNodeState = (evidence: StateEvidence, now: Date): NodeState => {
  if (evidence.lastRunStatus === "running") return "running"
  if (evidence.lastRunStatus === "failed" || evidence.lastRunStatus === "interrupted") return "failed"
  const success = evidence.lastSuccessAt === null || evidence.lastSuccessAt === undefined
    ? undefined
    : new Date(evidence.lastSuccessAt).getTime()
  if (success === undefined || Number.isNaN(success)) return "due"
  const cadence = evidence.cadenceMs
  if (cadence === null || cadence === undefined || !(cadence > 0)) return "fresh"
  const age = now.getTime() - success
  if (age > cadence * (evidence.overdueAfter ?? 2)) return "overdue"
  if (age >= cadence) return "due"
  return "fresh"
}

/** Counts per state, in the order of `NODE_STATES`, for the summary line above the graph. */
export const countStates = (states: ReadonlyArray<NodeState>): ReadonlyArray<{ state: NodeState; count: number }> =>
  NODE_STATES.map((state) => ({ state, count: states.filter((one) => one === state).length }))

const channel = (hex: string, offset: number): number => {
  const value = parseInt(hex.slice(offset, offset + 2), 16) / 255
  return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
}

/** The relative luminance of a `#rrggbb` colour (WCAG 2). */
export const luminance = (hex: string): number => {
  if (!/^#[0-9a-fA-F]{6}$/.test(hex)) throw new RangeError(`not a #rrggbb colour: ${hex}`)
  return 0.2126 * channel(hex, 1) + 0.7152 * channel(hex, 3) + 0.0722 * channel(hex, 5)
}

/** The WCAG 2 contrast ratio of two colours, from 1 to 21. */
export const contrastRatio = (a: string, b: string): number => {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (light + 0.05) / (dark + 0.05)
}
