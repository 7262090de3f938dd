/**
 * The plan of a migration: the ordered steps between the database's heads and a target, each with the
 * operations of its revision and the bookkeeping (version table, ledger) written with them. Pure: the same
 * plan is printed as SQL (`--sql`), reported as JSON, and executed, statement for statement.
 */
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import * as NodeCrypto from "node:crypto"
import type { Revision, RevisionOperation } from "../files/Revision.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import { stampedHeads } from "../graph/RevisionStamp.ts"
import { downgradeSteps, upgradeSteps } from "../graph/RevisionSteps.ts"
import { type ResolvedRevisionTarget, resolveRevisionTarget } from "../graph/RevisionTarget.ts"
import type { RevisionGraphError } from "../graph/RevisionGraphError.ts"
import {
  clearAllProgress,
  clearHeads,
  clearProgress,
  createProgressTable,
  createVersionTables,
  moveHeads,
  qualifiedLedgerTable,
  recordApplied,
  recordProgress,
  recordUnapplied,
  stepBookkeeping,
  type VersionTableLocation
} from "./VersionTable.ts"
import { quoteLiteral } from "../../db/SqlText.ts"

export type MigrationDirection = "upgrade" | "downgrade"

export interface PlannedStep {
  readonly revision: Revision
  readonly direction: "up" | "down"
  readonly headsBefore: ReadonlyArray<string>
  readonly headsAfter: ReadonlyArray<string>
  /** The revision's upgrade or downgrade operations, in order. */
  readonly operations: ReadonlyArray<RevisionOperation>
  /** The version table and ledger statement, run after the operations, in the same transaction. */
  readonly bookkeeping: string
}

export interface MigrationPlan {
  readonly direction: MigrationDirection
  /** The target as typed. */
  readonly target: string
  readonly from: ReadonlyArray<string>
  readonly to: ReadonlyArray<string>
  /** Creates the version table and ledger when missing. */
  readonly preamble: ReadonlyArray<string>
  readonly steps: ReadonlyArray<PlannedStep>
  /** Where the plan keeps its bookkeeping. */
  readonly versionTable: VersionTableLocation
}

export type PlanError = RevisionGraphError

export interface PlanRequest {
  readonly loaded: LoadedRevisions
  readonly currentHeads: ReadonlyArray<string>
  readonly direction: MigrationDirection
  readonly target: string
  readonly versionTable: VersionTableLocation
}

export const planMigration = (request: PlanRequest): Result.Result<MigrationPlan, PlanError> =>
  Result.gen(function*() {
    const { direction, loaded, versionTable } = request
    const resolved = yield* resolveRevisionTarget(loaded.graph, request.target, request.currentHeads)
    const steps = yield* (direction === "upgrade" ? upgradeSteps : downgradeSteps)(
      loaded.graph,
      request.currentHeads,
      resolved
    )
    const planned = steps.map((step): PlannedStep => {
      const revision = loaded.revisions.get(step.revision)!
      const up = step.direction === "up"
      return {
        revision,
        direction: step.direction,
        headsBefore: step.headsBefore,
        headsAfter: step.headsAfter,
        operations: up ? revision.upgrade : revision.downgrade,
        bookkeeping: stepBookkeeping(versionTable, {
          headsBefore: step.headsBefore,
          headsAfter: step.headsAfter,
          ledger: up ? recordApplied(versionTable, revision) : recordUnapplied(versionTable, revision.id)
        })
      }
    })
    const from = [...new Set(request.currentHeads)].sort()
    return {
      direction,
      target: request.target,
      from,
      to: planned.at(-1)?.headsAfter ?? from,
      preamble: planned.some((step) => !step.revision.transactional)
        ? [...createVersionTables(versionTable), ...createProgressTable(versionTable)]
        : createVersionTables(versionTable),
      steps: planned,
      versionTable
    }
  })

