/**
 * The one error for a revision history that cannot form a graph: every problem found in it at once, each
 * naming the revision and the file it came from, so that a broken history is fixed in one pass.
 */
import * as Schema from "effect/Schema"

/** Where a revision came from (its file), when the caller knows it. */
const Source = Schema.optional(Schema.String)

/** One thing wrong with the history; a `RevisionGraphError` carries all of them. */
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

export class RevisionGraphError extends Schema.TaggedError<RevisionGraphError>()("RevisionGraphError", {
  /** Every problem found, in the order of the revisions given, then duplicates, then cycles. */
  problems: Schema.Array(RevisionGraphProblem)
}) {
  override get message(): string {
    const count = this.problems.length
    return `The revision history is not valid (${count} problem${count === 1 ? "" : "s"}):\n` +
      this.problems.map((problem) => `  - ${describeRevisionGraphProblem(problem)}`).join("\n")
  }
}
