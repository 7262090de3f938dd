/**
 * A table's chosen numeric column over its time index, a series per chosen entity (up to 100,000 rows from
 * the API's rows route). Pick the column and tick the entities; the chart redraws without asking again.
 */
import { useMemo, useState } from "preact/hooks"
import { getRows } from "../api/client.ts"
import type { TableDetail } from "../api/types.ts"
import { Failure, Loading } from "../components/Common.tsx"
import { TimeChart } from "../components/TimeChart.tsx"
import { usePoll } from "../components/usePoll.ts"
import { entityKeys, entityLabel, isNumericType, prepareSeries } from "../lib/chartData.ts"

export const ROW_LIMIT = 100_000
const DEFAULT_ENTITIES = 5

export const ColumnChart = ({ table }: { table: TableDetail }) => {
  const grain = table.grain
  const numeric = table.columns.filter((column) =>
    isNumericType(column.type) && grain !== null && column.name !== grain.timeIndex && !grain.entityColumns.includes(column.name)
  )
  const [column, setColumn] = useState<string | undefined>(numeric[0]?.name)
  const [chosen, setChosen] = useState<ReadonlyArray<string> | undefined>(undefined)
  const rows = usePoll(
    () =>
      grain === null || column === undefined
        ? Promise.resolve(undefined)
        : getRows(table.uid, {
          columns: [grain.timeIndex, ...grain.entityColumns, column],
          limit: ROW_LIMIT,
          timeColumn: grain.timeIndex
        }),
    [table.uid, column],
    null
  )
  const keys = useMemo(
    () => (rows.data === undefined || grain === null ? [] : entityKeys(rows.data.rows, grain.entityColumns)),
    [rows.data]
  )
  const selected = chosen ?? keys.slice(0, DEFAULT_ENTITIES)
  const prepared = useMemo(
    () =>
      rows.data === undefined || grain === null || column === undefined
        ? undefined
        : prepareSeries(rows.data.rows, {
          timeColumn: grain.timeIndex,
          valueColumn: column,
          entityColumns: grain.entityColumns,
          entities: selected
        }),
    [rows.data, selected.join("\n")]
  )
  const series = useMemo(() => (prepared?.labels ?? []).map((label) => ({ label })), [prepared])

  if (grain === null) return <p class="note">A relational table has no time index to chart.</p>
  if (numeric.length === 0) return <p class="note">This table has no numeric column to chart.</p>
  const toggle = (key: string) =>
    setChosen(selected.includes(key) ? selected.filter((one) => one !== key) : [...selected, key])
  return (
    <section aria-labelledby="chart-title" class="column-chart">
      <h2 id="chart-title">Over time</h2>
      <div class="chart-controls">
        <label>
          Column{" "}
          <select value={column} onChange={(event) => setColumn(event.currentTarget.value)}>
            {numeric.map((one) => <option key={one.name} value={one.name}>{one.label === "" ? one.name : `${one.name} (${one.label})`}</option>)}
          </select>
        </label>
        {keys.length > 1 && (
          <fieldset class="entities">
            <legend>Entities ({grain.entityColumns.join(", ")})</legend>
            {keys.map((key) => (
              <label key={key}>
                <input type="checkbox" checked={selected.includes(key)} onChange={() => toggle(key)} /> {entityLabel(key)}
              </label>
            ))}
          </fieldset>
        )}
      </div>
      {rows.error !== undefined && <Failure error={rows.error} />}
      {prepared === undefined ? rows.error === undefined && <Loading what="rows" /> : (
        <>
          {rows.data?.truncated === true && (
            <p class="note">Showing the first {ROW_LIMIT.toLocaleString("en-US")} rows of the table.</p>
          )}
          {rows.data?.incomplete === true && (
            <p class="note">Some rows are left out: one instant holds more rows than the server sends at once.</p>
          )}
          {prepared.points === 0
            ? <p class="note">No values to draw for the chosen entities.</p>
            : <TimeChart title={`${table.identifier}.${column}`} data={prepared.data} series={series} points={prepared.points} yLabel={column ?? ""} />}
        </>
      )}
    </section>
  )
}
