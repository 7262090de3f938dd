/**
 * Writes validated batches into their storage table: one idempotent upsert statement per batch on the
 * table's grain (chosen after a look at where the table ends), which rewrites only rows whose values changed
 * and reports what it did. The runner calls it inside the transaction that also moves the node's watermarks
 * and run counters.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { RowShape } from "../datanode/RowShape.ts"
import type { ValidatedBatch } from "../datanode/ValidatedBatch.ts"
import { textArrayLiteral } from "../db/PgArrayLiteral.ts"
import { copyIn, copyText } from "../db/PgCopy.ts"
import { describeSqlFailure } from "../db/SqlFailure.ts"
import { upsertStatement } from "./internal/upsertStatement.ts"

/** What one upsert did to each row of its batch. */
export interface PersistOutcome {
  /** Rows whose grain was new. */
  readonly inserted: number
  /** Rows whose grain existed with at least one different value, rewritten with the batch's values. */
  readonly updated: number
  /** Rows whose grain existed with the same values: left as they were, nothing rewritten. */
  readonly unchanged: number
}

/**
 * Rows per batch the runner hands to validation and `upsertBatch`.
 */
export const DEFAULT_BATCH_SIZE = 25_000

export const emptyOutcome: PersistOutcome = { inserted: 0, updated: 0, unchanged: 0 }

/** The sum of two outcomes, for a run's counters over its batches. */
export const addOutcomes = (left: PersistOutcome, right: PersistOutcome): PersistOutcome => ({
  inserted: left.inserted + right.inserted,
  updated: left.updated + right.updated,
  unchanged: left.unchanged + right.unchanged
})

export interface UpsertOptions {
  /**
   * Run just before the batch's main statement (the COPY, insert or merge) is sent; `completeWhenSent` makes
   * one that lets a waiting fiber (the runner, validating the next batch) run while the database executes it.
   */
  readonly beforeWrite?: Effect.Effect<void> | undefined
}

/**
 * A `beforeWrite` that completes `sent` once the statement is on its way. A fiber resumed from a `Deferred`
 * runs at once, in the completing fiber's turn, which would put the waiter's work before the statement is
 * sent; completing it from a microtask lets this fiber run on until it waits for the database first.
 */
export const completeWhenSent = (sent: Deferred.Deferred<void>): Effect.Effect<void> =>
  Effect.sync(() => queueMicrotask(() => Deferred.doneUnsafe(sent, Effect.void)))

/**
 * Upserts `batch` into the table of `shape` on its grain: new grains are inserted, existing ones get the
 * batch's non-grain columns only where a value differs, and columns the batch does not write keep their
 * default (insert) or stored value (update). It runs in the current transaction and opens none: a failing
 * statement leaves nothing once that transaction rolls back. An empty batch runs no query.
 *
 * It first asks where the table ends (see `upsertStatement`): a batch wholly after the table's last time
 * index is inserted plainly (by `COPY ... FROM STDIN` on a server, `db/PgCopy.ts`; an `INSERT` elsewhere), one partly after it has those rows inserted plainly and the rest merged, and
 * otherwise (or without an index to read the last time index from) the whole batch is merged with
 * `ON CONFLICT`. A concurrent writer committing the same new grains first makes a plain insert fail with a
 * unique violation; then the merge runs instead, and counts the other writer's rows as it finds them (as
 * if this batch had been written before them). Inside a transaction the first attempt runs in a savepoint,
 * so that its failure leaves the transaction usable.
 */
export const upsertBatch = Effect.fn("UpsertBatch.upsertBatch")(function*(
  shape: RowShape,
  batch: ValidatedBatch,
  options: UpsertOptions = {}
): Effect.fn.Return<PersistOutcome, SqlError, SqlClient.SqlClient> {
  if (batch.rowCount === 0) return emptyOutcome
  const sql = yield* SqlClient.SqlClient
  const statement = upsertStatement(shape, batch.columns)
  // The batch's encodings, each made only for the statement that sends it.
  let literals: ReadonlyArray<string> | undefined
  const params = () => (literals ??= batch.values.map(textArrayLiteral))
  // Right before a main statement (after any savepoint), so that a waiting fiber runs while it executes.
  const beforeWrite = options.beforeWrite ?? Effect.void
  const counted = (text: string) =>
    Effect.andThen(
      beforeWrite,
      Effect.map(
        Effect.suspend(() =>
          sql.unsafe<{ readonly inserted: bigint | number; readonly updated: bigint | number }>(text, params())
        ),
        ([counts]) => ({ inserted: Number(counts?.inserted ?? 0), updated: Number(counts?.updated ?? 0) })
      )
    )
  const merge = counted(statement.sql)
  const [boundary] = yield* sql.unsafe<{ readonly indexed: boolean; readonly past: boolean }>(
    statement.boundarySql,
    [batch.minTime, ...statement.boundaryParams]
  )
  // An append on a server goes in by COPY on the transaction's connection; elsewhere by a plain insert.
  const append = Effect.flatMap(
    Effect.andThen(beforeWrite, Effect.suspend(() => copyIn(statement.copySql, copyText(batch.values, batch.rowCount)))),
    (copied): Effect.Effect<void, SqlError> =>
      Option.isSome(copied) ? Effect.void : Effect.asVoid(Effect.suspend(() => sql.unsafe(statement.insertSql, params())))
  )
  const faster = boundary?.indexed !== true
    ? undefined
    : boundary.past
    ? Effect.as(append, { inserted: batch.rowCount, updated: 0 })
    : counted(statement.splitSql)
  const inTransaction = Option.isSome(yield* Effect.serviceOption(sql.transactionService))
  const attempt = faster === undefined ? merge : inTransaction ? sql.withTransaction(faster) : faster
  // A table with row-level security refuses COPY (SQLSTATE 0A000) for a writer that does not bypass it, as
  // the provider's run role does not: such a batch goes in by the merge's INSERT, which policies allow.
  const { inserted, updated } = yield* attempt.pipe(
    Effect.catchIf(
      (error) =>
        faster !== undefined &&
        (error.reason._tag === "UniqueViolation" || describeSqlFailure(error).code === "0A000"),
      () => merge
    )
  )
  return { inserted, updated, unchanged: batch.rowCount - inserted - updated }
})
