/**
 * One DataNode: its state, update hash and configuration, watermarks per entity, its run history as a chart
 * (duration and rows per run) and a table (status, error, times), and the run/backfill form. Polls while open.
 */
import { useMemo, useState } from "preact/hooks"
import { getNode, getRuns } from "../api/client.ts"
import type { RunView } from "../api/types.ts"
import { Facts, Failure, Loading, StateBadge, Updated } from "../components/Common.tsx"
import { TimeChart } from "../components/TimeChart.tsx"
import { usePoll } from "../components/usePoll.ts"
import { entityLabel, runHistorySeries } from "../lib/chartData.ts"
import { formatCount, formatDuration, formatInstant, formatRelative, formatTimeIndex } from "../lib/format.ts"
import { routeHash } from "../lib/route.ts"
import { RunForm } from "./RunForm.tsx"

const HISTORY_SERIES = [{ label: "duration (s)", scale: "y" as const }, { label: "rows written", scale: "y2" as const, bars: true }]

const runDuration = (run: RunView): number | null =>
  run.finishedAt === null ? null : new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime()

const Runs = ({ runs, more, onMore }: { runs: ReadonlyArray<RunView>; more: boolean; onMore: () => void }) => (
  <div class="table-scroll">
    <table class="runs-table">
      <caption>Runs, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">New</th>
          <th scope="col">Changed</th>
          <th scope="col">Unchanged</th>
          <th scope="col">Attempts</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.uid} class={`run-${run.status}`}>
            <td>{formatInstant(run.startedAt)}</td>
            <td>{run.status}</td>
            <td>{formatDuration(runDuration(run))}</td>
            <td>{formatCount(run.rowsInserted)}</td>
            <td>{formatCount(run.rowsUpdated)}</td>
            <td>{formatCount(run.rowsUnchanged)}</td>
            <td>{run.attempts}</td>
            <td class="error-text">{run.error ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
    {more && <button type="button" onClick={onMore}>Older runs</button>}
  </div>
)

export const NodePage = ({ updateHash }: { updateHash: string }) => {
  const node = usePoll(() => getNode(updateHash), [updateHash], 3_000)
  const [pages, setPages] = useState(1)
  const runs = usePoll(() => getRuns(updateHash, undefined, 50 * pages), [updateHash, pages], 3_000)
  const history = useMemo(
    () => runHistorySeries((runs.data?.runs ?? []).map((run) => ({ ...run, rowsWritten: run.rowsInserted + run.rowsUpdated }))),
    [runs.data]
  )
  const detail = node.data
  const refresh = () => {
    node.refresh()
    runs.refresh()
  }
  return (
    <section aria-labelledby="node-title">
      <p class="crumbs"><a href={routeHash({ page: "nodes" })}>DataNodes</a> /</p>
      <h1 id="node-title">
        {detail?.kind ?? "DataNode"} {detail !== undefined && <StateBadge state={detail.state} />}
      </h1>
      {node.error !== undefined && <Failure error={node.error} stale={detail !== undefined} />}
      {detail === undefined ? node.error === undefined && <Loading what="the node" /> : (
        <>
          <Facts
            items={[
              ["Update hash", <code class="hash">{detail.updateHash}</code>],
              ["Hash namespace", detail.hashNamespace ?? "-"],
              ["Writes", detail.table],
              ["Cadence", detail.cadence ?? "-"],
              ["Last run", detail.lastRun === null ? "never" : `${detail.lastRun.status}, ${formatInstant(detail.lastRun.startedAt)}`],
              ["Last success", formatInstant(detail.lastSuccessAt)],
              ["Next due", detail.nextDueAt === null ? "-" : `${formatInstant(detail.nextDueAt)} (${formatRelative(detail.nextDueAt, new Date())})`],
              [
                "Depends on",
                detail.dependsOn.length === 0 ? "-" : (
                  <span>{detail.dependsOn.map((hash) => <a key={hash} href={routeHash({ page: "node", updateHash: hash })}><code>{hash}</code> </a>)}</span>
                )
              ]
            ]}
          />
          <RunForm updateHash={updateHash} onRequested={refresh} />
          <h2>Run history</h2>
          {runs.error !== undefined && <Failure error={runs.error} stale={runs.data !== undefined} />}
          {runs.data === undefined ? runs.error === undefined && <Loading what="runs" /> : runs.data.runs.length === 0
            ? <p class="note">No runs yet.</p>
            : (
              <>
                <TimeChart
                  title="Runs: duration and rows written"
                  data={history.data}
                  series={HISTORY_SERIES}
                  points={history.points}
                  yLabel="seconds"
                  y2Label="rows"
                  height={240}
                />
                <Runs runs={runs.data.runs} more={runs.data.next !== null} onMore={() => setPages(pages + 1)} />
              </>
            )}
          <h2>Watermarks per entity</h2>
          {detail.watermarks.length === 0 ? <p class="note">None yet.</p> : (
            <div class="table-scroll">
              <table>
                <caption class="visually-hidden">Watermarks</caption>
                <thead>
                  <tr><th scope="col">Entity</th><th scope="col">First</th><th scope="col">Last</th></tr>
                </thead>
                <tbody>
                  {detail.watermarks.map((mark) => (
                    <tr key={mark.entity}>
                      <th scope="row">{entityLabel(mark.entity)}</th>
                      <td>{formatTimeIndex(mark.first)}</td>
                      <td>{formatTimeIndex(mark.last)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2>Configuration</h2>
          {detail.configuration === undefined
            ? <p class="note">The server does not send the node's configuration.</p>
            : <pre class="config" tabIndex={0}>{JSON.stringify(detail.configuration, null, 2)}</pre>}
        </>
      )}
      <Updated at={node.updatedAt} />
    </section>
  )
}
