/**
 * Reading more rows than one request of the serve API returns (10,000): pages follow the time index, each next
 * request starting (`from`, inclusive) at the last instant of the page before. The rows of that last instant
 * may straddle two pages, so they are dropped from the earlier page and taken whole from the next. Pure: the
 * caller fetches, `nextPage` says what to ask next and what to keep.
 */

export interface RowPage {
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** The server cut the page at its limit: more rows follow. */
  readonly truncated: boolean
}

export type PageStep =
  | {
    readonly _tag: "More"
    /** The rows to keep from this page (those before its last instant). */
    readonly keep: ReadonlyArray<Readonly<Record<string, unknown>>>
    /** Where the next request starts: the page's last instant, as the server sent it. */
    readonly from: string
  }
  | {
    readonly _tag: "Done"
    readonly keep: ReadonlyArray<Readonly<Record<string, unknown>>>
    /** Rows remain that paging cannot reach: one instant holds more rows than a page. */
    readonly incomplete: boolean
  }

const instant = (value: unknown): number => typeof value === "string" ? Date.parse(value) : Number.NaN

/**
 * What to keep of a page and where to go next. `previousFrom` is where this page started (none for the first):
 * a truncated page that never moved past it holds one instant with more rows than a page, and paging stops.
 */
export const nextPage = (page: RowPage, timeColumn: string, previousFrom: string | undefined): PageStep => {
  if (!page.truncated || page.rows.length === 0) return { _tag: "Done", keep: page.rows, incomplete: false }
  const last = page.rows[page.rows.length - 1]![timeColumn]
  const lastTime = instant(last)
  if (typeof last !== "string" || Number.isNaN(lastTime)) return { _tag: "Done", keep: page.rows, incomplete: true }
  if (previousFrom !== undefined && instant(previousFrom) === lastTime) {
    return { _tag: "Done", keep: page.rows, incomplete: true }
  }
  const keep = page.rows.filter((row) => instant(row[timeColumn]) !== lastTime)
  return { _tag: "More", keep, from: last }
}
