/**
 * A failed command's error as a JSON document: the error's own fields, its message, and the cause it keeps,
 * shown by what the database reported (SQLSTATE, message, detail, hint) or the failure's message. A driver's
 * error can hold the statement, its parameters or a connection URL, and none of that is printed.
 *
 * Loaded only when a command fails (see `CommandRunner`), like everything a command does not need to start.
 */
import * as Predicate from "effect/Predicate"
import { isSqlError } from "effect/sql/SqlError"
import { reportCause } from "../db/FailureCause.ts"

/** A field of the document; an error it holds is shown by what `reportCause` reads, never dumped whole. */
const documentField = (value: unknown): unknown => value instanceof Error ? reportCause(value) : value

/** The document of `error`, the value a command failed with. */
export const errorDocument = (error: unknown): Record<string, unknown> => {
  if (!Predicate.isObject(error)) return { _tag: "UnknownError", message: String(error) }
  if (isSqlError(error)) return { _tag: error._tag, message: error.message, cause: reportCause(error) }
  const fields = Object.fromEntries(
    Object.entries(error).filter(([, value]) => !Predicate.isFunction(value)).map(([key, value]) => [key, documentField(value)])
  )
  const tag = Predicate.hasProperty(error, "_tag") && Predicate.isString(error._tag) ? error._tag : "Error"
  const message = error instanceof Error ? error.message : String(error)
  const cause = Predicate.hasProperty(error, "cause") && error.cause !== undefined ? { cause: reportCause(error.cause) } : {}
  return { ...fields, _tag: tag, message, ...cause }
}
