/**
 * Applies a migration plan.
 *
 * The provider's advisory lock is held on a connection of its own (or by the caller, on another pool), so
 * nothing a revision runs can release it. The work runs on one reserved connection: under the lock it reads
 * the heads, plans, and runs each step. A transactional revision runs in a real transaction together with its
 * version-table and ledger rows, committed on success and rolled back on every other exit (a failure, a
 * defect, an interruption), so the connection never returns to the pool mid-transaction. A non-transactional
 * one runs statement by statement, recording its progress after each, so a rerun resumes after the last one
 * that succeeded; it is recorded as applied only once all succeeded. A failing statement leaves the version
 * table at the last good revision. The lock is released when the scope closes, even on failure or interruption.
 *
 * Past 400 lines because apply and stamp share the session (lock, reserved connection, rollback finalizer),
 * the edited-revision check and the resume point of non-transactional revisions; the SQL they send is built
 * in `VersionTable.ts` and the plan in `MigrationPlan.ts`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as Scope from "effect/Scope"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import { AdvisoryLockHolder, describeHolder, holdAdvisoryLock } from "../../db/AdvisoryLock.ts"
import { formatCause } from "../../db/FailureCause.ts"
import { stripLeadingComments } from "../../db/SqlScript.ts"
import {
  type MigrationDirection,
  type MigrationPlan,
  planMigration,
  type PlanError,
  planStamp,
  type PlannedStep,
  type PlanStatement,
  operationsDigest,
  resetSession,
  sessionStatements,
  stepScript
} from "./MigrationPlan.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import {
  selectHeads,
  recordApplied,
  selectLedger,
  selectProgress,
  selectVersionTablesPresent,
  type VersionTableLocation
} from "./VersionTable.ts"

/** The database failed while reading or preparing migration state (not inside a revision). */
export class MigrationDatabaseError extends Schema.TaggedError<MigrationDatabaseError>()("MigrationDatabaseError", {
  operation: Schema.String,
  /** The database's error; its report is read from it. */
  cause: Schema.Defect()
}) {
  /** Maps a failure of `operation` to this error, keeping the failure as its cause. */
  static readonly during = (operation: string) => (cause: unknown): MigrationDatabaseError =>
    new MigrationDatabaseError({ operation, cause })

  /** The database's report. */
  get detail(): string {
    return formatCause(this.cause)
  }

  override get message(): string {
    return `Could not ${this.operation}: ${this.detail}`
  }
}

/** Another migration of the same provider held the lock for longer than we would wait. */
export class MigrationLockTimeoutError extends Schema.TaggedError<MigrationLockTimeoutError>()(
  "MigrationLockTimeoutError",
  {
    provider: Schema.String,
    waitedSeconds: Schema.Number,
    /** The session that held the lock when we gave up, if one still did. */
    holder: Schema.NullOr(AdvisoryLockHolder)
  }
) {
  override get message(): string {
    return `Another migration of ${this.provider} is running, held by ${describeHolder(this.holder)}; gave up after ` +
      `waiting ${this.waitedSeconds} seconds for its lock. Try again when it has finished, or wait longer with ` +
      "--lock-timeout SECONDS."
  }
}

/** Applied revisions whose files changed since they were applied; apply refuses to go on over them. */
export class ChangedRevisionError extends Schema.TaggedError<ChangedRevisionError>()("ChangedRevisionError", {
  revisions: Schema.Array(Schema.Struct({
    revision: Schema.String,
    source: Schema.String,
    appliedChecksum: Schema.String,
    fileChecksum: Schema.String
  }))
}) {
  override get message(): string {
    const ids = this.revisions.map((entry) => entry.revision)
    return [
      `${ids.length === 1 ? "An applied revision was" : `${ids.length} applied revisions were`} edited after ` +
      "being applied, so the files no longer say what the database ran:",
      ...this.revisions.map((entry) =>
        `  - ${entry.revision} (${entry.source}): its file's SHA-256 is ${entry.fileChecksum.slice(0, 12)}, the ` +
        `ledger recorded ${entry.appliedChecksum.slice(0, 12)} when it was applied`
      ),
      "Restore the file as it was applied (see your version control), or, if the change is deliberate and the " +
      "database already matches it, accept it: `metatables migrations upgrade --accept-changed " +
      `${ids.join(" --accept-changed ")}\` records the new checksum${ids.length === 1 ? "" : "s"} and goes on.`
    ].join("\n")
  }
}

