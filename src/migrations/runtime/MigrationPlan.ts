/**
 * The plan of a migration: the ordered steps between the database's heads and a target, each with the
 * operations of its revision and the bookkeeping (version table, ledger) written with them. Pure: the same
 * plan is printed as SQL (`--sql`), reported as JSON, and executed, statement for statement.
 */
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import type { Revision, RevisionOperation } from "../files/Revision.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import { downgradeSteps, upgradeSteps } from "../graph/RevisionSteps.ts"
import { resolveRevisionTarget } from "../graph/RevisionTarget.ts"
import type { RevisionGraphError } from "../graph/RevisionGraphError.ts"
import {
  createVersionTables,
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

const withSemicolon = (statement: string): string => /;\s*$/.test(statement) ? statement.trimEnd() : `${statement.trimEnd()};`

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
