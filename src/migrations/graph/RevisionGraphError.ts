/**
 * The one error of the revision graph. Its `reason` says what went wrong, with the data a person needs to fix
 * it: a history that cannot form a graph, a target that names no single state, heads in the database that do
 * not fit the graph, a move the other command makes, or a merge with nothing to join. The message is the
 * reason's, built from its fields (as effect/sql's `SqlError` and its reasons). The file is longer than most
 * because the whole family lives in it, as the layout asks: one reason per failure, each with its message.
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
  /**
   * Revisions that descend from themselves, in order: each is a parent of the next, the last of the first;
   * `throughDependencies` when one of those links is a `dependsOn` rather than a parent.
   */
  Schema.TaggedStruct("RevisionCycle", {
    revisions: Schema.Array(Schema.String),
    sources: Schema.Array(Schema.String),
    throughDependencies: Schema.optional(Schema.Boolean)
  }),
  /** A merge lists `parent`, which its other parent or dependency `through` already builds on. */
  Schema.TaggedStruct("RedundantParent", {
    revision: Schema.String,
    parent: Schema.String,
    through: Schema.String,
    source: Source
  }),
  /** A `dependsOn` entry that is neither a revision id nor a branch label. */
  Schema.TaggedStruct("UnknownDependency", { revision: Schema.String, dependency: Schema.String, source: Source }),
  /** A `dependsOn` entry listed twice, or naming a revision that is already a parent. */
  Schema.TaggedStruct("RepeatedDependency", {
    revision: Schema.String,
    dependency: Schema.String,
    source: Source,
    reason: Schema.Literals(["repeated", "parent"])
  }),
  /** A branch label targets could not address: empty, a reserved word or a character targets use. */
  Schema.TaggedStruct("InvalidBranchLabel", {
    revision: Schema.String,
    label: Schema.String,
    source: Source,
    reason: Schema.Literals(["empty", "reserved-word", "illegal-character"])
  }),
  /** Several revisions declare the same branch label: `revisions` with their `sources`. */
  Schema.TaggedStruct("DuplicateBranchLabel", {
    label: Schema.String,
    revisions: Schema.Array(Schema.String),
    sources: Schema.Array(Schema.String)
  }),
  /** A branch label that is also a revision id, so a target naming it would mean two things. */
  Schema.TaggedStruct("BranchLabelIsRevisionId", { revision: Schema.String, label: Schema.String, source: Source })
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
      const link = problem.throughDependencies === true ? "a parent or a dependency" : "a parent"
      const path = problem.revisions.length === 1
        ? `revision ${quote(first)} is its own ${problem.throughDependencies === true ? "dependency" : "parent"}`
        : `cycle ${[...problem.revisions, first].map(quote).join(" -> ")} (each is ${link} of the next)`
      return problem.sources.length === 0 ? path : `${path}: ${problem.sources.join(", ")}`
    }
    case "RedundantParent":
      return `merge revision ${quote(problem.revision)}${inFile(problem.source)} lists parent ` +
        `${quote(problem.parent)}, which ${quote(problem.through)} already builds on: remove ${quote(problem.parent)} ` +
        `from its parents (a downgrade across it would otherwise record both as heads)`
    case "UnknownDependency":
      return `revision ${quote(problem.revision)}${inFile(problem.source)} depends on ${quote(problem.dependency)}, ` +
        `which is neither a revision id nor a branch label`
    case "RepeatedDependency":
      return problem.reason === "repeated"
        ? `revision ${quote(problem.revision)}${inFile(problem.source)} lists dependency ` +
          `${quote(problem.dependency)} more than once`
        : `revision ${quote(problem.revision)}${inFile(problem.source)} lists ${quote(problem.dependency)} both ` +
          `as a parent and as a dependency`
    case "InvalidBranchLabel":
      return `revision ${quote(problem.revision)}${inFile(problem.source)} declares ` +
        (problem.reason === "empty"
          ? "an empty branch label"
          : problem.reason === "reserved-word"
          ? `the branch label ${quote(problem.label)}, a reserved word (head, heads and base name targets)`
          : `the branch label ${quote(problem.label)}, which has whitespace or one of + - @ : , ` +
            `(targets such as LABEL@head use them)`)
    case "DuplicateBranchLabel":
      return `branch label ${quote(problem.label)} is declared by ${listRevisionIds(problem.revisions)}; a label ` +
        `names one branch` + (problem.sources.length === 0 ? "" : `: ${problem.sources.join(", ")}`)
    case "BranchLabelIsRevisionId":
      return `revision ${quote(problem.revision)}${inFile(problem.source)} declares the branch label ` +
        `${quote(problem.label)}, which is also a revision id`
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
    return `${quote(this.target)} is not a revision target (${this.detail}): expected head, heads, base, a ` +
      `revision id, a unique prefix of one or a branch label, each optionally followed by +N or -N; +N or -N ` +
      `alone (N at least 1); and BRANCH@ before any of them (BRANCH a branch label or a revision).`
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

/** `head` (or `BRANCH@head`) while the history (the branch) has several heads: `candidates`. */
export class SeveralHeads extends Schema.TaggedError<SeveralHeads>()("SeveralHeads", {
  target: Schema.String,
  candidates: Schema.Array(Schema.String),
  /** The branch as typed before `@`, when the target named one. */
  branch: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = this.branch === undefined ? "the history" : `branch ${quote(this.branch)}`
    const all = this.branch === undefined ? "heads" : `${this.branch}@heads`
    return `Target ${quote(this.target)} is ambiguous: ${where} has ${plural(this.candidates.length, "head")}, ` +
      `${listRevisionIds(this.candidates)}. Use ${quote(all)} for all of them, name one revision, or write a ` +
      `merge revision that joins them.`
  }
}