/** A revision failed; nothing of it was kept (unless it is not transactional) and the heads stayed. */
export class MigrationStepError extends Schema.TaggedError<MigrationStepError>()("MigrationStepError", {
  revision: Schema.String,
  source: Schema.String,
  direction: Schema.Literals(["up", "down"]),
  /** The failing operation's 1-based number in the revision's list, or null for the bookkeeping. */
  statementNumber: Schema.NullOr(Schema.Number),
  /** The beginning of the failing statement. */
  statement: Schema.String,
  /** What failed: the database's error, or the data migration's. */
  cause: Schema.Defect(),
  transactional: Schema.Boolean,
  /** The heads the version table still holds. */
  heads: Schema.Array(Schema.String)
}) {
  /** The database's (or the data migration's) report, read from the cause. */
  get detail(): string {
    return formatCause(this.cause)
  }

  override get message(): string {
    const where = this.statementNumber === null ? "recording it" : `statement ${this.statementNumber}`
    const kept = this.transactional
      ? "It was rolled back"
      : "It is not transactional: the statements before the failing one stay applied"
    return `Revision ${this.revision} (${this.source}) failed ${this.direction === "up" ? "upgrading" : "downgrading"} at ` +
      `${where}: ${this.detail}\n  ${this.statement}\n${kept}; the version table stays at ` +
      `${this.heads.join(", ") || "<base>"}.`
  }
}

export type ApplyError =
  | PlanError
  | ChangedRevisionError
  | MigrationLockTimeoutError
  | MigrationStepError
  | MigrationProgressError
  | MigrationDatabaseError

export interface AppliedStep {
  readonly revision: string
  readonly message: string
  readonly source: string
  readonly direction: "up" | "down"
  readonly headsAfter: ReadonlyArray<string>
  readonly durationMs: number
}

export interface ApplyOptions {
  /** The provider's key; it names the lock and the messages. */
  readonly providerKey: string
  readonly versionTable: VersionTableLocation
  /** How long to wait for another migration of the provider (default 60 seconds). */
  readonly lockWaitSeconds?: number | undefined
  /**
   * The caller holds the provider's migration lock already (`holdMigrationLock`, on another connection or
   * another pool), so apply does not take it; then apply needs one connection only.
   */
  readonly lockHeld?: boolean | undefined
  /** `lock_timeout` of every statement (default `10s`). */
  readonly lockTimeout?: string | undefined
  /**
   * Applied revisions whose edited files are accepted: their new checksums are recorded before anything runs.
   * Any other applied revision whose file changed makes apply refuse (`ChangedRevisionError`).
   */
  readonly acceptChanged?: ReadonlyArray<string> | undefined
  /** Called after each applied revision (progress). */
  readonly onStep?: ((step: AppliedStep) => Effect.Effect<void>) | undefined
  /** Called with each SQL statement before it runs. */
  readonly onStatement?: ((sql: string) => Effect.Effect<void>) | undefined
}

export interface ApplyRequest {
  readonly loaded: LoadedRevisions
  readonly direction: MigrationDirection
  readonly target: string
}

export interface LedgerEntry {
  readonly revision: string
  readonly checksum: string
  readonly appliedAt: Date
}

export interface MigrationState {
  readonly heads: ReadonlyArray<string>
  readonly ledger: ReadonlyArray<LedgerEntry>
}

interface SessionState extends MigrationState {
  /** Whether the progress table of non-transactional revisions exists. */
  readonly progressTable: boolean
}

export interface ApplyResult {
  readonly plan: MigrationPlan
  readonly applied: ReadonlyArray<AppliedStep>
  /** Applied revisions whose edited files were accepted (`acceptChanged`); their new checksums are recorded. */
  readonly editedRevisions: ReadonlyArray<EditedRevision>
}

export interface EditedRevision {
  readonly revision: string
  readonly source: string
  readonly appliedChecksum: string
  readonly fileChecksum: string
}

