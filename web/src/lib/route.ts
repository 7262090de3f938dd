/**
 * The dashboard's pages as hash routes (`#/tables/<uid>`), so that the built page works from any path the
 * server mounts it at and every view has an address to share. Pure.
 */

export type Route =
  | { readonly page: "tables" }
  | { readonly page: "table"; readonly uid: string }
  | { readonly page: "revisions"; readonly revision?: string }
  | { readonly page: "nodes" }
  | { readonly page: "node"; readonly updateHash: string }
  | { readonly page: "not-found"; readonly hash: string }

const segment = (value: string): string | undefined => {
  try {
    const decoded = decodeURIComponent(value)
    return decoded === "" ? undefined : decoded
  } catch {
    return undefined
  }
}

/** The route of a location hash; the empty hash is the tables page. */
export const parseRoute = (hash: string): Route => {
  const path = hash.replace(/^#/, "").replace(/^\/+|\/+$/g, "")
  const parts = path === "" ? [] : path.split("/")
  const [head, id, ...rest] = parts
  if (rest.length === 0) {
    if (head === undefined || (head === "tables" && id === undefined)) return { page: "tables" }
    if (head === "revisions") {
      if (id === undefined) return { page: "revisions" }
      const revision = segment(id)
      if (revision !== undefined) return { page: "revisions", revision }
    }
    if (head === "nodes" && id === undefined) return { page: "nodes" }
    const value = id === undefined ? undefined : segment(id)
    if (value !== undefined && head === "tables") return { page: "table", uid: value }
    if (value !== undefined && head === "nodes") return { page: "node", updateHash: value }
  }
  return { page: "not-found", hash }
}

/** The hash of a route, the inverse of `parseRoute`. */
export const routeHash = (route: Route): string => {
  switch (route.page) {
    case "tables":
      return "#/tables"
    case "table":
      return `#/tables/${encodeURIComponent(route.uid)}`
    case "revisions":
      return route.revision === undefined ? "#/revisions" : `#/revisions/${encodeURIComponent(route.revision)}`
    case "nodes":
      return "#/nodes"
    case "node":
      return `#/nodes/${encodeURIComponent(route.updateHash)}`
    case "not-found":
      return route.hash
  }
}

/** Which top-level section a route belongs to, for the navigation's current item. */
export const section = (route: Route): "tables" | "revisions" | "nodes" | undefined =>
  route.page === "tables" || route.page === "table"
    ? "tables"
    : route.page === "revisions"
    ? "revisions"
    : route.page === "nodes" || route.page === "node"
    ? "nodes"
    : undefined
