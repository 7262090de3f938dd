/**
 * Applies a migration plan on one reserved connection.
 *
 * The connection takes a session advisory lock for the (database, provider) pair, waiting up to a timeout;
 * under the lock it reads the heads, plans, and runs each step: a transactional revision in one transaction
 * together with its version-table and ledger rows, a non-transactional one statement by statement and
 * recorded only after it succeeds. A failing statement rolls its revision back and leaves the version table
 * at the last good revision. The lock is released when the scope closes, even on failure or interruption.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import { advisoryLockKeys, takeAdvisoryLock } from "../../db/AdvisoryLock.ts"
import { formatCause } from "../../db/FailureCause.ts"
import {
  type MigrationDirection,
  type MigrationPlan,
  planMigration,
  type PlanError,
  planStamp,
  type PlannedStep,
  resetSession,
  sessionStatements,
  stepStatements
} from "./MigrationPlan.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import {
  selectHeads,
  selectLedger,
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
    holderPid: Schema.NullOr(Schema.Number)
  }
) {
  override get message(): string {
    return `Another migration of ${this.provider} is running` +
      (this.holderPid === null ? "" : ` (database process ${this.holderPid})`) +
      `; gave up after waiting ${this.waitedSeconds} seconds for its lock. Try again when it has finished.`
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

export type ApplyError = PlanError | MigrationLockTimeoutError | MigrationStepError | MigrationDatabaseError

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
  /** `lock_timeout` of every statement (default `10s`). */
  readonly lockTimeout?: string | undefined
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

export interface ApplyResult {
  readonly plan: MigrationPlan
  readonly applied: ReadonlyArray<AppliedStep>
  /** Applied revisions whose files changed since (their checksum differs from the ledger's). */
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

/** The heads and ledger, or empty ones when the version tables do not exist yet. */
const readState = (connection: SqlConnection.Connection, location: VersionTableLocation) =>
  Effect.gen(function*() {
    const [presence] = yield* query<{ readonly present: boolean }>(connection, selectVersionTablesPresent(location))
    if (presence?.present !== true) return { heads: [], ledger: [] } satisfies MigrationState
    const heads = yield* query<{ readonly revision: string }>(connection, selectHeads(location))
    const ledger = yield* query<LedgerEntry>(connection, selectLedger(location))
    return { heads: heads.map((row) => row.revision), ledger } satisfies MigrationState
  }).pipe(Effect.mapError(MigrationDatabaseError.during("read the version table")))

/** The provider's heads and ledger, read without locking (for `current`, `history` and `check`). */
export const readMigrationState = (
  location: VersionTableLocation
): Effect.Effect<MigrationState, MigrationDatabaseError, SqlClient.SqlClient> =>
  Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const connection = yield* Effect.mapError(sql.reserve, MigrationDatabaseError.during("connect"))
    return yield* readState(connection, location)
  }))

/** Applied revisions whose file is not the one that was applied. */
export const editedRevisions = (loaded: LoadedRevisions, ledger: ReadonlyArray<LedgerEntry>): ReadonlyArray<EditedRevision> =>
  ledger.flatMap((entry) => {
    const revision = loaded.revisions.get(entry.revision)
    return revision === undefined || revision.checksum === entry.checksum
      ? []
      : [{ revision: entry.revision, source: revision.source, appliedChecksum: entry.checksum, fileChecksum: revision.checksum }]
  })

/** The provider's migration lock on `connection`, waiting up to `lockWaitSeconds`; released with the scope. */
const takeLock = (connection: SqlConnection.Connection, options: ApplyOptions) =>
  takeAdvisoryLock(connection, advisoryLockKeys(options.providerKey), {
    waitSeconds: options.lockWaitSeconds ?? 60
  }).pipe(
    Effect.mapError((error) =>
      error._tag === "AdvisoryLockTimeoutError"
        ? new MigrationLockTimeoutError({
          provider: options.providerKey,
          waitedSeconds: error.waitedSeconds,
          holderPid: error.holderPid
        })
        : MigrationDatabaseError.during("take the migration lock")(error)
    )
  )

