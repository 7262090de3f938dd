/**
 * The DataNode graph, laid out automatically, each node coloured by its state and saying it in words; a
 * legend, counts per state, and the same nodes as a table for reading or a screen reader.
 */
import { useMemo } from "preact/hooks"
import { listNodes } from "../api/client.ts"
import { Failure, Loading, StateBadge, Updated } from "../components/Common.tsx"
import { GraphView } from "../components/GraphView.tsx"
import { usePoll } from "../components/usePoll.ts"
import { formatInstant, formatRelative, shortHash } from "../lib/format.ts"
import { layoutGraph, nodeGraphInput } from "../lib/graphLayout.ts"
import { countStates, NODE_STATES, stateStyle } from "../lib/nodeState.ts"
import { routeHash } from "../lib/route.ts"

export const Legend = () => (
  <ul class="legend" aria-label="Node states">
    {NODE_STATES.map((state) => (
      <li key={state}>
        <StateBadge state={state} /> {stateStyle(state).meaning}
      </li>
    ))}
  </ul>
)

export const NodesPage = () => {
  const nodes = usePoll(listNodes, [], 3_000)
  const list = nodes.data ?? []
  const layout = useMemo(
    () =>
      layoutGraph(nodeGraphInput(list.map((node) => ({
        ...node,
        stateLabel: `${stateStyle(node.state).symbol} ${stateStyle(node.state).label}`
      })))),
    [nodes.data]
  )
  const now = new Date()
  return (
    <section aria-labelledby="nodes-title">
      <h1 id="nodes-title">DataNodes</h1>
      {nodes.error !== undefined && <Failure error={nodes.error} stale={nodes.data !== undefined} />}
      {nodes.data === undefined ? nodes.error === undefined && <Loading what="the graph" /> : list.length === 0
        ? <p>No DataNode is served or has run yet.</p>
        : (
          <>
            <p class="summary" aria-live="polite">
              {countStates(list.map((node) => node.state)).filter((entry) => entry.count > 0)
                .map((entry) => `${entry.count} ${entry.state}`).join(", ")}
            </p>
            <Legend />
            <GraphView
              layout={layout}
              title="DataNode dependency graph"
              look={(id) => {
                const node = list.find((one) => one.updateHash === id)
                const style = stateStyle(node?.state ?? "due")
                return {
                  href: routeHash({ page: "node", updateHash: id }),
                  label: `${node?.kind ?? id} writing ${node?.table ?? "?"}: ${style.label}`,
                  fill: style.fill,
                  stroke: style.stroke,
                  text: style.text,
                  dashed: style.dashed
                }
              }}
            />
            <div class="table-scroll">
              <table class="nodes-table">
                <caption>Nodes</caption>
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Table</th>
                    <th scope="col">State</th>
                    <th scope="col">Last run</th>
                    <th scope="col">Next due</th>
                    <th scope="col">Depends on</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((node) => (
                    <tr key={node.updateHash} data-hash={node.updateHash}>
                      <th scope="row">
                        <a href={routeHash({ page: "node", updateHash: node.updateHash })} title={node.updateHash}>
                          {node.kind}
                        </a>{" "}
                        <code class="hash">{shortHash(node.updateHash)}</code>
                      </th>
                      <td>{node.table}</td>
                      <td><StateBadge state={node.state} /></td>
                      <td title={formatInstant(node.lastRun?.startedAt)}>
                        {node.lastRun === null ? "never" : `${node.lastRun.status}, ${formatRelative(node.lastRun.startedAt, now)}`}
                      </td>
                      <td title={formatInstant(node.nextDueAt)}>{node.nextDueAt === null ? "-" : formatRelative(node.nextDueAt, now)}</td>
                      <td>{node.dependsOn.length === 0 ? "-" : node.dependsOn.map((hash) => list.find((one) => one.updateHash === hash)?.kind ?? shortHash(hash)).join(", ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      <Updated at={nodes.updatedAt} />
    </section>
  )
}
