/** Every catalog table with its namespace, status, provider and revision; a filter narrows the list. */
import { useState } from "preact/hooks"
import { listTables } from "../api/client.ts"
import { Failure, Loading, Updated } from "../components/Common.tsx"
import { usePoll } from "../components/usePoll.ts"
import { routeHash } from "../lib/route.ts"

export const TablesPage = () => {
  const tables = usePoll(listTables, [], 10_000)
  const [filter, setFilter] = useState("")
  const needle = filter.trim().toLowerCase()
  const shown = (tables.data ?? []).filter((table) =>
    needle === "" ||
    [table.identifier, table.namespace, table.physical, table.status, table.provider ?? ""].some((text) =>
      text.toLowerCase().includes(needle)
    )
  )
  return (
    <section aria-labelledby="tables-title">
      <h1 id="tables-title">Tables</h1>
      <label class="filter">
        Filter <input type="search" value={filter} onInput={(event) => setFilter(event.currentTarget.value)} />
      </label>
      {tables.error !== undefined && <Failure error={tables.error} stale={tables.data !== undefined} />}
      {tables.data === undefined
        ? tables.error === undefined && <Loading what="tables" />
        : tables.data.length === 0
        ? <p>The catalog has no tables yet: `metatables migrations upgrade` registers a provider's tables.</p>
        : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Catalog tables</caption>
              <thead>
                <tr>
                  <th scope="col">Identifier</th>
                  <th scope="col">Namespace</th>
                  <th scope="col">Table</th>
                  <th scope="col">Status</th>
                  <th scope="col">Provider</th>
                  <th scope="col">Revision</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((table) => (
                  <tr key={table.uid}>
                    <td>
                      <a href={routeHash({ page: "table", uid: table.uid })}>{table.identifier}</a>
                    </td>
                    <td>{table.namespace}</td>
                    <td><code>{table.physical}</code></td>
                    <td><span class={`status status-${table.status}`}>{table.status}</span></td>
                    <td>{table.provider ?? "-"}</td>
                    <td><code>{table.revision ?? "-"}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p class="note">{shown.length} of {tables.data.length} tables</p>
          </div>
        )}
      <Updated at={tables.updatedAt} />
    </section>
  )
}