/**
 * How apply and stamp begin: a reserved connection that holds the provider's lock (released when the scope
 * closes) and the heads and ledger read under it.
 */
const lockedSession = (options: ApplyOptions) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const connection = yield* Effect.mapError(sql.reserve, MigrationDatabaseError.during("connect"))
    yield* takeLock(connection, options)
    const state = yield* readState(connection, options.versionTable)
    return { sql, connection, state }
  })

const excerpt = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim()
  return flat.length > 240 ? `${flat.slice(0, 237)}...` : flat
}

/**
 * Locks, plans under the lock and applies. With `request.direction` `upgrade` and the target already
 * reached, nothing is applied and the result says so; a second concurrent upgrade waits, then finds that.
 */
export const applyMigration = (
  request: ApplyRequest,
  options: ApplyOptions
): Effect.Effect<ApplyResult, ApplyError, SqlClient.SqlClient> =>
  Effect.scoped(Effect.gen(function*() {
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
    // The lock timeout holds for the whole session; put back however apply ends.
    yield* Effect.addFinalizer((exit) =>
      Exit.isSuccess(exit) ? Effect.void : Effect.ignore(Effect.forEach(resetSession, (statement) => query(connection, statement)))
    )
    for (const statement of sessionStatements({ lockTimeout })) {
      yield* run(statement).pipe(Effect.mapError(MigrationDatabaseError.during("set the lock timeout")))
    }
    for (const statement of plan.preamble) {
      yield* run(statement).pipe(Effect.mapError(MigrationDatabaseError.during("create the version table")))
    }

    /** A step's statements in order; one handler rolls the step back and names the statement that failed. */
    const runStep = (step: PlannedStep) => {
      const statements = stepStatements(step)
      let current = 0
      return Effect.gen(function*() {
        for (; current < statements.length; current++) {
          const statement = statements[current]!
          yield* statement._tag === "Sql"
            ? run(statement.sql)
            : statement.run(sql).pipe(Effect.provideService(sql.transactionService, [connection, 0] as const))
        }
      }).pipe(
        Effect.catch((error: unknown) =>
          Effect.gen(function*() {
            const statement = statements[current]!
            if (step.revision.transactional) yield* Effect.ignore(query(connection, "ROLLBACK"))
            const heads = yield* readState(connection, options.versionTable).pipe(
              Effect.map((state) => state.heads),
              Effect.orElseSucceed(() => step.headsBefore)
            )
            return yield* new MigrationStepError({
              revision: step.revision.id,
              source: step.revision.source,
              direction: step.direction,
              statementNumber: statement.operation ?? null,
              statement: statement._tag === "Sql" ? excerpt(statement.sql) : "(data migration)",
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
    return { plan, applied, editedRevisions: editedRevisions(request.loaded, state.ledger) }
  }))

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
export const stampMigration = (
  request: StampMigrationRequest,
  options: ApplyOptions
): Effect.Effect<StampResult, ApplyError, SqlClient.SqlClient> =>
  Effect.scoped(Effect.gen(function*() {
    const { connection, state } = yield* lockedSession(options)
    const plan = yield* Effect.fromResult(planStamp({
      loaded: request.loaded,
      currentHeads: state.heads,
      targets: typeof request.target === "string" ? [request.target] : request.target,
      purge: request.purge ?? false,
      versionTable: options.versionTable
    }))
    for (const statement of plan.statements) {
      yield* Effect.andThen(options.onStatement?.(statement) ?? Effect.void, query(connection, statement)).pipe(
        Effect.tapError(() => Effect.ignore(query(connection, "ROLLBACK"))),
        Effect.mapError(MigrationDatabaseError.during("stamp the version table"))
      )
    }
    return { from: plan.from, to: plan.to }
  }))
