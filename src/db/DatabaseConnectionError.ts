/**
 * The one error for "could not open the database": which database (never with its password), why, and what
 * to try next.
 */
import * as Schema from "effect/Schema"
import { isSqlError } from "effect/sql/SqlError"
import { formatCause } from "./FailureCause.ts"
import { describeSqlFailure } from "./SqlFailure.ts"

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
    /**
     * What failed: the driver's `SqlError` or the file system's error, or a sentence when metatables found the
     * problem itself (the directory is locked, or was written by another PGlite).
     */
    cause: Schema.Defect(),
    /** What the user can try. */
    hint: Schema.String
  }
) {
  /**
   * What the driver or the file system reported, read from the cause: of a database failure only its message,
   * since the hint already says what its SQLSTATE would.
   */
  get detail(): string {
    return isSqlError(this.cause) ? describeSqlFailure(this.cause).message : formatCause(this.cause)
  }

  override get message(): string {
    return `Cannot open the database ${this.database}: ${this.detail}. ${this.hint}`
  }
}
