/** Small pieces every page uses: the state badge, loading and error notes, a facts list. */
import type { ComponentChildren } from "preact"
import { type NodeState, stateStyle } from "../lib/nodeState.ts"

/** A node's state in words with its symbol, coloured as in the graph. */
export const StateBadge = ({ state }: { state: NodeState }) => {
  const style = stateStyle(state)
  return (
    <span
      class={`badge state-${state}`}
      style={{ background: style.fill, color: style.text, borderColor: style.stroke }}
      title={style.meaning}
    >
      <span aria-hidden="true">{style.symbol}</span> {style.label}
    </span>
  )
}

export const Loading = ({ what }: { what: string }) => <p class="note" role="status">Loading {what}…</p>

export const Failure = ({ error, stale }: { error: Error; stale?: boolean }) => (
  <p class="failure" role="alert">
    {stale === true ? "Could not refresh (showing the last answer): " : ""}
    {error.message}
  </p>
)

export const Facts = ({ items }: { items: ReadonlyArray<readonly [string, ComponentChildren]> }) => (
  <dl class="facts">
    {items.map(([term, value]) => (
      <div key={term}>
        <dt>{term}</dt>
        <dd>{value}</dd>
      </div>
    ))}
  </dl>
)

export const Updated = ({ at }: { at: Date | undefined }) =>
  at === undefined ? null : <p class="note updated">Updated {at.toISOString().slice(11, 19)} UTC, refreshes every few seconds.</p>