const query = <A>(connection: SqlConnection.Connection, sql: string, params: ReadonlyArray<unknown> = []) =>
  connection.executeUnprepared(sql, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

/** Runs one statement of the version-table reads: on a reserved connection, or on whatever `SqlClient` uses. */
type Reader = <A extends object>(sql: string) => Effect.Effect<ReadonlyArray<A>, SqlError>

/** The heads and ledger, or empty ones when the version tables do not exist yet. */
const readState = Effect.fn("MigrationApply.readState")(function*(read: Reader, location: VersionTableLocation) {
  const [presence] = yield* read<{ readonly present: boolean; readonly progress: boolean }>(
    selectVersionTablesPresent(location)
  )
  const progressTable = presence?.progress === true
  if (presence?.present !== true) return { heads: [], ledger: [], progressTable } satisfies SessionState
  const heads = yield* read<{ readonly revision: string }>(selectHeads(location))
  const ledger = yield* read<LedgerEntry>(selectLedger(location))
  return { heads: heads.map((row) => row.revision), ledger, progressTable } satisfies SessionState
}, (effect) => effect.pipe(Effect.mapError(MigrationDatabaseError.during("read the version table"))))

/**
 * The provider's heads and ledger, read without locking (for `current`, `history` and `check`), on the
 * connection `SqlClient` would use: inside a transaction, the transaction's, so a caller that switched role
 * for it (`asRunRole`) reads as that role.
 */
export const readMigrationState = Effect.fn("MigrationApply.readMigrationState")(function*(
  location: VersionTableLocation
): Effect.fn.Return<MigrationState, MigrationDatabaseError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const { heads, ledger } = yield* readState(<A extends object>(text: string) => sql.unsafe<A>(text), location)
  return { heads, ledger }
})

/** Applied revisions whose file is not the one that was applied. */
export const editedRevisions = (loaded: LoadedRevisions, ledger: ReadonlyArray<LedgerEntry>): ReadonlyArray<EditedRevision> =>
  ledger.flatMap((entry) => {
    const revision = loaded.revisions.get(entry.revision)
    return revision === undefined || revision.checksum === entry.checksum
      ? []
      : [{ revision: entry.revision, source: revision.source, appliedChecksum: entry.checksum, fileChecksum: revision.checksum }]
  })

/**
 * The applied revisions whose edited files `accepted` names; fails naming the others, if any. An accepted id
 * that is not edited is ignored (accepting twice is harmless).
 */
const checkEdited = (
  loaded: LoadedRevisions,
  ledger: ReadonlyArray<LedgerEntry>,
  accepted: ReadonlyArray<string> = []
): Effect.Effect<ReadonlyArray<EditedRevision>, ChangedRevisionError> => {
  const edited = editedRevisions(loaded, ledger)
  const refused = edited.filter((entry) => !accepted.includes(entry.revision))
  return refused.length > 0
    ? Effect.fail(new ChangedRevisionError({ revisions: refused }))
    : Effect.succeed(edited)
}

/**
 * Holds the provider's migration lock until the caller's scope closes, on a connection of the current client
 * that nothing else uses (see `holdAdvisoryLock`), waiting at most `waitSeconds` (default 60) for another
 * migration of the provider. Apply takes it itself unless told that its caller holds it (`lockHeld`).
 */
export const holdMigrationLock = (
  providerKey: string,
  options: { readonly waitSeconds?: number | undefined } = {}
): Effect.Effect<void, MigrationLockTimeoutError | MigrationDatabaseError, SqlClient.SqlClient | Scope.Scope> =>
  holdAdvisoryLock("migrations", providerKey, {
    timeoutSeconds: options.waitSeconds ?? 60,
    applicationName: `metatables migrations ${providerKey}`.slice(0, 63)
  }).pipe(
    Effect.mapError((error) =>
      error._tag === "AdvisoryLockTimeoutError"
        ? new MigrationLockTimeoutError({ provider: providerKey, waitedSeconds: error.waitedSeconds, holder: error.holder })
        : MigrationDatabaseError.during("take the migration lock")(error)
    )
  )

/**
 * How apply and stamp begin: the provider's lock held (unless the caller holds it), a reserved connection
 * for the work, and the heads and ledger read on it. When the scope closes other than in success, the
 * connection is put back as found (no transaction open, no lock timeout set) before it returns to the pool.
 */
