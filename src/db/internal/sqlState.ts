/**
 * Which kind of failure a database error is, by its SQLSTATE, for the clients metatables drives itself (the
 * embedded PGlite client, and COPY on a server connection): the same `SqlError` reasons `@effect/sql-pg`
 * gives, so that callers (retries, the unique-violation fallback of a plain insert) ask one question.
 */
import * as Predicate from "effect/Predicate"
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  ConstraintError,
  DeadlockError,
  LockTimeoutError,
  SerializationError,
  type SqlErrorReason,
  SqlSyntaxError,
  StatementTimeoutError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"

const codeOf = (cause: unknown): string | undefined =>
  Predicate.hasProperty(cause, "code") && Predicate.isString(cause.code) ? cause.code : undefined

const constraintOf = (cause: unknown): string =>
  Predicate.hasProperty(cause, "constraint") && Predicate.isString(cause.constraint) && cause.constraint !== ""
    ? cause.constraint
    : "unknown"

/**
 * The `SqlError` reason for a failure the database reported, from its SQLSTATE (`cause.code`), the same
 * reasons `@effect/sql-pg` gives: `cause` is the database's report (code, message, detail, constraint).
 */
export const classifySqlState = (cause: unknown, message: string, operation: string): SqlErrorReason => {
  const props = { cause, message, operation }
  const code = codeOf(cause)
  if (code === undefined) return new UnknownError(props)
  if (code.startsWith("08")) return new ConnectionError(props)
  if (code.startsWith("28")) return new AuthenticationError(props)
  if (code === "42501") return new AuthorizationError(props)
  if (code.startsWith("42")) return new SqlSyntaxError(props)
  if (code === "23505") return new UniqueViolation({ ...props, constraint: constraintOf(cause) })
  if (code.startsWith("23")) return new ConstraintError(props)
  if (code === "40P01") return new DeadlockError(props)
  if (code === "40001") return new SerializationError(props)
  if (code === "55P03") return new LockTimeoutError(props)
  if (code === "57014") return new StatementTimeoutError(props)
  return new UnknownError(props)
}

