/**
 * Reads what the database said out of an `SqlError`, the same way for the server and the embedded client.
 *
 * Both clients keep a generic message on the error and the server's own report (SQLSTATE, message, detail,
 * hint) on its cause; errors shown to people need the latter.
 */
import * as Predicate from "effect/Predicate"
import type { SqlError } from "effect/sql/SqlError"

export interface SqlFailure {
  /** The SQLSTATE code, when the database sent one. */
  readonly code: string | undefined
  /** The database's own message, or the client's when there is none. */
  readonly message: string
  readonly detail: string | undefined
  readonly hint: string | undefined
  /** The constraint involved, for constraint violations. */
  readonly constraint: string | undefined
}

const stringField = (value: unknown, key: string): string | undefined =>
  Predicate.hasProperty(value, key) && Predicate.isString(value[key]) && value[key] !== "" ? value[key] : undefined

/** The database's report behind an `SqlError`. */
export const describeSqlFailure = (error: SqlError): SqlFailure => {
  const cause: unknown = error.reason.cause
  return {
    code: stringField(cause, "code"),
    // A reason made without a message has an empty one (it is an Error): then its tag is all there is to say.
    message: stringField(cause, "message") ?? (error.reason.message || error.reason._tag),
    detail: stringField(cause, "detail"),
    hint: stringField(cause, "hint"),
    constraint: stringField(cause, "constraint")
  }
}

/** One line for people: `message (SQLSTATE code) detail hint`. */
export const formatSqlFailure = (failure: SqlFailure): string =>
  [
    failure.message,
    failure.code === undefined ? undefined : `(SQLSTATE ${failure.code})`,
    failure.detail === undefined ? undefined : `Detail: ${failure.detail}`,
    failure.hint === undefined ? undefined : `Hint: ${failure.hint}`
  ].filter(Predicate.isNotUndefined).join(" ")