export interface StampRequest {
  readonly loaded: LoadedRevisions
  readonly currentHeads: ReadonlyArray<string>
  /** The targets as typed; their states are recorded together. */
  readonly targets: ReadonlyArray<string>
  /** Empty the version table first, whatever it holds (unknown revisions included). */
  readonly purge: boolean
  readonly versionTable: VersionTableLocation
  /** Whether the progress table exists (a stamp then forgets every part-way revision's progress). */
  readonly progressTablePresent?: boolean | undefined
}

/** What `stamp` writes: the version table moved from `from` to `to`, and the ledger listing what `to` applies. */
export interface StampPlan {
  readonly targets: ReadonlyArray<string>
  readonly purge: boolean
  readonly from: ReadonlyArray<string>
  readonly to: ReadonlyArray<string>
  /** Creates the version tables when missing, before the transaction. */
  readonly preamble: ReadonlyArray<string>
  /** Every statement of the stamp, in order, run in one transaction. */
  readonly transaction: ReadonlyArray<string>
}

/**
 * The stamp of `targets` over the current heads (see `stampedHeads`): no revision runs; the version table
 * records the new heads and the ledger the revisions they apply, with their files' current checksums.
 */
export const planStamp = (request: StampRequest): Result.Result<StampPlan, PlanError> =>
  Result.gen(function*() {
    const { loaded, versionTable } = request
    const current = request.purge ? undefined : request.currentHeads
    const resolved: Array<ResolvedRevisionTarget> = []
    for (const target of request.targets) resolved.push(yield* resolveRevisionTarget(loaded.graph, target, current))
    const to = yield* stampedHeads(loaded.graph, request.currentHeads, resolved, { purge: request.purge })
    const from = [...new Set(request.currentHeads)].sort()
    const applied = loaded.graph.inTopologicalOrder(loaded.graph.appliedSet(to))
    const ledger = qualifiedLedgerTable(versionTable)
    return {
      targets: request.targets,
      purge: request.purge,
      from,
      to,
      preamble: createVersionTables(versionTable),
      transaction: [
        ...(request.purge ? [clearHeads(versionTable), ...moveHeads(versionTable, [], to)] : moveHeads(versionTable, from, to)),
        applied.length === 0
          ? `DELETE FROM ${ledger};`
          : `DELETE FROM ${ledger} WHERE "revision" NOT IN (${applied.map(quoteLiteral).join(", ")});`,
        ...applied.map((id) => recordApplied(versionTable, loaded.revisions.get(id)!)),
        ...(request.progressTablePresent === true ? [clearAllProgress(versionTable)] : [])
      ]
    }
  })

/** The stamp as a SQL script: exactly what `stamp` executes, with a comment saying what it records. */
export const renderStampSql = (plan: StampPlan): string =>
  [
    `-- metatables stamp ${plan.purge ? "--purge " : ""}${plan.targets.join(" ")}: ${plan.from.join(", ") || "<base>"} -> ` +
    `${plan.to.join(", ") || "<base>"}, no revision runs`,
    "",
    ...plan.preamble,
    "BEGIN;",
    ...plan.transaction,
    "COMMIT;",
    ""
  ].join("\n")

/** The session the plan runs in: the lock timeout every DDL statement waits at most. */
export interface StatementOptions {
  readonly lockTimeout: string
}

/** Opens the plan's session: set once, for every step (`resetSession` undoes it). */
export const sessionStatements = (options: StatementOptions): ReadonlyArray<string> => [
  `SET lock_timeout = ${quoteLiteral(options.lockTimeout)};`
]

/** Closes the plan's session, leaving the connection as it was found. */
export const resetSession: ReadonlyArray<string> = ["RESET lock_timeout;"]

/** One thing apply does, in order: a SQL statement, or a data migration (TypeScript, online only). */
export type PlanStatement =
  | {
    readonly _tag: "Sql"
    readonly sql: string
    /** The revision operation's 1-based number; undefined for bookkeeping and progress records. */
    readonly operation: number | undefined
  }
  | { readonly _tag: "DataMigration"; readonly run: Exclude<RevisionOperation, string>; readonly operation: number }

const withSemicolon = (statement: string): string => {
  const trimmed = statement.trimEnd()
  return trimmed.endsWith(";") ? trimmed : `${trimmed};`
}

