/**
 * Writes validated batches into their storage table on the table's grain: appends by COPY (binary where the
 * column types allow), merges staged by COPY or sent as arrays, chosen after a look at where the table ends;
 * it rewrites only rows whose values changed and reports what it did. The runner calls it inside the
 * transaction that also moves the node's watermarks and run counters.
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { RowShape } from "../datanode/RowShape.ts"
import { batchColumns, type ValidatedBatch } from "../datanode/ValidatedBatch.ts"
import { textArrayLiteral } from "../db/PgArrayLiteral.ts"
import { CopyBinaryUnreadable, copyBinary, hasBinaryWriter } from "../db/CopyBinary.ts"
import { copyConnection, copyIn, type CopyFormat, copyText } from "../db/PgCopy.ts"
import { describeSqlFailure } from "../db/SqlFailure.ts"
import { castType, upsertStatement } from "./internal/upsertStatement.ts"

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
  /** The batch as COPY data (`copyDataOf`), when the caller made it ahead of the write; else it is made here. */
  readonly copyData?: CopyData | undefined
}

/** A batch's rows as COPY data, in COPY's binary format where its column types allow, else in its text format. */
export interface CopyData {
  readonly format: CopyFormat
  readonly data: Uint8Array
}

/**
 * The rows of `batch` as COPY data: binary when every column's type has a binary writer (`db/CopyBinary.ts`:
 * timestamps, dates, float8, integers, booleans, text, uuids, json), which spares the server parsing each
 * value's text (and the numbers and booleans validation holds as such need none made); text otherwise. Pure and synchronous, so that the runner can make it for the next batch while
 * the database writes the current one.
 */
export const copyDataOf = (batch: ValidatedBatch): CopyData => {
  const types = batch.columns.map(castType)
  const columns = batchColumns(batch)
  if (types.every(hasBinaryWriter)) {
    try {
      return { format: "binary", data: copyBinary(types, columns, batch.rowCount) }
    } catch (error) {
      if (!(error instanceof CopyBinaryUnreadable)) throw error
    }
  }
  return { format: "text", data: copyText(columns, batch.rowCount) }
}

/**
 * A batch is merged from a staging table, reading the stored rows of its time range once, when that range
 * holds at most this many times its rows; past it, each row is looked up by the index instead.
 */
const STAGED_RANGE_FACTOR = 2

/**
 * On the embedded database an append goes in by COPY while the table's heap is under this size, and by the
 * plain insert past it: PGlite's COPY (text or binary) takes longer the larger the table it appends to, its
 * INSERT does not, and on the persist bench's table (about 70 bytes a row) the two cross at 100,000 to
 * 200,000 rows (`bench/persist.bench.ts`).
 */
const EMBEDDED_COPY_BYTES = 8 * 1024 * 1024

