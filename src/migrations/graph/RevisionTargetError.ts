/**
 * A target (`head`, `+2`, `ae10-1`, ...) that does not name one state of the history: malformed, unknown,
 * ambiguous, or a relative step that would leave the history or cross a branch without knowing which way.
 */
import * as Schema from "effect/Schema"

export const RevisionTargetFailure = Schema.Literals([
  /** Not a target at all. */
  "malformed",
  /** No revision id is or starts with `revision`. */
  "unknown-revision",
  /** The prefix `revision` starts several ids: `candidates`. */
  "ambiguous-prefix",
  /** `head` while the history has several heads: `candidates`. */
  "several-heads",
  /** A step up from a head; `steps` were possible, ending at the state `candidates` (empty: base). */
  "past-head",
  /** A step down from base; `steps` were possible, ending at base. */
  "below-base",
  /** After `steps` steps up, several revisions could come next: `candidates`. */
  "branches-up",
  /** After `steps` steps down, the merge `revision` leaves several parents to go to: `candidates`. */
  "merge-down",
  /** After `steps` steps down from the current state, the database would be at several heads: `candidates`. */
  "several-current-heads",
  /** After `steps` steps up, the next revision `revision` also needs `candidates`, which are not applied. */
  "merge-needs-branch"
])
export type RevisionTargetFailure = typeof RevisionTargetFailure.Type

const quote = (text: string): string => JSON.stringify(text)
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
export const listRevisionIds = (ids: ReadonlyArray<string>, conjunction = "and"): string => {
  const quoted = ids.map(quote)
  return quoted.length <= 1
    ? (quoted[0] ?? "")
    : `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted[quoted.length - 1]}`
}

const describeState = (heads: ReadonlyArray<string>): string => heads.length === 0 ? "base" : listRevisionIds(heads)

export class RevisionTargetError extends Schema.TaggedError<RevisionTargetError>()("RevisionTargetError", {
  /** The target as typed. */
  target: Schema.String,
  reason: RevisionTargetFailure,
  /** The revision the problem is about (an id, a prefix, a merge), when there is one. */
  revision: Schema.optional(Schema.String),
  /** The revisions the user can choose between or must know about (see each reason). */
  candidates: Schema.Array(Schema.String),
  /** For relative targets: how many steps were possible before the problem. */
  steps: Schema.optional(Schema.Number),
  /** For `malformed`: what is wrong with it. */
  detail: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const target = quote(this.target)
    const steps = this.steps ?? 0
    const after = steps === 0 ? "" : ` after ${plural(steps, "step")}`
    const revision = quote(this.revision ?? "")
    switch (this.reason) {
      case "malformed":
        return `${target} is not a revision target${this.detail === undefined ? "" : ` (${this.detail})`}: ` +
          `expected head, heads, base, +N, -N, a revision id or a unique prefix of one, ID+N or ID-N, ` +
          `with N at least 1.`
      case "unknown-revision":
        return `Unknown revision ${revision}${this.target === this.revision ? "" : ` in target ${target}`}: ` +
          `no revision id is or starts with it.`
      case "ambiguous-prefix":
        return `Revision prefix ${revision}${this.target === this.revision ? "" : ` in target ${target}`} is ` +
          `ambiguous: it starts ${listRevisionIds(this.candidates)}. Type more of the id.`
      case "several-heads":
        return `Target ${target} is ambiguous: the history has ${plural(this.candidates.length, "head")}, ` +
          `${listRevisionIds(this.candidates)}. Use "heads" for all of them, name one revision, or write a ` +
          `merge revision that joins them.`
      case "past-head":
        return steps === 0
          ? `Target ${target} goes past the head: no step up is possible from ${describeState(this.candidates)}.`
          : `Target ${target} goes past the head: only ${plural(steps, "step")} up ` +
            `${steps === 1 ? "is" : "are"} possible, reaching ${describeState(this.candidates)}.`
      case "below-base":
        return steps === 0
          ? `Target ${target} goes below base: no step down is possible from base.`
          : `Target ${target} goes below base: only ${plural(steps, "step")} down ` +
            `${steps === 1 ? "is" : "are"} possible, reaching base.`
      case "branches-up":
        return `Target ${target} is ambiguous: the history branches${after}, and the next revision could be ` +
          `${listRevisionIds(this.candidates, "or")}. Name the revision to go to instead.`
      case "merge-down":
        return `Target ${target} is ambiguous${after}: ${revision} merges ${listRevisionIds(this.candidates)}, ` +
          `so a step down from it could go to either. Name the revision to go to instead.`
      case "several-current-heads":
        return `Target ${target} is ambiguous: ${steps === 0 ? "the database is" : `${after.trim()} the ` +
          `database would be`} at ${plural(this.candidates.length, "head")}, ${listRevisionIds(this.candidates)}, ` +
          `and a step down could leave either. Name the revision to go to instead (ID-N counts from one ` +
          `revision).`
      case "merge-needs-branch":
        return `Target ${target} cannot be reached one step at a time: ${after.trim() || "first"}, the next ` +
          `revision ${revision} also needs ${listRevisionIds(this.candidates)}, which ` +
          `${this.candidates.length === 1 ? "is" : "are"} not applied. Upgrade to ${revision} by name to ` +
          `apply ${this.candidates.length === 1 ? "it" : "them"} too.`
    }
  }
}
