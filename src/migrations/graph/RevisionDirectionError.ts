/**
 * An upgrade to a state the database has already moved past, or a downgrade to one it has not reached: the
 * other command does what was meant.
 */
import * as Schema from "effect/Schema"
import { listRevisionIds } from "./RevisionTargetError.ts"

export class RevisionDirectionError extends Schema.TaggedError<RevisionDirectionError>()("RevisionDirectionError", {
  /** The command that was asked for. */
  command: Schema.Literals(["upgrade", "downgrade"]),
  /** The target as typed. */
  target: Schema.String,
  /** For an upgrade, the target revisions the database has moved past (none for base); for a downgrade, the
   * target revisions that are not applied. */
  revisions: Schema.Array(Schema.String),
  /** The database's heads (empty: base). */
  currentHeads: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const target = JSON.stringify(this.target)
    const state = this.currentHeads.length === 0 ? "base" : listRevisionIds(this.currentHeads)
    const subject = this.revisions.length === 0 ? "base" : listRevisionIds(this.revisions)
    const verb = this.revisions.length > 1 ? "are" : "is"
    return this.command === "upgrade"
      ? `Cannot upgrade to ${target}: ${subject} ${verb} behind the database, which is at ${state}. ` +
        `Use downgrade to go back.`
      : `Cannot downgrade to ${target}: ${subject} ${verb} not applied (the database is at ${state}). ` +
        `Use upgrade to move forward.`
  }
}
