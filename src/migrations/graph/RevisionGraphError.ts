/**
 * The one error of the revision graph. Its `reason` says what went wrong, with the data a person needs to fix
 * it: a history that cannot form a graph, a target that names no single state, heads in the database that do
 * not fit the graph, a move the other command makes, or a merge with nothing to join. The message is the
 * reason's, built from its fields (as effect/sql's `SqlError` and its reasons).
 */
import * as Schema from "effect/Schema"

/** Where a revision came from (its file), when the caller knows it. */
const Source = Schema.optional(Schema.String)

/** One thing wrong with the history; an `InvalidHistory` reason carries all of them. */
export const RevisionGraphProblem = Schema.Union([
  /** A revision without an id; `position` is its 0-based place in the list given to the graph. */
  Schema.TaggedStruct("EmptyRevisionId", { position: Schema.Number, source: Source }),
  /** An id the target syntax could not address: a reserved word or a character targets use. */
  Schema.TaggedStruct("InvalidRevisionId", {
    revision: Schema.String,
    source: Source,
    reason: Schema.Literals(["reserved-word", "illegal-character"])
  }),
  /** Several revisions share an id; `sources` lists every definition's file that is known. */
  Schema.TaggedStruct("DuplicateRevisionId", {
    revision: Schema.String,
    occurrences: Schema.Number,
    sources: Schema.Array(Schema.String)
  }),
  /** A parent id that no revision defines (an empty parent id included). */
  Schema.TaggedStruct("UnknownParent", { revision: Schema.String, parent: Schema.String, source: Source }),
  /** A revision names the same parent more than once. */
  Schema.TaggedStruct("RepeatedParent", { revision: Schema.String, parent: Schema.String, source: Source }),
  /** Revisions that descend from themselves, in order: each is a parent of the next, the last of the first. */
  Schema.TaggedStruct("RevisionCycle", { revisions: Schema.Array(Schema.String), sources: Schema.Array(Schema.String) })
])
export type RevisionGraphProblem = typeof RevisionGraphProblem.Type

const quote = (text: string): string => JSON.stringify(text)
const inFile = (source: string | undefined): string => source === undefined ? "" : ` (${source})`
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
const listRevisionIds = (ids: ReadonlyArray<string>, conjunction = "and"): string => {
  const quoted = ids.map(quote)
  return quoted.length <= 1
    ? (quoted[0] ?? "")
    : `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted[quoted.length - 1]}`
}

/** A state of the history by its heads: `base` when there are none. */
const describeState = (heads: ReadonlyArray<string>): string => heads.length === 0 ? "base" : listRevisionIds(heads)

/** One problem as a sentence naming the revision and its file. */
export const describeRevisionGraphProblem = (problem: RevisionGraphProblem): string => {
  switch (problem._tag) {
    case "EmptyRevisionId":
      return `revision #${problem.position + 1}${inFile(problem.source)} has an empty id`
    case "InvalidRevisionId":
      return problem.reason === "reserved-word"
        ? `revision ${quote(problem.revision)}${inFile(problem.source)} uses a reserved word as its id ` +
          `(head, heads and base name targets)`
        : `revision ${quote(problem.revision)}${inFile(problem.source)} has an id with whitespace or one of ` +
          `+ - @ : , (targets such as ID+N and FROM:TO use them)`
    case "DuplicateRevisionId":
      return `revision ${quote(problem.revision)} is defined ${problem.occurrences} times` +
        (problem.sources.length === 0 ? "" : `: ${problem.sources.join(", ")}`)
    case "UnknownParent":
      return problem.parent === ""
        ? `revision ${quote(problem.revision)}${inFile(problem.source)} lists an empty parent id`
        : `revision ${quote(problem.revision)}${inFile(problem.source)} has parent ${quote(problem.parent)}, ` +
          `which no revision defines`
    case "RepeatedParent":
      return `revision ${quote(problem.revision)}${inFile(problem.source)} lists parent ` +
        `${quote(problem.parent)} more than once`
    case "RevisionCycle": {
      const first = problem.revisions[0] ?? ""
      const path = problem.revisions.length === 1
        ? `revision ${quote(first)} is its own parent`
        : `cycle ${[...problem.revisions, first].map(quote).join(" -> ")} (each is a parent of the next)`
      return problem.sources.length === 0 ? path : `${path}: ${problem.sources.join(", ")}`
    }
  }
}

// The history itself.

