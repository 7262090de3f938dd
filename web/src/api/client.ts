/**
 * The one place the dashboard talks to `metatables serve` (its `ServeApi`, src/serve/ServeApi.ts): each
 * function asks one route and reads its answer with `decode.ts`. The routes are relative to `API_ROOT`, itself relative to the page, so the page works
 * wherever the server mounts it. Writes carry the bearer token the person typed; it is never stored beyond
 * the browser tab (sessionStorage) and never put in a URL.
 */
import {
  decodeConfiguration,
  decodeNodeDetail,
  errorReason,
  decodeNodes,
  decodeRevisions,
  decodeRows,
  decodeRuns,
  decodeStructure,
  decodeTableDetail,
  decodeTables
} from "./decode.ts"
import type {
  NodeDetail,
  NodeSummary,
  RevisionsView,
  RowsQuery,
  RowsView,
  RunOutcome,
  RunRequest,
  RunsView,
  TableDetail,
  TableSummary
} from "./types.ts"
import { nextPage } from "../lib/rowPages.ts"

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

const request = async <A>(route: string, decode: (json: unknown) => A, init?: RequestInit, query?: Record<string, string | undefined>): Promise<A> => {
  let response: Response
  try {
    response = await fetch(url(route, query), { ...init, headers: { accept: "application/json", ...init?.headers } })
  } catch (cause) {
    throw new ApiError(route, 0, cause instanceof Error ? cause.message : String(cause))
  }
  if (!response.ok) throw new ApiError(route, response.status, errorReason(response.status, await response.text()))
  return decode(await response.json())
}

const segment = encodeURIComponent

export const listTables = (): Promise<ReadonlyArray<TableSummary>> => request("tables", decodeTables)

/**
 * A table's detail (serve's API) with its indexes and foreign keys (the dashboard's API); the page still shows
 * the detail when the structure cannot be read, saying the indexes are not listed.
 */
export const getTable = async (uid: string): Promise<TableDetail> => {
  const [detail, structure] = await Promise.all([
    request(`tables/${segment(uid)}`, decodeTableDetail),
    request(`tables/${segment(uid)}/structure`, decodeStructure).catch(() => undefined)
  ])
  return structure === undefined
    ? detail
    : { ...detail, ...structure, rowCountExact: structure.rowCount !== undefined }
}

/** The API's largest page of rows; more are read page by page along the time index (`lib/rowPages.ts`). */
export const ROWS_PER_REQUEST = 10_000

/**
 * Up to `query.limit` rows (default 100,000), in pages of `ROWS_PER_REQUEST` that follow the time index when
 * `timeColumn` names it; without one, a single page.
 */
export const getRows = async (uid: string, query: RowsQuery & { readonly timeColumn?: string | undefined }): Promise<RowsView> => {
  const wanted = query.limit ?? 100_000
  const rows: Array<Readonly<Record<string, unknown>>> = []
  let from = query.from
  let startedFrom: string | undefined
  while (true) {
    const page = await request(`tables/${segment(uid)}/rows`, decodeRows, undefined, {
      from,
      to: query.to,
      columns: query.columns?.join(","),
      limit: String(Math.min(ROWS_PER_REQUEST, wanted - rows.length + 1))
    })
    if (query.timeColumn === undefined) return { rows: page.rows.slice(0, wanted), truncated: page.truncated }
    const step = nextPage(page, query.timeColumn, startedFrom)
    rows.push(...step.keep)
    if (rows.length >= wanted) return { rows: rows.slice(0, wanted), truncated: true }
    if (step._tag === "Done") return { rows, truncated: false, incomplete: step.incomplete }
    startedFrom = step.from
    from = step.from
  }
}

export const getRevisions = (): Promise<RevisionsView> => request("revisions", decodeRevisions)

export const listNodes = (): Promise<ReadonlyArray<NodeSummary>> => request("nodes", (json) => decodeNodes(json, new Date()))

/** A node's detail (serve's API) with its configuration (the dashboard's API), when the catalog has it. */
export const getNode = async (updateHash: string): Promise<NodeDetail> => {
  const [detail, configuration] = await Promise.all([
    request(`nodes/${segment(updateHash)}`, (json) => decodeNodeDetail(json, new Date())),
    request(`nodes/${segment(updateHash)}/configuration`, decodeConfiguration).catch(() => undefined)
  ])
  return configuration === undefined ? detail : { ...detail, configuration }
}

/** A page of runs, newest first; `cursor` is the `next` of the page before. The API serves at most 500 a page. */
export const getRuns = (updateHash: string, cursor?: string, limit = 50): Promise<RunsView> =>
  request(`nodes/${segment(updateHash)}/runs`, decodeRuns, undefined, { cursor, limit: String(Math.min(limit, 500)) })

/**
 * Runs the node now, replays it as of `asOf`, or backfills `from`..`to`; the serve API answers when the run has
 * finished (the page's polling shows it running meanwhile). Needs the serve token.
 */
export const requestRun = (updateHash: string, token: string, body: RunRequest): Promise<RunOutcome> =>
  request(
    `nodes/${segment(updateHash)}/${body._tag === "Backfill" ? "backfill" : "run"}`,
    (json) => {
      const answer = (typeof json === "object" && json !== null ? json : {}) as { message?: unknown; status?: unknown }
      return {
        message: typeof answer.message === "string" ? answer.message : "Run requested.",
        status: typeof answer.status === "string" ? answer.status : "unknown"
      }
    },
    {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(
        body._tag === "Backfill"
          ? { from: body.from, ...(body.to === undefined ? {} : { to: body.to }) }
          : body.asOf === undefined ? {} : { asOf: body.asOf }
      )
    }
  )

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
