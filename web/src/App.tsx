/** The dashboard's frame: a skip link, the navigation, and the page the location hash names. */
import { useEffect, useState } from "preact/hooks"
import { NodePage } from "./pages/NodePage.tsx"
import { NodesPage } from "./pages/NodesPage.tsx"
import { RevisionsPage } from "./pages/RevisionsPage.tsx"
import { TablePage } from "./pages/TablePage.tsx"
import { TablesPage } from "./pages/TablesPage.tsx"
import { parseRoute, type Route, routeHash, section } from "./lib/route.ts"

const TITLES: Record<Route["page"], string> = {
  tables: "Tables",
  table: "Table",
  revisions: "Revisions",
  nodes: "DataNodes",
  node: "DataNode",
  "not-found": "Not found"
}

const Page = ({ route }: { route: Route }) => {
  switch (route.page) {
    case "tables":
      return <TablesPage />
    case "table":
      return <TablePage uid={route.uid} />
    case "revisions":
      return <RevisionsPage selected={route.revision} />
    case "nodes":
      return <NodesPage />
    case "node":
      return <NodePage updateHash={route.updateHash} />
    case "not-found":
      return <p>No page at <code>{route.hash}</code>. <a href={routeHash({ page: "tables" })}>See the tables.</a></p>
  }
}

export const App = () => {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash))
    addEventListener("hashchange", onHash)
    return () => removeEventListener("hashchange", onHash)
  }, [])
  useEffect(() => {
    document.title = `${TITLES[route.page]} · metatables`
    document.getElementById("main")?.focus({ preventScroll: true })
  }, [route.page])
  const current = section(route)
  const link = (target: "tables" | "revisions" | "nodes", text: string) => (
    <a href={`#/${target}`} aria-current={current === target ? "page" : undefined}>{text}</a>
  )
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => { event.preventDefault(); document.getElementById("main")?.focus() }}>
        Skip to content
      </a>
      <header>
        <span class="brand">metatables</span>
        <nav aria-label="Sections">
          {link("tables", "Tables")}
          {link("revisions", "Revisions")}
          {link("nodes", "DataNodes")}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  )
}