/** Staging tables are dropped at commit; a new name each time lets one transaction stage several batches. */
let stagingTables = 0
const stagingName = (): string => `metatables_staging_${++stagingTables}`

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
 * It first asks where the table ends (see `upsertStatement`). A batch wholly after the table's last time
 * index is inserted plainly, by `COPY ... FROM STDIN` (`db/PgCopy.ts`, on a server and on PGlite; an
 * `INSERT` where COPY is not to be had). A batch some of whose grains may be stored is COPY'd into a
 * temporary staging table and merged from there, its rows after the table's end inserted plainly, the rest
 * with `ON CONFLICT` once the rows stored with the same values are dropped; those are found by reading the
 * batch's time range once, when it holds not many more rows than the batch, else (and without an index to
 * read the last time index from, or without the right to make a temporary table) the batch goes in by the
 * statements over array parameters, which probe the index row by row. A concurrent writer committing the
 * same new grains first makes a plain insert fail with a unique violation; then the merge runs instead, and
 * counts the other writer's rows as it finds them (as if this batch had been written before them). Inside a
 * transaction the first attempt runs in a savepoint, so that its failure leaves the transaction usable.
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
  const params = () => (literals ??= batchColumns(batch).map(textArrayLiteral))
  let copyData = options.copyData
  const copied = () => (copyData ??= copyDataOf(batch))
  // Right before a main statement (after any savepoint), so that a waiting fiber runs while it executes.
  const beforeWrite = options.beforeWrite ?? Effect.void
  type Counts = { readonly inserted: bigint | number; readonly updated: bigint | number }
  const countsOf = ([counts]: ReadonlyArray<Counts>) => ({
    inserted: Number(counts?.inserted ?? 0),
    updated: Number(counts?.updated ?? 0)
  })
  const counted = (text: string) =>
    Effect.andThen(beforeWrite, Effect.map(Effect.suspend(() => sql.unsafe<Counts>(text, params())), countsOf))
  const merge = counted(statement.sql)
  const cap = batch.rowCount * STAGED_RANGE_FACTOR + 1
  const [boundary] = yield* sql.unsafe<{
    readonly indexed: boolean
    readonly past: boolean
    readonly within: bigint | number | null
    readonly bytes: bigint | number | null
  }>(statement.boundarySql, [batch.minTime, ...statement.boundaryParams, batch.maxTime, cap])
  const connection = yield* copyConnection
  const embedded = connection === "embedded"
  // An append goes in by COPY on the transaction's connection; by a plain insert where that is not to be had,
  // or on the embedded database once its COPY would be the slower.
  const insert = Effect.asVoid(Effect.suspend(() => sql.unsafe(statement.insertSql, params())))
  const append = embedded && Number(boundary?.bytes ?? 0) > EMBEDDED_COPY_BYTES
    ? Effect.andThen(beforeWrite, insert)
    : Effect.flatMap(
      Effect.andThen(beforeWrite, Effect.suspend(() => copyIn(statement.copyTarget, copied().format, copied().data))),
      (done): Effect.Effect<void, SqlError> => Option.isSome(done) ? Effect.void : insert
    )
  // A merge of a batch whose time range holds about its rows: staged by COPY, then one statement from there.
  const staged = Effect.gen(function*() {
    const staging = statement.staging(stagingName())
    yield* sql.unsafe(staging.createSql)
    yield* beforeWrite
    const done = yield* copyIn(staging.copyTarget, copied().format, copied().data)
    if (Option.isNone(done)) return yield* counted(statement.splitSql)
    return countsOf(yield* sql.unsafe<Counts>(staging.rangedSplitSql, [batch.minTime, batch.maxTime]))
  })
  // COPY needs the transaction's connection, and a staging table dropped at commit a transaction to live in.
  const inTransaction = Option.isSome(yield* Effect.serviceOption(sql.transactionService))
  const faster = boundary?.indexed !== true
    ? undefined
    : boundary.past
    ? Effect.as(append, { inserted: batch.rowCount, updated: 0 })
    : inTransaction && Number(boundary.within ?? cap) < cap
    ? staged
    : counted(statement.splitSql)
  // The savepoint lets the merge run after a concurrent writer's unique violation, or a refused COPY. The
  // embedded database has no concurrent writer (one connection, held by this transaction) and writes as its
  // superuser, whom neither policies nor privileges stop: an append there needs none (and its COPY measured
  // slower inside one).
  const unguarded = embedded && boundary?.past === true
  const attempt = faster === undefined ? merge : inTransaction && !unguarded ? sql.withTransaction(faster) : faster
  // A table with row-level security refuses COPY (SQLSTATE 0A000) for a writer that does not bypass it, as
  // the provider's run role does not, and a writer may lack the right to make a temporary table (42501):
  // such a batch goes in by the merge's INSERT, which policies allow.
  const { inserted, updated } = yield* attempt.pipe(
    Effect.catchIf(
      (error) =>
        faster !== undefined && !unguarded &&
        (error.reason._tag === "UniqueViolation" || ["0A000", "42501"].includes(describeSqlFailure(error).code ?? "")),
      () => merge
    )
  )
  return { inserted, updated, unchanged: batch.rowCount - inserted - updated }
})
