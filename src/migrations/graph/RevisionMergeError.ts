/**
 * A merge revision was asked for while the history has fewer than two heads, so there is nothing to join.
 */
import * as Schema from "effect/Schema"
import { listRevisionIds } from "./RevisionTargetError.ts"

export class RevisionMergeError extends Schema.TaggedError<RevisionMergeError>()("RevisionMergeError", {
  /** The history's heads: none or one. */
  heads: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.heads.length === 0
      ? "Nothing to merge: the history has no revisions yet."
      : `Nothing to merge: the history has a single head, ${listRevisionIds(this.heads)}.`
  }
}