const lockedSession = Effect.fn("MigrationApply.lockedSession")(function*(options: ApplyOptions) {
  if (options.lockHeld !== true) yield* holdMigrationLock(options.providerKey, { waitSeconds: options.lockWaitSeconds })
  const sql = yield* SqlClient.SqlClient
  const connection = yield* Effect.mapError(sql.reserve, MigrationDatabaseError.during("connect"))
  yield* Effect.addFinalizer((exit) =>
    Exit.isSuccess(exit)
      ? Effect.void
      : Effect.ignore(Effect.forEach(["ROLLBACK", ...resetSession], (statement) => query(connection, statement)))
  )
  const state = yield* readState((text) => query(connection, text), options.versionTable)
  return { sql, connection, state }
})

/**
 * Runs `body` in a transaction on `connection`: `BEGIN`, the body (its data migrations see the transaction
 * as their client's), then `COMMIT` on success and `ROLLBACK` on every other exit, a failure, a defect or an
 * interruption alike, so the connection never goes back with the transaction open.
 */
const inTransaction = <A, E, R>(
  sql: SqlClient.SqlClient,
  connection: SqlConnection.Connection,
  body: Effect.Effect<A, E, R>,
  control: (statement: "BEGIN;" | "COMMIT;") => Effect.Effect<unknown, SqlError>
): Effect.Effect<A, E | SqlError, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      yield* control("BEGIN;")
      const exit = yield* Effect.exit(restore(Effect.provideService(body, sql.transactionService, [connection, 0] as const)))
      if (Exit.isSuccess(exit)) {
        yield* restore(control("COMMIT;")).pipe(Effect.onError(() => Effect.ignore(query(connection, "ROLLBACK"))))
        return exit.value
      }
      yield* Effect.ignore(query(connection, "ROLLBACK"))
      return yield* exit
    })
  )

const excerpt = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > 240 ? `${flat.slice(0, 237)}...` : flat
}

/** A data migration's effect; one that throws, or returns something else than an Effect, fails with a cause that says so. */
const runDataMigration = (sql: SqlClient.SqlClient, statement: Extract<PlanStatement, { _tag: "DataMigration" }>) =>
  Effect.suspend(() => {
    const result = statement.run(sql)
    return Effect.isEffect(result as unknown)
      ? result.pipe(
        // It is handed the credential's connection (in its transaction) and nothing else: not the command's
        // services (the catalog on the administrator's connection, the command line's settings).
        Effect.updateContext((context: Context.Context<never>) => {
          const transaction = Context.getOption(context, sql.transactionService)
          return transaction._tag === "Some" ? Context.make(sql.transactionService, transaction.value) : Context.empty()
        })
      )
      : Effect.fail(new Error(`the data migration returned ${typeof result} instead of an Effect`) as unknown)
  }).pipe(Effect.catchDefect((defect) => Effect.fail(defect)))

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`
const CREATE_INDEX_CONCURRENTLY = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(${NAME})\s+ON\s+(?:ONLY\s+)?(${NAME}(?:\s*\.\s*${NAME})?)`,
  "i"
)
const unquote = (name: string): string => name.startsWith("\"") ? name.slice(1, -1).replaceAll("\"\"", "\"") : name.toLowerCase()

/**
 * A failed `CREATE INDEX CONCURRENTLY` leaves its index behind, marked invalid, and running the statement
 * again fails on the name. Before such a statement of a non-transactional revision, an invalid index of that
 * name on that table is dropped (`DROP INDEX CONCURRENTLY`), so a rerun after the fix can build it.
 */
const repairInvalidIndex = Effect.fn("MigrationApply.repairInvalidIndex")(function*(
  connection: SqlConnection.Connection,
  statement: string,
  run: (statement: string) => Effect.Effect<unknown, SqlError>
) {
  const match = CREATE_INDEX_CONCURRENTLY.exec(stripLeadingComments(statement))
  if (match === null) return
  const [invalid] = yield* query<{ readonly name: string }>(
    connection,
    "SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_index i " +
      "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace " +
      "WHERE i.indrelid = to_regclass($1) AND c.relname = $2 AND NOT i.indisvalid",
    [match[2]!, unquote(match[1]!)]
  )
  if (invalid !== undefined) yield* run(`DROP INDEX CONCURRENTLY IF EXISTS ${invalid.name};`)
})