/** `BRANCH@...` where BRANCH is no branch label, no revision id and no prefix of one. */
export class UnknownBranch extends Schema.TaggedError<UnknownBranch>()("UnknownBranch", {
  target: Schema.String,
  branch: Schema.String
}) {
  override get message(): string {
    return `Unknown branch ${quote(this.branch)} in target ${quote(this.target)}: no branch label or revision id ` +
      `is ${quote(this.branch)}, and no revision id starts with it.`
  }
}

/** `BRANCH@REV` where REV is not on the branch: neither below nor above `branchRevision`, where it starts. */
export class NotOnBranch extends Schema.TaggedError<NotOnBranch>()("NotOnBranch", {
  target: Schema.String,
  branch: Schema.String,
  branchRevision: Schema.String,
  revision: Schema.String
}) {
  override get message(): string {
    const start = this.branch === this.branchRevision ? "" : ` (which starts at ${quote(this.branchRevision)})`
    return `Revision ${quote(this.revision)} in target ${quote(this.target)} is not on branch ` +
      `${quote(this.branch)}${start}: it neither builds on ${quote(this.branchRevision)} nor is built on by it.`
  }
}

/** A relative step from the database's heads where they are not read: offline `--sql`, or a local command. */
export class NeedsCurrentState extends Schema.TaggedError<NeedsCurrentState>()("NeedsCurrentState", {
  target: Schema.String
}) {
  override get message(): string {
    return `Target ${quote(this.target)} counts from the heads the database is at, which are not read here ` +
      `(offline --sql, or a command that does not open the database): count from a revision instead, such ` +
      `as ID-1 or BRANCH@head-1.`
  }
}

/** Revisions named together where one builds on the other: a state or a merge lists only the later one. */
export class OverlappingRevisions extends Schema.TaggedError<OverlappingRevisions>()("OverlappingRevisions", {
  /** What was asked for: a state (stamp, a target) or a merge. */
  purpose: Schema.Literals(["state", "merge"]),
  target: Schema.String,
  /** The ancestor, then the revision built on it. */
  revisions: Schema.Tuple([Schema.String, Schema.String])
}) {
  override get message(): string {
    const [ancestor, descendant] = this.revisions.map(quote)
    return this.purpose === "merge"
      ? `Cannot merge ${ancestor} and ${descendant}: ${descendant} already builds on ${ancestor}, so the merge ` +
        `would list a parent it has already.`
      : `Target ${quote(this.target)} names both ${ancestor} and ${descendant}, but ${descendant} builds on ` +
        `${ancestor}: a state records only the revision built last, so name ${descendant} alone.`
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

/**
 * After `steps` steps from the current state, the database would be at several heads (of `branch`, when the
 * target names one), so the next step could start from either: `candidates`.
 */
export class SeveralCurrentHeads extends Schema.TaggedError<SeveralCurrentHeads>()("SeveralCurrentHeads", {
  target: Schema.String,
  steps: Schema.Number,
  candidates: Schema.Array(Schema.String),
  branch: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = this.steps === 0 ? "the database is" : `${after(this.steps).trim()} the database would be`
    const of = this.branch === undefined ? "" : ` of branch ${quote(this.branch)}`
    const move = this.branch === undefined ? "a step down could leave either" : "a step could start from either"
    return `Target ${quote(this.target)} is ambiguous: ${where} at ${plural(this.candidates.length, "head")}${of}, ` +
      `${listRevisionIds(this.candidates)}, and ${move}. Name the revision to go to ` +
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

/** A merge of chosen revisions names one that is not a head; `heads` are the history's. */
export class MergeOfNonHead extends Schema.TaggedError<MergeOfNonHead>()("MergeOfNonHead", {
  revision: Schema.String,
  heads: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Cannot merge ${quote(this.revision)}: it is not a head (the history's heads are ` +
      `${describeState(this.heads)}). A merge joins heads; to build on an older revision, write a revision with ` +
      `--head ${this.revision} --splice.`
  }
}

/** A merge of chosen revisions that names fewer than two distinct ones. */
export class MergeNeedsTwo extends Schema.TaggedError<MergeNeedsTwo>()("MergeNeedsTwo", {
  revisions: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `A merge joins at least two heads; ${this.revisions.length === 0 ? "none was" : `only ${listRevisionIds(this.revisions)} was`} ` +
      `named.`
  }
}

/** What went wrong, one tagged class per failure. */
export const RevisionGraphErrorReason = Schema.Union([
  InvalidHistory,
  MalformedTarget,
  UnknownRevision,
  AmbiguousPrefix,
  SeveralHeads,
  UnknownBranch,
  NotOnBranch,
  NeedsCurrentState,
  OverlappingRevisions,
  PastHead,
  BelowBase,
  BranchesUp,
  MergeDown,
  SeveralCurrentHeads,
  MergeNeedsBranch,
  UnknownRecordedHeads,
  DependentRecordedHeads,
  WrongDirection,
  NothingToMerge,
  MergeOfNonHead,
  MergeNeedsTwo
])
export type RevisionGraphErrorReason = typeof RevisionGraphErrorReason.Type

export class RevisionGraphError extends Schema.TaggedError<RevisionGraphError>()("RevisionGraphError", {
  reason: RevisionGraphErrorReason
}) {
  override get message(): string {
    return this.reason.message
  }
}
