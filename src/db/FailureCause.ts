/**
 * The one way the cause an error keeps is shown and judged: a line for its message, a small report for JSON
 * documents, and whether repeating the failed work may succeed.
 *
 * Only what is read here is ever shown: the database's report (message, SQLSTATE, detail, hint, constraint,
 * through `describeSqlFailure`) or an error's message, never the cause object itself. A cause can hold more
 * than people should see: PGlite's errors carry the statement and its parameter values, drizzle's query
 * errors put the statement (and, when asked, its parameters) in their message, and a connection URL that does
 * not parse fails with the whole URL, password included, attached to the error.
 */
import { EffectDrizzleQueryError } from "drizzle-orm/effect-core/errors"
import * as Cause from "effect/Cause"
import * as Predicate from "effect/Predicate"
import { MigrationError } from "effect/sql/Migrator"
import { isSqlError } from "effect/sql/SqlError"
import { describeSqlFailure, formatSqlFailure } from "./SqlFailure.ts"

/** What a JSON document shows of a cause: the database's report, or an error's tag and message. */
export interface CauseReport {
  /** `SqlError`, the error's tag or class name; absent for a sentence metatables wrote itself. */
  readonly _tag?: string | undefined
  readonly message: string
  /** The `SqlError` reason: `ConnectionError`, `UniqueViolation`, `SerializationError`, ... */
  readonly reason?: string | undefined
  /** The SQLSTATE code, when the database sent one. */
  readonly code?: string | undefined
  readonly detail?: string | undefined
  readonly hint?: string | undefined
  readonly constraint?: string | undefined
  /** Whether the database says that trying again may succeed. */
  readonly retryable?: boolean | undefined
  /** The failure beneath this one, when it keeps one. */
  readonly cause?: CauseReport | undefined
}

/** Causes wrap causes; a chain longer than this is cut (it can only be a cycle). */
const MAX_DEPTH = 8

const messageOf = (failure: unknown): string =>
  Predicate.isString(failure)
    ? failure
    : Predicate.hasProperty(failure, "message") && Predicate.isString(failure.message) && failure.message !== ""
    ? failure.message
    : Predicate.hasProperty(failure, "_tag") && Predicate.isString(failure._tag)
    ? failure._tag
    : String(failure)

const tagOf = (failure: unknown): string | undefined =>
  Predicate.hasProperty(failure, "_tag") && Predicate.isString(failure._tag)
    ? failure._tag
    : failure instanceof Error
    ? failure.name
    : undefined

/** An Effect `Cause` (drizzle keeps one) stands for the error it holds. */
const squash = (failure: unknown): unknown => Cause.isCause(failure) ? Cause.squash(failure) : failure

/** The error a failure keeps as its cause, when it keeps one (a sentence is not a failure beneath). */
const innerCause = (failure: unknown): unknown =>
  Predicate.hasProperty(failure, "cause") && Predicate.isObject(failure.cause) ? squash(failure.cause) : undefined

const isDatabaseFailure = (failure: unknown): boolean => isSqlError(failure) || failure instanceof EffectDrizzleQueryError

const format = (failure: unknown, depth: number): string => {
  const cause = squash(failure)
  if (isSqlError(cause)) return formatSqlFailure(describeSqlFailure(cause))
  // drizzle's message is the statement (with its parameters, when asked): the database's report says what failed.
  if (cause instanceof EffectDrizzleQueryError && depth < MAX_DEPTH) return format(cause.cause, depth + 1)
  const message = messageOf(cause)
  const inner = innerCause(cause)
  // Other errors are expected to say what went wrong in their message; the Migrator's names only the migration.
  if (inner === undefined || depth >= MAX_DEPTH || !(isDatabaseFailure(inner) || cause instanceof MigrationError)) {
    return message
  }
  const beneath = format(inner, depth + 1)
  return message.includes(beneath) ? message : `${message}: ${beneath}`
}

/**
 * One line for people: the database's report behind an `SqlError` (`message (SQLSTATE code) Detail: ...`), an
 * error's message (followed by the database's report when it wraps a database failure and does not say it
 * already), or the sentence itself.
 */
export const formatCause = (cause: unknown): string => format(cause, 0)

const report = (failure: unknown, depth: number): CauseReport => {
  const cause = squash(failure)
  if (isSqlError(cause)) {
    const failure = describeSqlFailure(cause)
    return {
      _tag: "SqlError",
      reason: cause.reason._tag,
      message: failure.message,
      code: failure.code,
      detail: failure.detail,
      hint: failure.hint,
      constraint: failure.constraint,
      retryable: cause.isRetryable
    }
  }
  if (cause instanceof EffectDrizzleQueryError && depth < MAX_DEPTH) return report(cause.cause, depth + 1)
  if (Predicate.isString(cause)) return { message: cause }
  const inner = innerCause(cause)
  return {
    _tag: tagOf(cause),
    message: messageOf(cause),
    cause: inner === undefined || depth >= MAX_DEPTH ? undefined : report(inner, depth + 1)
  }
}

/** The cause for a JSON document: only fields read on purpose, never the object, its stack or its statement. */
export const reportCause = (cause: unknown): CauseReport => report(cause, 0)

const judge = (wrapped: unknown, depth: number): boolean | undefined => {
  const failure = squash(wrapped)
  if (Predicate.hasProperty(failure, "isRetryable") && Predicate.isBoolean(failure.isRetryable)) {
    return failure.isRetryable
  }
  const inner = innerCause(failure)
  return inner === undefined || depth >= MAX_DEPTH ? undefined : judge(inner, depth + 1)
}

/**
 * What a failure says about trying again: its own `isRetryable` (an `SqlError` answers from its reason, and
 * metatables' errors answer from the cause they keep), else the answer of the failure it wraps; `undefined`
 * when nothing in the chain says.
 */
export const retryability = (failure: unknown): boolean | undefined => judge(failure, 0)