/** A non-transactional revision's progress from an earlier run that stopped part-way, if any. */
const readProgress = (connection: SqlConnection.Connection, step: PlannedStep, location: VersionTableLocation) =>
  Effect.map(
    query<{ readonly direction: string; readonly statementsDone: number; readonly digest: string }>(
      connection,
      selectProgress(location, step.revision.id)
    ),
    ([row]) => row
  )

/**
 * Locks, plans under the lock and applies. With `request.direction` `upgrade` and the target already
 * reached, nothing is applied and the result says so; a second concurrent upgrade waits, then finds that.
 */
export const applyMigration = Effect.fn("MigrationApply.applyMigration")(function*(
  request: ApplyRequest,
  options: ApplyOptions
): Effect.fn.Return<ApplyResult, ApplyError, SqlClient.SqlClient | Scope.Scope> {
  const { sql, connection, state } = yield* lockedSession(options)
  const lockTimeout = options.lockTimeout ?? "10s"
  const onStatement = options.onStatement
  const run = (statement: string) =>
    onStatement === undefined ? query(connection, statement) : Effect.andThen(onStatement(statement), query(connection, statement))

  const plan = yield* Effect.fromResult(planMigration({
    loaded: request.loaded,
    currentHeads: state.heads,
    direction: request.direction,
    target: request.target,
    versionTable: options.versionTable
  }))
  for (const statement of sessionStatements({ lockTimeout })) {
    yield* run(statement).pipe(Effect.mapError(MigrationDatabaseError.during("set the lock timeout")))
  }
  for (const statement of plan.preamble) {
    yield* run(statement).pipe(Effect.mapError(MigrationDatabaseError.during("create the version table")))
  }
  const edited = yield* checkEdited(request.loaded, state.ledger, options.acceptChanged)
  if (edited.length > 0) {
    const accept = edited.map((entry) => recordApplied(options.versionTable, request.loaded.revisions.get(entry.revision)!))
    yield* inTransaction(sql, connection, Effect.forEach(accept, run), run).pipe(
      Effect.mapError(MigrationDatabaseError.during("record the accepted checksums"))
    )
  }

  /** A step's script; one handler names the statement that failed and reads where the version table stays. */
  const runStep = (step: PlannedStep) => {
    let current: PlanStatement | undefined
    const runAll = (statements: ReadonlyArray<PlanStatement>, inTransaction: boolean) =>
      Effect.gen(function*() {
        for (const statement of statements) {
          current = statement
          if (statement._tag === "DataMigration") {
            yield* runDataMigration(sql, statement)
          } else {
            if (!inTransaction && statement.operation !== undefined) yield* repairInvalidIndex(connection, statement.sql, run)
            yield* run(statement.sql)
          }
        }
        current = undefined
      })
    return Effect.gen(function*() {
      const progress = step.revision.transactional ? undefined : yield* readProgress(connection, step, options.versionTable)
      const resumeAfter = yield* resumePoint(step, progress)
      const script = stepScript(step, options.versionTable, { resumeAfter })
      yield* runAll(script.outside, false)
      yield* inTransaction(sql, connection, runAll(script.transaction, true), run)
    }).pipe(
      Effect.catch((error: unknown) =>
        Effect.gen(function*() {
          if (error instanceof MigrationProgressError) return yield* error
          const heads = yield* readState((text) => query(connection, text), options.versionTable).pipe(
            Effect.map((state) => state.heads),
            Effect.orElseSucceed(() => step.headsBefore)
          )
          return yield* new MigrationStepError({
            revision: step.revision.id,
            source: step.revision.source,
            direction: step.direction,
            statementNumber: current?.operation ?? null,
            statement: current === undefined
              ? "(the revision's bookkeeping)"
              : current._tag === "Sql"
              ? excerpt(current.sql)
              : "(data migration)",
            cause: error,
            transactional: step.revision.transactional,
            heads
          })
        })
      )
    )
  }

  const applied: Array<AppliedStep> = []
  for (const step of plan.steps) {
    const started = yield* Clock.currentTimeMillis
    yield* runStep(step)
    const done: AppliedStep = {
      revision: step.revision.id,
      message: step.revision.message,
      source: step.revision.source,
      direction: step.direction,
      headsAfter: step.headsAfter,
      durationMs: (yield* Clock.currentTimeMillis) - started
    }
    applied.push(done)
    if (options.onStep !== undefined) yield* options.onStep(done)
  }
  for (const statement of resetSession) {
    yield* run(statement).pipe(Effect.mapError(MigrationDatabaseError.during("reset the lock timeout")))
  }
  return { plan, applied, editedRevisions: edited }
}, Effect.scoped)

