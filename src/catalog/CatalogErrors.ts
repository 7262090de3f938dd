/**
 * What can go wrong in the catalog, each error carrying the table, owner and status a person needs to fix it,
 * and the database's failure beneath it when there is one.
 */
import * as Schema from "effect/Schema"
import { formatCause, retryability } from "../db/FailureCause.ts"

/** The catalog's database refused or failed an operation. */
export class CatalogStorageError extends Schema.TaggedError<CatalogStorageError>()("CatalogStorageError", {
  /** What the catalog was doing, e.g. "reserve tables". */
  operation: Schema.String,
  /**
   * What failed beneath: the database's error (an `SqlError`, or the `Migrator`'s error around one), or a
   * sentence when the catalog found the problem itself.
   */
  cause: Schema.Defect()
}) {
  /** Maps a failure of `operation` to this error, keeping the failure as its cause. */
  static readonly during = (operation: string) => (cause: unknown): CatalogStorageError =>
    new CatalogStorageError({ operation, cause })

  /** The database's report (read from the cause), or the catalog's own finding. */
  get detail(): string {
    return formatCause(this.cause)
  }

  /** Whether doing it again may succeed: only when the database says so (lost connection, deadlock, ...). */
  get isRetryable(): boolean {
    return retryability(this.cause) ?? false
  }

  override get message(): string {
    return `The catalog could not ${this.operation}: ${this.detail}`
  }
}

/**
 * A row read from the catalog does not have the shape this metatables writes: edited by hand, or written by
 * another version.
 */
export class InvalidCatalogRowError extends Schema.TaggedError<InvalidCatalogRowError>()("InvalidCatalogRowError", {
  /** `schema.table` the row was read from. */
  table: Schema.String,
  /** The column, followed by the path inside it for JSON columns (`error.message`). */
  field: Schema.String,
  /** What is wrong with the value. */
  problem: Schema.String
}) {
  /** Reading the row again finds the same value. */
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    return `A row of ${this.table} has an invalid ${this.field}: ${this.problem}. The catalog holds a value this ` +
      "metatables did not write; was the row edited by hand, or written by another version of metatables?"
  }
}

/** The configured catalog schema is not a plain identifier. */
export class InvalidCatalogSchemaError extends Schema.TaggedError<InvalidCatalogSchemaError>()(
  "InvalidCatalogSchemaError",
  { schema: Schema.String }
) {
  override get message(): string {
    return `The catalog schema ${JSON.stringify(this.schema)} must be a lower-case identifier ` +
      "(letters, digits and _, starting with a letter or _, at most 63 characters)."
  }
}

export const ReservationRefusal = Schema.Literals([
  "foreign-owner",
  "other-data-source",
  "failed",
  "deleted",
  "duplicate",
  "identifier-taken",
  "role-mismatch"
])
export type ReservationRefusal = typeof ReservationRefusal.Type

/** A provider asked for a table row it may not have. */
export class TableReservationError extends Schema.TaggedError<TableReservationError>()("TableReservationError", {
  /** `schema.table`. */
  table: Schema.String,
  identifier: Schema.String,
  reason: ReservationRefusal,
  /** The provider asking. */
  provider: Schema.String,
  /** The provider that owns the existing row, when there is one. */
  owner: Schema.NullOr(Schema.String),
  /** The existing row's status, when there is one. */
  status: Schema.NullOr(Schema.String),
  /** More about the conflict (the other identifier, the other data source, the failure reason). */
  detail: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    const subject = `Table ${this.table} (${this.identifier})`
    const held = `owner ${this.owner ?? "none"}, status ${this.status ?? "none"}`
    switch (this.reason) {
      case "foreign-owner":
        return `${subject} belongs to provider ${this.owner ?? "none"} (status ${this.status ?? "none"}); ` +
          `provider ${this.provider} cannot reserve it. Rename the table, or migrate it with its owner's provider.`
      case "other-data-source":
        return `${subject} is registered in another data source (${this.detail ?? "unknown"}; ${held}); ` +
          "it cannot be reserved here."
      case "failed":
        return `${subject} is marked failed (${held})${this.detail === null ? "" : `: ${this.detail}`}. ` +
          "Repair the table and its catalog row before migrating it again."
      case "deleted":
        return `${subject} was deleted from the catalog (${held}). Give the table a new name to create it again.`
      case "duplicate":
        return `${subject} is declared more than once in provider ${this.provider}'s scope` +
          `${this.detail === null ? "" : ` (${this.detail})`}; each physical table may appear once.`
      case "identifier-taken":
        return `${subject}: the identifier is already used in its namespace by ${this.detail ?? "another table"} ` +
          `(${held}). Identifiers are unique within a namespace; choose another one.`
      case "role-mismatch":
        return `${subject} is registered as ${this.detail ?? "another kind of table"} (${held}); it cannot be ` +
          "reused as an application table."
    }
  }
}

