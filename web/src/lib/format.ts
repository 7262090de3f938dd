/**
 * How the dashboard writes numbers, durations, instants and hashes for people: one place, so every page says
 * "2.4 s" and "1,204 rows" the same way. Pure; dates are taken as ISO strings or Dates, always shown in UTC.
 */

/** A count with thousands separators: `1,204`; `-` for a missing one. */
export const formatCount = (value: number | null | undefined): string =>
  value === null || value === undefined || !Number.isFinite(value) ? "-" : Math.round(value).toLocaleString("en-US")

/** A duration for people: `850 ms`, `2.4 s`, `3 min 12 s`, `2 h 5 min`, `3 d 4 h`. */
export const formatDuration = (milliseconds: number | null | undefined): string => {
  if (milliseconds === null || milliseconds === undefined || !Number.isFinite(milliseconds)) return "-"
  const ms = Math.abs(milliseconds)
  const sign = milliseconds < 0 ? "-" : ""
  if (ms < 1_000) return `${sign}${Math.round(ms)} ms`
  if (ms < 60_000) return `${sign}${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const seconds = Math.round(ms / 1_000)
  if (seconds < 3_600) return `${sign}${Math.floor(seconds / 60)} min${seconds % 60 === 0 ? "" : ` ${seconds % 60} s`}`
  const minutes = Math.round(seconds / 60)
  if (minutes < 1_440) return `${sign}${Math.floor(minutes / 60)} h${minutes % 60 === 0 ? "" : ` ${minutes % 60} min`}`
  const hours = Math.round(minutes / 60)
  return `${sign}${Math.floor(hours / 24)} d${hours % 24 === 0 ? "" : ` ${hours % 24} h`}`
}

const toDate = (value: string | Date): Date | undefined => {
  const date = typeof value === "string" ? new Date(value) : value
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** An instant in UTC to the second: `2026-12-02 18:40:12 UTC`; `-` for none, the input itself when unreadable. */
export const formatInstant = (value: string | Date | null | undefined): string => {
  if (value === null || value === undefined) return "-"
  const date = toDate(value)
  if (date === undefined) return String(value)
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`
}

/** A date when the time of day is midnight UTC, else the instant: time-index bounds read better that way. */
export const formatTimeIndex = (value: string | Date | null | undefined): string => {
  if (value === null || value === undefined) return "-"
  const date = toDate(value)
  if (date === undefined) return String(value)
  const iso = date.toISOString()
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : formatInstant(date)
}

/** How long ago (or ahead) an instant is from `now`: `3 min ago`, `in 2 h`, `just now`. */
export const formatRelative = (value: string | Date | null | undefined, now: Date): string => {
  if (value === null || value === undefined) return "never"
  const date = toDate(value)
  if (date === undefined) return String(value)
  const delta = now.getTime() - date.getTime()
  if (Math.abs(delta) < 5_000) return "just now"
  const span = formatDuration(Math.abs(delta)).replace(/ \d+ (s|min|h)$/, "")
  return delta > 0 ? `${span} ago` : `in ${span}`
}

/**
 * An update hash shortened for people (`prices_3f2a9c1d`): the kind prefix, when it has one, and 8 characters
 * of the digest after it. Full hashes stay in titles and detail pages.
 */
export const shortHash = (hash: string): string => {
  const cut = hash.lastIndexOf("_")
  return cut === -1 ? hash.slice(0, 12) : `${hash.slice(0, cut)}_${hash.slice(cut + 1, cut + 9)}`
}
