/**
 * Backfills and replays: what a run covers when it is not the node's next increment. `--as-of TIME` runs as if
 * it were then; a backfill (`--from TIME [--to TIME] [--entities ...]`) gives a node a range again. The range
 * is cut into chunks by the output table's cadence, each a separate update whose rows are committed before the
 * next starts, so an interrupted backfill resumes after the last committed chunk.
 *
 * Within a chunk the update sees the run's "now" (`ctx.asOf`) at the chunk's end and watermarks at the chunk's
 * start, so an incremental node (`after: ctx.watermarks.lastFor(entity)`) produces exactly the chunk. Rows it
 * returns outside the chunk, or for entities the backfill does not cover, are left out (and counted): rows
 * outside the range are never touched. Watermarks only move forward (`recordBatch` keeps the earliest first and
 * the latest last), so a backfill never makes the next ordinary run repeat or skip anything.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

export interface BackfillOptions {
  /** The first instant the backfill covers (inclusive). */
  readonly from: Date
  /** The last instant it covers (inclusive); default: the run's `asOf`. */
  readonly to?: Date | undefined
  /**
   * The entities it covers, by some of their grain properties (`{ assetIdentifier: "ACME" }` covers every
   * entity whose asset is ACME), or by value alone (`"ACME"`: the one entity column of the first backfilled node
   * that has one); default every entity. A node whose entity lacks a property given fails, naming its own.
   */
  readonly entities?: ReadonlyArray<Readonly<Record<string, unknown>> | string | number> | undefined
  /**
   * The nodes backfilled, by kind, update hash (prefix) or `Kind hash`; default the nodes the run was given. The
   * other nodes of the graph (their dependencies) run as usual, incrementally, first.
   */
  readonly nodes?: ReadonlyArray<string> | undefined
  /** Backfill the graph's nodes that depend on those too (they run after them, over the same range). */
  readonly withDescendants?: boolean | undefined
  /** Periods of the table's cadence per chunk (default `DEFAULT_CHUNK_PERIODS`); no cadence, one chunk. */
  readonly chunkPeriods?: number | undefined
}

/** A chunk per 250 periods of the cadence: a trading year of a daily table, about four hours of a minutely one. */
export const DEFAULT_CHUNK_PERIODS = 250

/** One chunk: the instants after `after` (or from `from`, for the first) through `through`. */
export interface BackfillChunk {
  readonly from: Date | undefined
  readonly after: Date | undefined
  readonly through: Date
}

export const chunkCovers = (chunk: BackfillChunk, time: number): boolean =>
  time <= chunk.through.getTime() &&
  (chunk.after === undefined ? time >= chunk.from!.getTime() : time > chunk.after.getTime())

const FIXED_UNITS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000
}
const MONTH_UNITS: Readonly<Record<string, number>> = { mo: 1, q: 3, y: 12 }

/** `time` plus `count` periods of `cadence` (`15m`, `1d`, `1mo`, ...); undefined for a cadence it cannot read. */
export const addCadence = (time: Date, cadence: string, count: number): Date | undefined => {
  const match = /^(\d+)(mo|[smhdwqy])$/.exec(cadence)
  if (match === null) return undefined
  const amount = Number(match[1]) * count
  const unit = match[2]!
  const fixed = FIXED_UNITS[unit]
  if (fixed !== undefined) return new Date(time.getTime() + amount * fixed)
  const months = amount * MONTH_UNITS[unit]!
  const next = new Date(time.getTime())
  next.setUTCMonth(next.getUTCMonth() + months)
  return next
}

/**
 * The chunks of `[from, to]` by `cadence`, starting after `resumeAfter` when an earlier backfill of the same
 * range committed that far.
 */
export const backfillChunks = (
  range: { readonly from: Date; readonly to: Date },
  cadence: string | undefined,
  chunkPeriods: number,
  resumeAfter: Date | undefined
): ReadonlyArray<BackfillChunk> => {
  const chunks: Array<BackfillChunk> = []
  if (resumeAfter !== undefined && resumeAfter.getTime() >= range.to.getTime()) return chunks
  let after = resumeAfter
  let start = resumeAfter ?? range.from
  for (;;) {
    const step = cadence === undefined ? undefined : addCadence(start, cadence, chunkPeriods)
    const end = step === undefined || step.getTime() >= range.to.getTime() ? range.to : step
    chunks.push(after === undefined ? { from: start, after: undefined, through: end } : { from: undefined, after, through: end })
    if (end.getTime() === range.to.getTime()) return chunks
    after = end
    start = end
  }
}

/** A time given to a run (`--as-of`, `--from`, `--to`) that is not an instant. */
export class InvalidRunTimeError extends Schema.TaggedError<InvalidRunTimeError>()("InvalidRunTimeError", {
  option: Schema.String,
  value: Schema.String,
  reason: Schema.Literals(["naive", "invalid"])
}) {
  override get message(): string {
    const what = this.reason === "naive"
      ? "has no UTC offset, so it names no single instant"
      : "is not an ISO-8601 date and time"
    return `${this.option} "${this.value}" ${what}: give a date and time with an offset, like ` +
      "2025-03-01T00:00:00Z (UTC) or 2025-03-01T09:30:00+01:00."
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/
const NAIVE = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$/

/** Reads an instant for `option`: ISO-8601 with an offset; a date or date-time without one is refused. */
export const parseRunTime = (option: string, value: string): Result.Result<Date, InvalidRunTimeError> => {
  const text = value.trim()
  if (INSTANT.test(text)) {
    const time = new Date(text.replace(" ", "T"))
    if (!Number.isNaN(time.getTime())) return Result.succeed(time)
  }
  return Result.fail(new InvalidRunTimeError({ option, value, reason: NAIVE.test(text) ? "naive" : "invalid" }))
}
