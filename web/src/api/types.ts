/**
 * What the dashboard shows, as the pages read it. `client.ts` turns the serve API's answers into these shapes,
 * so a change in the API's documents is absorbed there and nowhere else.
 */
import type { NodeState } from "../lib/nodeState.ts"

export interface TableSummary {
  readonly uid: string
  readonly identifier: string
  readonly namespace: string
  readonly kind: string
  /** `schema.table`. */
  readonly physical: string
  readonly status: string
  readonly provider: string | null
  readonly revision: string | null
}

export interface ColumnView {
  readonly name: string
  readonly type: string
  readonly nullable: boolean
  readonly primaryKey: boolean
  readonly unique: boolean
  readonly defaultValue: string | null
  readonly label: string
  readonly description: string
}

export interface IndexView {
  readonly name: string
  readonly columns: ReadonlyArray<string>
  readonly unique: boolean
}

export interface ForeignKeyView {
  readonly name: string
  readonly columns: ReadonlyArray<string>
  readonly references: string
  readonly referencedColumns: ReadonlyArray<string>
}

export interface TableDetail extends TableSummary {
  readonly description: string
  readonly contractHash: string
  readonly contractVersion: string
  readonly columns: ReadonlyArray<ColumnView>
  /** The time-index grain: the time column and the entity columns, none for a relational table. */
  readonly grain: { readonly timeIndex: string; readonly entityColumns: ReadonlyArray<string>; readonly cadence: string | null } | null
  /** None when the server does not list them (the grain's unique index is known from the contract). */
  readonly indexes: ReadonlyArray<IndexView> | null
  readonly foreignKeys: ReadonlyArray<ForeignKeyView> | null
  readonly rowCount: number | null
  /** Whether `rowCount` was counted (else it is the server's estimate). */
  readonly rowCountExact?: boolean
  readonly timeRange: { readonly first: string; readonly last: string } | null
}

export interface RowsView {
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>
  /** Whether the limit cut the answer short. */
  readonly truncated: boolean
  /** Rows were left out that paging by time could not reach (one instant with more rows than a page). */
  readonly incomplete?: boolean
}

export interface RowsQuery {
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly columns?: ReadonlyArray<string> | undefined
  readonly limit?: number | undefined
}

export interface RevisionView {
  readonly revision: string
  readonly parents: ReadonlyArray<string>
  readonly dependsOn: ReadonlyArray<string>
  readonly branchLabels: ReadonlyArray<string>
  readonly message: string
  readonly applied: boolean
  readonly head: boolean
  /** The upgrade's SQL, when the server renders it. */
  readonly sql: string | null
  /** Destructive changes the revision makes (drops, narrowing type changes), in words. */
  readonly destructive: ReadonlyArray<string>
}

export interface RevisionsView {
  readonly revisions: ReadonlyArray<RevisionView>
  readonly current: ReadonlyArray<string>
  readonly heads: ReadonlyArray<string>
}

export interface RunView {
  readonly uid: string
  readonly status: string
  readonly startedAt: string
  readonly finishedAt: string | null
  readonly attempts: number
  readonly rowsInserted: number
  readonly rowsUpdated: number
  readonly rowsUnchanged: number
  readonly error: string | null
}

export interface NodeSummary {
  readonly updateHash: string
  readonly kind: string
  readonly table: string
  readonly dependsOn: ReadonlyArray<string>
  readonly state: NodeState
  readonly lastRun: RunView | null
  readonly lastSuccessAt: string | null
  readonly nextDueAt: string | null
  readonly cadence: string | null
}

export interface WatermarkView {
  /** The entity's grain values (see `entityLabel`), `[]` for a table whose grain is the time index alone. */
  readonly entity: string
  readonly first: string
  readonly last: string
}

export interface NodeDetail extends NodeSummary {
  readonly hashNamespace: string | null
  /** The update's configuration; undefined when the server does not send it. */
  readonly configuration: unknown
  readonly watermarks: ReadonlyArray<WatermarkView>
}

export interface RunsView {
  readonly runs: ReadonlyArray<RunView>
  /** The cursor of the next (older) page, none at the end. */
  readonly next: string | null
}

/**
 * A request to run a node now, to replay it as of an instant (its `ctx.asOf`), or to backfill (rewrite) the
 * range `from`..`to` of its time index (`to` defaults to now).
 */
export type RunRequest =
  | { readonly _tag: "Run"; readonly asOf?: string | undefined }
  | { readonly _tag: "Backfill"; readonly from: string; readonly to?: string | undefined }

/** The run's outcome: the serve API answers once the run has finished. */
export interface RunOutcome {
  readonly message: string
  readonly status: string
}
