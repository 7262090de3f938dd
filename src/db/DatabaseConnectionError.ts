/**
 * The one error for "could not open the database": which database (never with its password), why, and what
 * to try next.
 */
import * as Schema from "effect/Schema"

export const ConnectionFailureReason = Schema.Literals([
  "unreachable",
  "authentication",
  "missing-database",
  "locked",
  "incompatible-data-directory",
  "failed"
])
export type ConnectionFailureReason = typeof ConnectionFailureReason.Type

export class DatabaseConnectionError extends Schema.TaggedError<DatabaseConnectionError>()(
  "DatabaseConnectionError",
  {
    /** The database, described without secrets (see `describeDatabaseTarget`). */
    database: Schema.String,
    reason: ConnectionFailureReason,
    /** What the driver or the file system reported. */
    detail: Schema.String,
    /** What the user can try. */
    hint: Schema.String
  }
) {
  override get message(): string {
    return `Cannot open the database ${this.database}: ${this.detail}. ${this.hint}`
  }
}