/** The provider's version registry row exists but does not match the provider. */
export class VersionRegistryError extends Schema.TaggedError<VersionRegistryError>()("VersionRegistryError", {
  table: Schema.String,
  provider: Schema.String,
  /** Each field that differs, as `field: expected X, found Y`. */
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `The catalog row of ${this.table} is incompatible with provider ${this.provider}'s version ` +
      `registry: ${this.problems.join("; ")}. Give the provider its own version table.`
  }
}

export const CredentialFailure = Schema.Literals(["ttl-out-of-range", "not-permitted", "failed"])
export type CredentialFailure = typeof CredentialFailure.Type

/** A migration credential could not be issued. */
export class CredentialError extends Schema.TaggedError<CredentialError>()("CredentialError", {
  provider: Schema.String,
  reason: CredentialFailure,
  /** The database's error for `not-permitted` and `failed`; the lifetime asked for (`N seconds`) for `ttl-out-of-range`. */
  cause: Schema.Defect()
}) {
  /** The database's report (read from the cause), or the lifetime asked for. */
  get detail(): string {
    return formatCause(this.cause)
  }

  override get message(): string {
    switch (this.reason) {
      case "ttl-out-of-range":
        return `A migration credential for ${this.provider} cannot live ${this.detail}: choose 60 to 3600 seconds.`
      case "not-permitted":
        return `The database user may not create migration roles for ${this.provider}: ${this.detail}. ` +
          "Connect as a user with CREATEROLE (and CREATE on the database)."
      case "failed":
        return `Issuing a migration credential for ${this.provider} failed: ${this.detail}`
    }
  }
}

/**
 * A migration credential could not be fully revoked: its sessions did not all end, or its role could not be
 * dropped. Nothing is hidden: the role and the sessions left are named so that an operator can end them.
 */
export class CredentialRevokeError extends Schema.TaggedError<CredentialRevokeError>()("CredentialRevokeError", {
  role: Schema.String,
  /** Server process ids of the role's sessions that were still alive. */
  sessionsLeft: Schema.Array(Schema.Number),
  /** Whether the role itself was dropped. */
  dropped: Schema.Boolean,
  /** The database's error, or a sentence saying what did not happen. */
  cause: Schema.Defect()
}) {
  get detail(): string {
    return formatCause(this.cause)
  }

  override get message(): string {
    const sessions = this.sessionsLeft.length === 0
      ? ""
      : ` ${this.sessionsLeft.length} session(s) of it are still alive (pids ${this.sessionsLeft.join(", ")}); ` +
        "end them with pg_terminate_backend as a superuser."
    return this.dropped
      ? `The migration role ${this.role} was dropped, but not every session ended: ${this.detail}.${sessions}`
      : `The migration role ${this.role} could not be dropped: ${this.detail}.${sessions} ` +
        `Drop it as a superuser (DROP ROLE "${this.role}"), or run the upgrade again, which removes it.`
  }
}

/** A protected table cannot be marked deleted. */
export class DeletionProtectedError extends Schema.TaggedError<DeletionProtectedError>()("DeletionProtectedError", {
  uid: Schema.String,
  identifier: Schema.String,
  table: Schema.String
}) {
  override get message(): string {
    return `Table ${this.table} (${this.identifier}, ${this.uid}) is protected from deletion; ` +
      "turn protectFromDeletion off in its definition and migrate before deleting it."
  }
}

export class CatalogTableNotFoundError extends Schema.TaggedError<CatalogTableNotFoundError>()(
  "CatalogTableNotFoundError",
  { reference: Schema.String }
) {
  override get message(): string {
    return `No catalog table matches ${JSON.stringify(this.reference)} (looked for a uid, a physical table ` +
      "name and an identifier). `metatables catalog list` shows the known tables."
  }
}

/** Attaching to a catalog that is missing or at another version than this metatables writes. */
export class CatalogNotReadyError extends Schema.TaggedError<CatalogNotReadyError>()("CatalogNotReadyError", {
  schema: Schema.String,
  /** The catalog's version in the database, 0 when there is none. */
  found: Schema.Number,
  expected: Schema.Number,
  /** Who attached: "startEngine", "nodes status", ... */
  attaching: Schema.String
}) {
  override get message(): string {
    const where = `schema "${this.schema}"`
    if (this.found === 0) {
      return `There is no metatables catalog in ${where} of this database, so ${this.attaching} has nothing to ` +
        "attach to. Run `metatables migrations upgrade` first: it creates the catalog " +
        "and the tables your nodes write."
    }
    if (this.found > this.expected) {
      return `The catalog in ${where} is at version ${this.found}, newer than this metatables understands ` +
        `(${this.expected}). Upgrade metatables in this project.`
    }
    return `The catalog in ${where} is at version ${this.found}; this metatables needs version ${this.expected}. ` +
      `${this.attaching} never changes the database: run \`metatables migrations upgrade\`, which brings the catalog up to date.`
  }
}
