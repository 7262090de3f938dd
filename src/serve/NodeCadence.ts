/**
 * When a served node is due: its cadence (the node's `freshFor`, else its storage table's `cadence`, else a cron
 * given for it on the command line, declared with it, or given for every node) and, from the start of its last run, the instant of its next run. Pure: the
 * scheduler asks these functions with the clock's reading and the catalog's last runs.
 *
 * A node that never ran, or whose next run fell due while nothing served it, is due now, once: the next run
 * after it is counted from that run, so downtime costs one catch-up run per node, not one per missed tick.
 */
import * as Cron from "effect/Cron"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import { ServeOptionsError } from "./ServeOptionsError.ts"

export type NodeCadence =
  | {
    readonly _tag: "Every"
    readonly every: Duration.Duration
    /** Where it came from, for people: `freshFor 1 hour`, `cadence 1d`. */
    readonly source: string
  }
  | { readonly _tag: "Cron"; readonly cron: Cron.Cron; readonly source: string }

/** What the cadence is read from. */
export interface CadenceSubject {
  readonly kind: string
  readonly updateHash: string
  readonly freshFor: Duration.Input | undefined
  /** The storage table's cadence (`1d`, `15m`, `1mo`), normalised by its definer. */
  readonly tableCadence: string | undefined
  /** The cron declared with the node's kind (`DataNode({ cron })`). */
  readonly cron?: string | undefined
}

export interface CadenceOptions {
  /** Cron expressions for particular nodes, by kind or update hash (the update hash wins). */
  readonly crons?: Readonly<Record<string, string>> | undefined
  /** The cron of every node with no `freshFor`, table cadence or cron of its own. */
  readonly defaultCron?: string | undefined
}

/** A table cadence unit in milliseconds; months, quarters and years as 30, 91 and 365 days. */
const UNIT_MILLIS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  mo: 30 * 86_400_000,
  q: 91 * 86_400_000,
  y: 365 * 86_400_000
}

/** A storage table's cadence (`15m`, `1d`, `1mo`) as a duration; undefined for a token it does not know. */
export const tableCadenceDuration = (cadence: string): Duration.Duration | undefined => {
  const match = /^([1-9]\d*)(mo|s|m|h|d|w|q|y)$/.exec(cadence)
  return match === null ? undefined : Duration.millis(Number(match[1]) * UNIT_MILLIS[match[2]!]!)
}

const parseCron = (subject: CadenceSubject, expression: string, from: string): Result.Result<NodeCadence, ServeOptionsError> =>
  Result.match(Cron.parse(expression, "UTC"), {
    onSuccess: (cron) => Result.succeed<NodeCadence>({ _tag: "Cron", cron, source: `cron "${expression}" (${from})` }),
    onFailure: (error) =>
      Result.fail(
        new ServeOptionsError({
          problems: [`the cron "${expression}" given ${from} for ${subject.kind} (${subject.updateHash}) is not valid: ${error.message}`]
        })
      )
  })

/** The node's cadence, or an error naming the node when it has none or an invalid one. */
export const cadenceOf = (
  subject: CadenceSubject,
  options: CadenceOptions = {}
): Result.Result<NodeCadence, ServeOptionsError> => {
  if (subject.freshFor !== undefined) {
    const parsed = Duration.fromInput(subject.freshFor)
    const every = Option.getOrUndefined(parsed)
    if (every === undefined || Duration.toMillis(every) <= 0 || !Number.isFinite(Duration.toMillis(every))) {
      return Result.fail(
        new ServeOptionsError({
          problems: [`freshFor of ${subject.kind} (${subject.updateHash}) must be a positive, finite duration`]
        })
      )
    }
    return Result.succeed({ _tag: "Every", every, source: `freshFor ${Duration.format(every)}` })
  }
  if (subject.tableCadence !== undefined) {
    const every = tableCadenceDuration(subject.tableCadence)
    if (every !== undefined) return Result.succeed({ _tag: "Every", every, source: `cadence ${subject.tableCadence}` })
  }
  const own = options.crons?.[subject.updateHash] ?? options.crons?.[subject.kind]
  if (own !== undefined) return parseCron(subject, own, "for the node")
  if (subject.cron !== undefined) return parseCron(subject, subject.cron, "with the node's declaration")
  if (options.defaultCron !== undefined) return parseCron(subject, options.defaultCron, "for every node")
  return Result.fail(
    new ServeOptionsError({
      problems: [
        `${subject.kind} (${subject.updateHash}) has no freshFor, its table no cadence, and no cron was given: ` +
        "give the node freshFor or cron, or serve it with a cron (--cron)"
      ]
    })
  )
}

/** The instant the run after one started at `lastStartedAt` falls due (in the past, after downtime). */
export const dueAfter = (cadence: NodeCadence, lastStartedAt: Date): Date =>
  cadence._tag === "Every"
    ? new Date(lastStartedAt.getTime() + Duration.toMillis(cadence.every))
    : Cron.next(cadence.cron, lastStartedAt)

/**
 * When the node is next due, given the start of its last run (none: due at `now`). A run due in the past is
 * due now; the scheduler's next question, after that run, counts from it.
 */
export const nextDueAt = (cadence: NodeCadence, lastStartedAt: Date | undefined, now: Date): Date => {
  if (lastStartedAt === undefined) return now
  const next = dueAfter(cadence, lastStartedAt)
  return next.getTime() < now.getTime() ? now : next
}

/**
 * The cadence's interval around `at`, in milliseconds: for a cron, the gap between its next two runs. Health
 * measures lag in multiples of it.
 */
export const cadenceMillis = (cadence: NodeCadence, at: Date): number => {
  if (cadence._tag === "Every") return Duration.toMillis(cadence.every)
  const first = Cron.next(cadence.cron, at)
  return Cron.next(cadence.cron, first).getTime() - first.getTime()
}