/** The revisions cannot form a graph: every problem found at once, so that the history is fixed in one pass. */
export class InvalidHistory extends Schema.TaggedError<InvalidHistory>()("InvalidHistory", {
  /** Every problem found, in the order of the revisions given, then duplicates, then cycles. */
  problems: Schema.Array(RevisionGraphProblem)
}) {
  override get message(): string {
    const count = this.problems.length
    return `The revision history is not valid (${count} problem${count === 1 ? "" : "s"}):\n` +
      this.problems.map((problem) => `  - ${describeRevisionGraphProblem(problem)}`).join("\n")
  }
}

// Targets (`head`, `+2`, `ae10-1`, ...) that do not name one state of the history. `target` is as typed.

/** Not a target at all; `detail` says what is wrong with it. */
export class MalformedTarget extends Schema.TaggedError<MalformedTarget>()("MalformedTarget", {
  target: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `${quote(this.target)} is not a revision target (${this.detail}): expected head, heads, base, +N, -N, ` +
      `a revision id or a unique prefix of one, ID+N or ID-N, with N at least 1.`
  }
}

const inTarget = (target: string, revision: string): string =>
  target === revision ? "" : ` in target ${quote(target)}`

/** No revision id is or starts with `revision`. */
export class UnknownRevision extends Schema.TaggedError<UnknownRevision>()("UnknownRevision", {
  target: Schema.String,
  revision: Schema.String
}) {
  override get message(): string {
    return `Unknown revision ${quote(this.revision)}${inTarget(this.target, this.revision)}: no revision id is or ` +
      `starts with it.`
  }
}

/** The prefix `revision` starts several ids: `candidates`. */
export class AmbiguousPrefix extends Schema.TaggedError<AmbiguousPrefix>()("AmbiguousPrefix", {
  target: Schema.String,
  revision: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Revision prefix ${quote(this.revision)}${inTarget(this.target, this.revision)} is ambiguous: it ` +
      `starts ${listRevisionIds(this.candidates)}. Type more of the id.`
  }
}

/** `head` while the history has several heads: `candidates`. */
export class SeveralHeads extends Schema.TaggedError<SeveralHeads>()("SeveralHeads", {
  target: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Target ${quote(this.target)} is ambiguous: the history has ${plural(this.candidates.length, "head")}, ` +
      `${listRevisionIds(this.candidates)}. Use "heads" for all of them, name one revision, or write a ` +
      `merge revision that joins them.`
  }
}

/** A step up from a head: `steps` were possible, ending at the state `candidates` (empty: base). */
export class PastHead extends Schema.TaggedError<PastHead>()("PastHead", {
  target: Schema.String,
  steps: Schema.Number,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const target = quote(this.target)
    return this.steps === 0
      ? `Target ${target} goes past the head: no step up is possible from ${describeState(this.candidates)}.`
      : `Target ${target} goes past the head: only ${plural(this.steps, "step")} up ` +
        `${this.steps === 1 ? "is" : "are"} possible, reaching ${describeState(this.candidates)}.`
  }
}

/** A step down from base: `steps` were possible, ending at base. */
export class BelowBase extends Schema.TaggedError<BelowBase>()("BelowBase", {
  target: Schema.String,
  steps: Schema.Number
}) {
  override get message(): string {
    const target = quote(this.target)
    return this.steps === 0
      ? `Target ${target} goes below base: no step down is possible from base.`
      : `Target ${target} goes below base: only ${plural(this.steps, "step")} down ` +
        `${this.steps === 1 ? "is" : "are"} possible, reaching base.`
  }
}

/** `after N steps`, or nothing before the first step. */
const after = (steps: number): string => steps === 0 ? "" : ` after ${plural(steps, "step")}`

/** After `steps` steps up, several revisions could come next: `candidates`. */
export class BranchesUp extends Schema.TaggedError<BranchesUp>()("BranchesUp", {
  target: Schema.String,
  steps: Schema.Number,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Target ${quote(this.target)} is ambiguous: the history branches${after(this.steps)}, and the next ` +
      `revision could be ${listRevisionIds(this.candidates, "or")}. Name the revision to go to instead.`
  }
}

/** After `steps` steps down, the merge `revision` leaves several parents to go to: `candidates`. */
export class MergeDown extends Schema.TaggedError<MergeDown>()("MergeDown", {
  target: Schema.String,
  steps: Schema.Number,
  revision: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Target ${quote(this.target)} is ambiguous${after(this.steps)}: ${quote(this.revision)} merges ` +
      `${listRevisionIds(this.candidates)}, so a step down from it could go to either. Name the revision to go ` +
      `to instead.`
  }
}

/** After `steps` steps down from the current state, the database would be at several heads: `candidates`. */
export class SeveralCurrentHeads extends Schema.TaggedError<SeveralCurrentHeads>()("SeveralCurrentHeads", {
  target: Schema.String,
  steps: Schema.Number,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const where = this.steps === 0 ? "the database is" : `${after(this.steps).trim()} the database would be`
    return `Target ${quote(this.target)} is ambiguous: ${where} at ${plural(this.candidates.length, "head")}, ` +
      `${listRevisionIds(this.candidates)}, and a step down could leave either. Name the revision to go to ` +
      `instead (ID-N counts from one revision).`
  }
}

