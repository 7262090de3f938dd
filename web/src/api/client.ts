/**
 * The one place the dashboard talks to `metatables serve`: each function asks one route and reads its answer
 * with `decode.ts`. The routes are relative to `API_ROOT`, itself relative to the page, so the page works
 * wherever the server mounts it. Writes carry the bearer token the person typed; it is never stored beyond
 * the browser tab (sessionStorage) and never put in a URL.
 */
import {
  decodeNodeDetail,
  decodeNodes,
  decodeRevisions,
  decodeRows,
  decodeRuns,
  decodeTableDetail,
  decodeTables
} from "./decode.ts"
import type {
  NodeDetail,
  NodeSummary,
  RevisionsView,
  RowsQuery,
  RowsView,
  RunAccepted,
  RunRequest,
  RunsView,
  TableDetail,
  TableSummary
} from "./types.ts"

/** Where the API lives, relative to the page's address. */
export const API_ROOT = "api/"

/** A request the server refused or could not answer; `status` 0 when it was not reached at all. */
export class ApiError extends Error {
  readonly status: number
  readonly route: string
  constructor(route: string, status: number, detail: string) {
    super(status === 0 ? `The server did not answer ${route}: ${detail}` : `${route} answered ${status}: ${detail}`)
    this.name = "ApiError"
    this.status = status
    this.route = route
  }
}

const url = (route: string, query?: Readonly<Record<string, string | undefined>>): string => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) search.set(key, value)
  const text = search.toString()
  return `${API_ROOT}${route}${text === "" ? "" : `?${text}`}`
}

/** The server's reason: the `message` of its JSON error document, else the start of its text. */
const reason = async (response: Response): Promise<string> => {
  const text = await response.text()
  try {
    const document = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } }
    const message = document.message ?? document.error?.message
    if (typeof message === "string") return message
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 300) || response.statusText
}

const request = async <A>(route: string, decode: (json: unknown) => A, init?: RequestInit, query?: Record<string, string | undefined>): Promise<A> => {
  let response: Response
  try {
    response = await fetch(url(route, query), { ...init, headers: { accept: "application/json", ...init?.headers } })
  } catch (cause) {
    throw new ApiError(route, 0, cause instanceof Error ? cause.message : String(cause))
  }
  if (!response.ok) throw new ApiError(route, response.status, await reason(response))
  return decode(await response.json())
}

const segment = encodeURIComponent

export const listTables = (): Promise<ReadonlyArray<TableSummary>> => request("tables", decodeTables)

export const getTable = (uid: string): Promise<TableDetail> => request(`tables/${segment(uid)}`, decodeTableDetail)

export const getRows = (uid: string, query: RowsQuery): Promise<RowsView> =>
  request(`tables/${segment(uid)}/rows`, decodeRows, undefined, {
    from: query.from,
    to: query.to,
    columns: query.columns?.join(","),
    limit: query.limit === undefined ? undefined : String(query.limit)
  })

export const getRevisions = (): Promise<RevisionsView> => request("revisions", decodeRevisions)

export const listNodes = (): Promise<ReadonlyArray<NodeSummary>> => request("nodes", (json) => decodeNodes(json, new Date()))

export const getNode = (updateHash: string): Promise<NodeDetail> =>
  request(`nodes/${segment(updateHash)}`, (json) => decodeNodeDetail(json, new Date()))

export const getRuns = (updateHash: string, cursor?: string, limit = 50): Promise<RunsView> =>
  request(`nodes/${segment(updateHash)}/runs`, decodeRuns, undefined, { cursor, limit: String(limit) })

/** Asks the server to run the node now, or to backfill `from`..`to` when given. */
export const requestRun = (updateHash: string, token: string, body: RunRequest): Promise<RunAccepted> => {
  const backfill = body.from !== undefined || body.to !== undefined
  return request(
    `nodes/${segment(updateHash)}/${backfill ? "backfill" : "run"}`,
    (json) => ({
      message: typeof json === "object" && json !== null && typeof (json as { message?: unknown }).message === "string"
        ? (json as { message: string }).message
        : backfill ? "Backfill requested." : "Run requested."
    }),
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(backfill ? { from: body.from, to: body.to } : {})
    }
  )
}

const TOKEN_KEY = "metatables.token"

/** The token typed in this tab, if any. */
export const storedToken = (): string => {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? ""
  } catch {
    return ""
  }
}

export const storeToken = (token: string): void => {
  try {
    if (token === "") sessionStorage.removeItem(TOKEN_KEY)
    else sessionStorage.setItem(TOKEN_KEY, token)
  } catch {
    // storage refused (private mode): the token lives in the form only
  }
}
