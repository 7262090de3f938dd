/**
 * Which failed attempts at a node's update the runner may repeat, decided from what the failure says of itself
 * rather than from its tag.
 *
 * A failure that carries `isRetryable` answers: an `SqlError` from its reason (a lost connection, a deadlock, a
 * serialization failure or a timeout may pass; a constraint violation or a syntax error does not), metatables'
 * errors from the database failure they keep (`CatalogStorageError`, `DependencyReadError`), and the errors of
 * wrong output (`RowValidationError`, `NodeOutputError`, ...) always no: the same rows fail again. An error
 * wrapping a database failure without saying (drizzle's query error, the Migrator's) answers as that failure.
 * A failure that says nothing is the update's own (a source that did not answer, say) and may pass.
 */
import { retryability } from "../db/FailureCause.ts"

/** Whether the runner may try a node's update again after it failed with `failure`. */
export const isRetryableFailure = (failure: unknown): boolean => retryability(failure) ?? true