/** After `steps` steps up, the next revision `revision` also needs `candidates`, which are not applied. */
export class MergeNeedsBranch extends Schema.TaggedError<MergeNeedsBranch>()("MergeNeedsBranch", {
  target: Schema.String,
  steps: Schema.Number,
  revision: Schema.String,
  candidates: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const one = this.candidates.length === 1
    return `Target ${quote(this.target)} cannot be reached one step at a time: ` +
      `${after(this.steps).trim() || "first"}, the next revision ${quote(this.revision)} also needs ` +
      `${listRevisionIds(this.candidates)}, which ${one ? "is" : "are"} not applied. Upgrade to ` +
      `${quote(this.revision)} by name to apply ${one ? "it" : "them"} too.`
  }
}

// The heads a database's version table records, when they do not fit the graph. `heads` is as read.

/** Heads whose revision no file defines: the files are missing, or the database has another history. */
export class UnknownRecordedHeads extends Schema.TaggedError<UnknownRecordedHeads>()("UnknownRecordedHeads", {
  heads: Schema.Array(Schema.String),
  /** The heads the graph does not know. */
  revisions: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const one = this.revisions.length === 1
    return `The database is at revision${one ? "" : "s"} ${this.revisions.map(quote).join(", ")}, which no ` +
      `revision file defines: the file${one ? " is" : "s are"} missing, or the database was migrated from ` +
      `another history.`
  }
}

/** Two heads of which one builds on the other. */
export class DependentRecordedHeads extends Schema.TaggedError<DependentRecordedHeads>()("DependentRecordedHeads", {
  heads: Schema.Array(Schema.String),
  /** The ancestor, then the head built on it. */
  revisions: Schema.Tuple([Schema.String, Schema.String])
}) {
  override get message(): string {
    const [ancestor, descendant] = this.revisions.map(quote)
    return `The database's version table is inconsistent: it records both ${ancestor} and ${descendant} as ` +
      `heads, but ${descendant} builds on ${ancestor}. Repair the version table before migrating.`
  }
}

// Moves and merges.

/**
 * An upgrade to a state the database has already moved past, or a downgrade to one it has not reached: the
 * other command does what was meant.
 */
export class WrongDirection extends Schema.TaggedError<WrongDirection>()("WrongDirection", {
  /** The command that was asked for. */
  command: Schema.Literals(["upgrade", "downgrade"]),
  target: Schema.String,
  /** For an upgrade, the target revisions the database has moved past (none for base); for a downgrade, the
   * target revisions that are not applied. */
  revisions: Schema.Array(Schema.String),
  /** The database's heads (empty: base). */
  currentHeads: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const target = quote(this.target)
    const state = describeState(this.currentHeads)
    const subject = this.revisions.length === 0 ? "base" : listRevisionIds(this.revisions)
    const verb = this.revisions.length > 1 ? "are" : "is"
    return this.command === "upgrade"
      ? `Cannot upgrade to ${target}: ${subject} ${verb} behind the database, which is at ${state}. ` +
        `Use downgrade to go back.`
      : `Cannot downgrade to ${target}: ${subject} ${verb} not applied (the database is at ${state}). ` +
        `Use upgrade to move forward.`
  }
}

/** A merge revision was asked for while the history has fewer than two heads, so there is nothing to join. */
export class NothingToMerge extends Schema.TaggedError<NothingToMerge>()("NothingToMerge", {
  /** The history's heads: none or one. */
  heads: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.heads.length === 0
      ? "Nothing to merge: the history has no revisions yet."
      : `Nothing to merge: the history has a single head, ${listRevisionIds(this.heads)}.`
  }
}

/** What went wrong, one tagged class per failure. */
export const RevisionGraphErrorReason = Schema.Union([
  InvalidHistory,
  MalformedTarget,
  UnknownRevision,
  AmbiguousPrefix,
  SeveralHeads,
  PastHead,
  BelowBase,
  BranchesUp,
  MergeDown,
  SeveralCurrentHeads,
  MergeNeedsBranch,
  UnknownRecordedHeads,
  DependentRecordedHeads,
  WrongDirection,
  NothingToMerge
])
export type RevisionGraphErrorReason = typeof RevisionGraphErrorReason.Type

export class RevisionGraphError extends Schema.TaggedError<RevisionGraphError>()("RevisionGraphError", {
  reason: RevisionGraphErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
}
