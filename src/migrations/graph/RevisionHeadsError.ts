/**
 * The heads recorded in a database's version table do not fit the revision graph: a revision whose file is
 * missing, or two heads of which one builds on the other.
 */
import * as Schema from "effect/Schema"

export class RevisionHeadsError extends Schema.TaggedError<RevisionHeadsError>()("RevisionHeadsError", {
  /** The heads as read from the database. */
  heads: Schema.Array(Schema.String),
  reason: Schema.Literals(["unknown-revision", "not-independent"]),
  /** The unknown ids, or for `not-independent` an ancestor followed by a head built on it. */
  revisions: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const listed = this.revisions.map((id) => JSON.stringify(id)).join(", ")
    switch (this.reason) {
      case "unknown-revision":
        return `The database is at revision${this.revisions.length === 1 ? "" : "s"} ${listed}, which no ` +
          `revision file defines: the file${this.revisions.length === 1 ? " is" : "s are"} missing, or the ` +
          `database was migrated from another history.`
      case "not-independent": {
        const [ancestor = "", descendant = ""] = this.revisions
        return `The database's version table is inconsistent: it records both ${JSON.stringify(ancestor)} and ` +
          `${JSON.stringify(descendant)} as heads, but ${JSON.stringify(descendant)} builds on ` +
          `${JSON.stringify(ancestor)}. Repair the version table before migrating.`
      }
    }
  }
}