/** A non-transactional revision stopped part-way in an earlier run, and what already ran of it has changed since. */
export class MigrationProgressError extends Schema.TaggedError<MigrationProgressError>()("MigrationProgressError", {
  revision: Schema.String,
  source: Schema.String,
  /** How many of its operations the earlier run completed. */
  statementsDone: Schema.Number,
  /** What changed: `direction` (it was running the other way) or `statements`. */
  reason: Schema.Literals(["direction", "statements"])
}) {
  override get message(): string {
    return `Revision ${this.revision} (${this.source}) is not transactional and an earlier run stopped after its ` +
      `statement ${this.statementsDone}, ` +
      (this.reason === "direction"
        ? "running the other way. Finish that direction first (run the same command as then), or repair the schema by hand and record where it is with `migrations stamp`."
        : `but its first ${this.statementsDone} statements have changed since, so resuming after them would skip what ` +
          "the file now says. Restore them as they ran (fix only the statements after them), or repair the schema by " +
          "hand and record where it is with `migrations stamp`.")
  }
}

/** Where a non-transactional step resumes: after the statements an earlier run completed, if they are unchanged. */
const resumePoint = (
  step: PlannedStep,
  progress: { readonly direction: string; readonly statementsDone: number; readonly digest: string } | undefined
): Effect.Effect<number, MigrationProgressError> => {
  if (progress === undefined) return Effect.succeed(0)
  const refuse = (reason: "direction" | "statements") =>
    Effect.fail(
      new MigrationProgressError({
        revision: step.revision.id,
        source: step.revision.source,
        statementsDone: progress.statementsDone,
        reason
      })
    )
  if (progress.direction !== step.direction) return refuse("direction")
  if (
    progress.statementsDone > step.operations.length ||
    operationsDigest(step.operations.slice(0, progress.statementsDone)) !== progress.digest
  ) return refuse("statements")
  return Effect.succeed(progress.statementsDone)
}

export interface StampResult {
  readonly from: ReadonlyArray<string>
  readonly to: ReadonlyArray<string>
}

export interface StampMigrationRequest {
  readonly loaded: LoadedRevisions
  /** One target, or several recorded together (`stamp A B`). */
  readonly target: string | ReadonlyArray<string>
  /** Empty the version table first, whatever it holds (`stamp --purge`). */
  readonly purge?: boolean | undefined
}

/**
 * Sets the version table to the targets without running any revision (Alembic's `stamp`), for a database whose
 * schema already matches them; the ledger then lists the revisions they apply with their current checksums.
 */
export const stampMigration = Effect.fn("MigrationApply.stampMigration")(function*(
  request: StampMigrationRequest,
  options: ApplyOptions
): Effect.fn.Return<StampResult, ApplyError, SqlClient.SqlClient | Scope.Scope> {
  const { connection, sql, state } = yield* lockedSession(options)
  const plan = yield* Effect.fromResult(planStamp({
    loaded: request.loaded,
    currentHeads: state.heads,
    targets: typeof request.target === "string" ? [request.target] : request.target,
    purge: request.purge ?? false,
    versionTable: options.versionTable,
    progressTablePresent: state.progressTable
  }))
  const run = (statement: string) => Effect.andThen(options.onStatement?.(statement) ?? Effect.void, query(connection, statement))
  yield* Effect.forEach(plan.preamble, run).pipe(Effect.mapError(MigrationDatabaseError.during("create the version table")))
  yield* inTransaction(sql, connection, Effect.forEach(plan.transaction, run), run).pipe(
    Effect.mapError(MigrationDatabaseError.during("stamp the version table"))
  )
  return { from: plan.from, to: plan.to }
}, Effect.scoped)
