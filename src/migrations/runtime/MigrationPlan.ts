/**
 * The plan of a migration: the ordered steps between the database's heads and a target, each with the
 * operations of its revision and the bookkeeping (version table, ledger) written with them. Pure: the same
 * plan is printed as SQL (`--sql`), reported as JSON, and executed, statement for statement.
 */
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import type { Revision, RevisionOperation } from "../files/Revision.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import { stampedHeads } from "../graph/RevisionStamp.ts"
import { downgradeSteps, upgradeSteps } from "../graph/RevisionSteps.ts"
import { type ResolvedRevisionTarget, resolveRevisionTarget } from "../graph/RevisionTarget.ts"
import type { RevisionGraphError } from "../graph/RevisionGraphError.ts"
import {
  clearHeads,
  createVersionTables,
  moveHeads,
  qualifiedLedgerTable,
  recordApplied,
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
      preamble: createVersionTables(versionTable),
      steps: planned
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
}

/** What `stamp` writes: the version table moved from `from` to `to`, and the ledger listing what `to` applies. */
export interface StampPlan {
  readonly targets: ReadonlyArray<string>
  readonly purge: boolean
  readonly from: ReadonlyArray<string>
  readonly to: ReadonlyArray<string>
  /** Every statement, in order, in one transaction (after creating the tables when missing). */
  readonly statements: ReadonlyArray<string>
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
      statements: [
        ...createVersionTables(versionTable),
        "BEGIN;",
        ...(request.purge ? [clearHeads(versionTable), ...moveHeads(versionTable, [], to)] : moveHeads(versionTable, from, to)),
        applied.length === 0
          ? `DELETE FROM ${ledger};`
          : `DELETE FROM ${ledger} WHERE "revision" NOT IN (${applied.map(quoteLiteral).join(", ")});`,
        ...applied.map((id) => recordApplied(versionTable, loaded.revisions.get(id)!)),
        "COMMIT;"
      ]
    }
  })

/** The stamp as a SQL script: exactly what `stamp` executes, with a comment saying what it records. */
export const renderStampSql = (plan: StampPlan): string =>
  [
    `-- metatables stamp ${plan.purge ? "--purge " : ""}${plan.targets.join(" ")}: ${plan.from.join(", ") || "<base>"} -> ` +
    `${plan.to.join(", ") || "<base>"}, no revision runs`,
    "",
    ...plan.statements,
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
  | { readonly _tag: "Sql"; readonly sql: string; readonly operation: number | undefined }
  | { readonly _tag: "DataMigration"; readonly run: Exclude<RevisionOperation, string>; readonly operation: number }

const withSemicolon = (statement: string): string => {
  const trimmed = statement.trimEnd()
  return trimmed.endsWith(";") ? trimmed : `${trimmed};`
}

/**
 * A step's statements in execution order, within the plan's session. A transactional step is one
 * transaction: operations and bookkeeping commit together. A non-transactional one runs its operations as
 * they are, then records them.
 */
export const stepStatements = (step: PlannedStep): ReadonlyArray<PlanStatement> => {
  const sql = (text: string, operation?: number): PlanStatement => ({ _tag: "Sql", sql: withSemicolon(text), operation })
  const operations = step.operations.map((operation, index): PlanStatement =>
    Predicate.isString(operation) ? sql(operation, index + 1) : { _tag: "DataMigration", run: operation, operation: index + 1 }
  )
  const bookkeeping = sql(step.bookkeeping)
  return step.revision.transactional
    ? [sql("BEGIN"), ...operations, bookkeeping, sql("COMMIT")]
    : [...operations, sql("BEGIN"), bookkeeping, sql("COMMIT")]
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
    for (const statement of stepStatements(step)) {
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
