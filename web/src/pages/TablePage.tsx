/**
 * One catalog table: its facts (status, provider, revision, contract hash, row count, time range), columns,
 * indexes and foreign keys, and a chart of one of its numeric columns over time for the entities chosen.
 */
import { getTable } from "../api/client.ts"
import type { TableDetail } from "../api/types.ts"
import { Facts, Failure, Loading } from "../components/Common.tsx"
import { usePoll } from "../components/usePoll.ts"
import { formatCount, formatTimeIndex } from "../lib/format.ts"
import { routeHash } from "../lib/route.ts"
import { ColumnChart } from "./ColumnChart.tsx"

const Columns = ({ table }: { table: TableDetail }) => (
  <div class="table-scroll">
    <table>
      <caption>Columns</caption>
      <thead>
        <tr>
          <th scope="col">Column</th>
          <th scope="col">Type</th>
          <th scope="col">Null</th>
          <th scope="col">Key</th>
          <th scope="col">Default</th>
          <th scope="col">Label</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody>
        {table.columns.map((column) => (
          <tr key={column.name}>
            <th scope="row"><code>{column.name}</code></th>
            <td><code>{column.type}</code></td>
            <td>{column.nullable ? "yes" : "no"}</td>
            <td>
              {[
                column.primaryKey ? "primary" : "",
                column.unique ? "unique" : "",
                table.grain?.timeIndex === column.name ? "time index" : "",
                table.grain?.entityColumns.includes(column.name) === true ? "grain" : ""
              ].filter((word) => word !== "").join(", ")}
            </td>
            <td>{column.defaultValue === null ? "" : <code>{column.defaultValue}</code>}</td>
            <td>{column.label}</td>
            <td>{column.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
)

const Indexes = ({ table }: { table: TableDetail }) => (
  <div class="two-up">
    <div>
      <h2>Indexes</h2>
      {table.indexes === null
        ? table.grain === null ? <p class="note">The server does not list indexes.</p> : (
          <p>
            Unique over the grain: {[table.grain.timeIndex, ...table.grain.entityColumns].join(", ")}{" "}
            <span class="note">(from the contract; the server lists no others)</span>
          </p>
        )
        : table.indexes.length === 0 ? <p class="note">None.</p> : (
          <ul>
            {table.indexes.map((index) => (
              <li key={index.name}>
                <code>{index.name}</code> on {index.columns.join(", ")}{index.unique ? " (unique)" : ""}
              </li>
            ))}
          </ul>
        )}
    </div>
    <div>
      <h2>Foreign keys</h2>
      {table.foreignKeys === null ? <p class="note">The server does not list foreign keys.</p> : table.foreignKeys.length === 0
        ? <p class="note">None.</p>
        : (
          <ul>
            {table.foreignKeys.map((key) => (
              <li key={key.name}>
                <code>{key.name}</code>: {key.columns.join(", ")} → <code>{key.references}</code>
                {key.referencedColumns.length === 0 ? "" : ` (${key.referencedColumns.join(", ")})`}
              </li>
            ))}
          </ul>
        )}
    </div>
  </div>
)

export const TablePage = ({ uid }: { uid: string }) => {
  const table = usePoll(() => getTable(uid), [uid], 30_000)
  const detail = table.data
  return (
    <section aria-labelledby="table-title">
      <p class="crumbs"><a href={routeHash({ page: "tables" })}>Tables</a> /</p>
      <h1 id="table-title">{detail?.identifier ?? "Table"}</h1>
      {table.error !== undefined && <Failure error={table.error} stale={detail !== undefined} />}
      {detail === undefined ? table.error === undefined && <Loading what="the table" /> : (
        <>
          {detail.description !== "" && <p>{detail.description}</p>}
          <Facts
            items={[
              ["Namespace", detail.namespace],
              ["Physical table", <code>{detail.physical}</code>],
              ["Status", <span class={`status status-${detail.status}`}>{detail.status}</span>],
              ["Kind", detail.kind],
              ["Provider", detail.provider ?? "-"],
              ["Revision", <code>{detail.revision ?? "-"}</code>],
              ["Contract", <span><code>{detail.contractVersion}</code>, hash <code class="hash">{detail.contractHash}</code></span>],
              [detail.rowCountExact === true ? "Rows" : "Rows (estimate)", formatCount(detail.rowCount)],
              [
                "Time range",
                detail.timeRange === null
                  ? "-"
                  : `${formatTimeIndex(detail.timeRange.first)} to ${formatTimeIndex(detail.timeRange.last)}`
              ],
              [
                "Grain",
                detail.grain === null
                  ? "- (relational)"
                  : `${[detail.grain.timeIndex, ...detail.grain.entityColumns].join(", ")}${
                    detail.grain.cadence === null ? "" : `, cadence ${detail.grain.cadence}`
                  }`
              ]
            ]}
          />
          <Columns table={detail} />
          <Indexes table={detail} />
          <ColumnChart table={detail} />
        </>
      )}
    </section>
  )
}