/**
 * A step as it runs: `outside` any transaction (the operations of a non-transactional revision, each
 * followed by the record of its progress), then `transaction`, one transaction that apply opens and commits
 * itself (`BEGIN` and `COMMIT` in the printed SQL) and rolls back on any other exit.
 */
export interface StepScript {
  readonly outside: ReadonlyArray<PlanStatement>
  readonly transaction: ReadonlyArray<PlanStatement>
}

/** SHA-256 over a revision's first operations, so a resumed run knows that what already ran is unchanged. */
export const operationsDigest = (operations: ReadonlyArray<RevisionOperation>): string => {
  const hash = NodeCrypto.createHash("sha256")
  for (const operation of operations) hash.update(String(operation)).update("\u0000")
  return hash.digest("hex")
}

/**
 * A step's script. A transactional step is one transaction: operations and bookkeeping commit together. A
 * non-transactional one runs its operations as they are, records after each how far it got (so a rerun
 * resumes after the last one that succeeded; `resumeAfter` skips those), then records the revision and
 * forgets that progress in one transaction.
 */
export const stepScript = (
  step: PlannedStep,
  versionTable: VersionTableLocation,
  options: { readonly resumeAfter?: number | undefined } = {}
): StepScript => {
  const sql = (text: string, operation?: number): PlanStatement => ({ _tag: "Sql", sql: withSemicolon(text), operation })
  const operation = (value: RevisionOperation, index: number): PlanStatement =>
    Predicate.isString(value) ? sql(value, index + 1) : { _tag: "DataMigration", run: value, operation: index + 1 }
  const bookkeeping = sql(step.bookkeeping)
  if (step.revision.transactional) return { outside: [], transaction: [...step.operations.map(operation), bookkeeping] }
  const skip = options.resumeAfter ?? 0
  const outside = step.operations.flatMap((value, index) =>
    index < skip ? [] : [
      operation(value, index),
      sql(recordProgress(versionTable, {
        revision: step.revision.id,
        direction: step.direction,
        statementsDone: index + 1,
        digest: operationsDigest(step.operations.slice(0, index + 1))
      }))
    ]
  )
  return { outside, transaction: [bookkeeping, sql(clearProgress(versionTable, step.revision.id))] }
}

/** A step's statements in execution order, transaction control included (as `--sql` prints them). */
export const stepStatements = (step: PlannedStep, versionTable: VersionTableLocation): ReadonlyArray<PlanStatement> => {
  const script = stepScript(step, versionTable)
  const control = (text: string): PlanStatement => ({ _tag: "Sql", sql: text, operation: undefined })
  return [...script.outside, control("BEGIN;"), ...script.transaction, control("COMMIT;")]
}

const stepTitle = (step: PlannedStep): string =>
  `-- ${step.direction === "up" ? "Upgrade" : "Downgrade"} ${step.headsBefore.join(", ") || "<base>"} -> ` +
  `${step.headsAfter.join(", ") || "<base>"}: ${step.revision.id} ${step.revision.message} (${step.revision.source})`

/** The plan as a SQL script: what apply executes, with comments; data migrations are noted, not shown. */
export const renderPlanSql = (plan: MigrationPlan, options: StatementOptions): string => {
  const lines = [
    `-- metatables ${plan.direction} to ${plan.target}: ${plan.from.join(", ") || "<base>"} -> ` +
    `${plan.to.join(", ") || "<base>"}, ${plan.steps.length} step${plan.steps.length === 1 ? "" : "s"}`,
    "",
    ...sessionStatements(options),
    ...plan.preamble,
    ""
  ]
  for (const step of plan.steps) {
    lines.push(stepTitle(step))
    for (const statement of stepStatements(step, plan.versionTable)) {
      lines.push(
        statement._tag === "Sql"
          ? statement.sql
          : `-- operation ${statement.operation} of ${step.revision.id} is a data migration written in TypeScript; ` +
            "it runs only online"
      )
    }
    lines.push("")
  }
  lines.push(...resetSession)
  return lines.join("\n")
}
