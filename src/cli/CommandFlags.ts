/**
 * Flags several commands share, each of which says what it expects whatever it is given: a whole number of at
 * least 1 (`--concurrency`, `--batch-size`, `--prune-batch`) and a duration with a least value
 * (`--message-retention`, `--prune-every`).
 */
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * A flag taking a whole number of at least 1, which says so whatever it is given (`--concurrency abc`,
 * `--concurrency 0`), in place of the parser's "a string representing a finite number".
 */
export const countFlag = (name: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("N"),
    Flag.filterMap(
      (text) => /^\s*\d+\s*$/.test(text) && Number(text) >= 1 ? Option.some(Number(text)) : Option.none(),
      (text) =>
        /^\s*-?\d+\s*$/.test(text)
          ? `--${name} must be at least 1, not ${text.trim()}`
          : `--${name} expects a whole number of at least 1 (like 4), not "${text}"`
    )
  )

/**
 * A flag taking a duration (`"12 hours"`, `"30 seconds"`) of at least `least`, which names itself, the least
 * value and examples when given anything else.
 */
export const durationFlag = (name: string, least: { readonly duration: Duration.Duration; readonly text: string }, examples: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("DURATION"),
    Flag.filterMap(
      (text) =>
        Option.filter(
          Duration.fromInput(text.trim() as Duration.Input),
          (duration) => Duration.isGreaterThanOrEqualTo(duration, least.duration)
        ),
      (text) => `--${name} must be a duration of at least ${least.text} such as ${examples}, not ${text}`
    )
  )
