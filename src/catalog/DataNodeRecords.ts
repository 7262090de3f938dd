/**
 * The catalog's records of DataNode work: one update row per node identity and output table, the history of
 * its runs, and its watermarks (per entity, the first and last time index written). This module is the
 * contract; `SqlDataNodeRecords` keeps them in the catalog's schema, beside the tables they describe.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { CatalogStorageError, InvalidCatalogRowError } from "./CatalogErrors.ts"
import type { RunInProgressError } from "./RunInProgressError.ts"
import type { RunHolder } from "./RunLease.ts"

/** A node identity writing into one table (the spec's DataNodeUpdate). */
export interface UpdateRecord {
  readonly uid: string
  readonly updateHash: string
  readonly kind: string
  readonly metaTableUid: string
  readonly hashNamespace: string | null
  readonly createdAt: Date
}

/** Where one entity of a node's output stands: the first and last time index the node wrote for it. */
export interface Watermark {
  /** The JSON array of the entity's grain values as text; `[]` when the grain is the time index alone. */
  readonly entityKey: string
  /** The entity's grain values by row property. */
  readonly entity: Readonly<Record<string, string | number | boolean>>
  readonly first: Date
  readonly last: Date
}

/**
 * `abandoned`: the run's process is gone (killed, crashed) without finishing it. A `running` row whose holder
 * is gone is read back as `abandoned`; the next run of the node records it so.
 */
export type RunStatus = "running" | "succeeded" | "failed" | "interrupted" | "abandoned"

/** What a run covers: the node's next increment, or a range given to it again (`nodes run --from`). */
export type RunMode = "run" | "backfill"

/** The range of a backfill, and how far it got: chunks up to `completedThrough` are committed. */
export interface BackfillRecord {
  readonly from: Date
  readonly to: Date
  /** The entity keys the backfill is limited to; null for every entity. */
  readonly entities: ReadonlyArray<string> | null
  readonly completedThrough: Date | null
}

export interface RunRecord {
  readonly uid: string
  readonly updateUid: string
  readonly status: RunStatus
  /** Started by `--force`, ignoring freshness. */
  readonly forced: boolean
  readonly attempts: number
  readonly batches: number
  readonly rowsInserted: number
  readonly rowsUpdated: number
  readonly rowsUnchanged: number
  /** The failure's tag and message, for a failed run. */
  readonly error: { readonly tag: string; readonly message: string } | null
  readonly startedAt: Date
  readonly finishedAt: Date | null
  readonly mode: RunMode
  /** The run's "now" (`ctx.asOf`); null for runs recorded before it was kept. */
  readonly asOf: Date | null
  readonly backfill: BackfillRecord | null
  /** The process that holds (or held) the run; null for runs recorded before leases. */
  readonly holder: RunHolder | null
  readonly heartbeatAt: Date | null
}

/** What one committed batch changes: the run's counters and the watermarks of the entities it wrote. */
export interface BatchRecord {
  readonly runUid: string
  readonly updateUid: string
  readonly inserted: number
  readonly updated: number
  readonly unchanged: number
  /** Instants as canonical UTC text (`YYYY-MM-DDTHH:MM:SS.ffffffZ`). */
  readonly entities: ReadonlyArray<{
    readonly key: string
    readonly entity: Readonly<Record<string, string | number | boolean>>
    readonly first: string
    readonly last: string
  }>
}

/** A node's standing, for `nodes status`. */
export interface UpdateStatus {
  readonly update: UpdateRecord
  readonly table: { readonly identifier: string; readonly schema: string; readonly tableName: string }
  readonly lastRun: RunRecord | undefined
  readonly lastSuccessAt: Date | undefined
  /** Over every entity; undefined before the first row. */
  readonly watermark: { readonly first: Date; readonly last: Date; readonly entities: number } | undefined
  readonly totals: { readonly runs: number; readonly rowsInserted: number; readonly rowsUpdated: number }
}

/** When a node's runs started, for scheduling (`serve`). */
export interface RunStarts {
  readonly updateHash: string
  /** The newest run's start, whatever its outcome. */
  readonly lastStartedAt: Date
  /** The newest successful run's start; undefined when none succeeded. */
  readonly lastSuccessStartedAt: Date | undefined
}

/** A page of a node's runs, newest first: runs started before `before` (default: all), at most `limit`. */
export interface RunPage {
  readonly limit: number
  readonly before?: Date | undefined
}

export interface RegisterUpdateRequest {
  readonly updateHash: string
  readonly kind: string
  readonly metaTableUid: string
  readonly hashNamespace: string | undefined
  /** The canonical JSON text of the configuration, as hashed. */
  readonly configuration: string
}

export interface DataNodeRecordsService {
  /** The update row of a node identity and table, created on first use. */
  readonly registerUpdate: (
    request: RegisterUpdateRequest
  ) => Effect.Effect<UpdateRecord, CatalogStorageError | InvalidCatalogRowError>
  readonly watermarks: (
    updateUid: string
  ) => Effect.Effect<ReadonlyArray<Watermark>, CatalogStorageError | InvalidCatalogRowError>
  /** The newest run that succeeded. */
  readonly lastSuccess: (
    updateUid: string
  ) => Effect.Effect<RunRecord | undefined, CatalogStorageError | InvalidCatalogRowError>
  /**
   * Records a run as `running`, held by this process (its lease) with a first heartbeat; refused with
   * `RunInProgressError` while another run of the update is live (its holder alive), one start at a time.
   */
  readonly startRun: (request: {
    readonly updateUid: string
    readonly forced: boolean
    readonly startedAt: Date
    readonly mode?: RunMode | undefined
    readonly asOf?: Date | undefined
    readonly backfill?: { readonly from: Date; readonly to: Date; readonly entities: ReadonlyArray<string> | null } | undefined
  }) => Effect.Effect<RunRecord, CatalogStorageError | InvalidCatalogRowError | RunInProgressError>
  /** Marks the node's `running` runs whose holder is gone `abandoned`, and returns them. */
  readonly recoverAbandoned: (
    updateUid: string
  ) => Effect.Effect<ReadonlyArray<RunRecord>, CatalogStorageError | InvalidCatalogRowError>
  /** Renews the lease of runs this process holds. */
  readonly heartbeat: (runUids: ReadonlyArray<string>) => Effect.Effect<void, CatalogStorageError>
  /** A backfill committed everything up to `through`. */
  readonly recordBackfillProgress: (runUid: string, through: Date) => Effect.Effect<void, CatalogStorageError>
  /**
   * Where an earlier backfill of the same node, range and entities stopped, when the node's latest backfill is
   * that one and it did not finish (failed, interrupted or abandoned): the rerun resumes after it.
   */
  readonly resumePoint: (
    updateUid: string,
    backfill: { readonly from: Date; readonly to: Date; readonly entities: ReadonlyArray<string> | null }
  ) => Effect.Effect<Date | undefined, CatalogStorageError | InvalidCatalogRowError>
  /** The node's runs, newest first. */
  readonly history: (
    updateUid: string,
    limit: number
  ) => Effect.Effect<ReadonlyArray<RunRecord>, CatalogStorageError | InvalidCatalogRowError>
  /** Adds a batch to its run and advances watermarks; call it inside the batch's transaction. */
  readonly recordBatch: (batch: BatchRecord) => Effect.Effect<void, CatalogStorageError>
  readonly finishRun: (request: {
    readonly runUid: string
    readonly status: Exclude<RunStatus, "running">
    readonly attempts: number
    readonly error: { readonly tag: string; readonly message: string } | null
    readonly finishedAt: Date
  }) => Effect.Effect<RunRecord, CatalogStorageError | InvalidCatalogRowError>
  /** For every update hash that has run, when its last run and its last successful run started. */
  readonly lastStarts: Effect.Effect<ReadonlyArray<RunStarts>, CatalogStorageError | InvalidCatalogRowError>
  /** The runs of an update hash (over every table it wrote), newest first. */
  readonly runs: (
    updateHash: string,
    page: RunPage
  ) => Effect.Effect<ReadonlyArray<RunRecord>, CatalogStorageError | InvalidCatalogRowError>
  /** Every update with its last run, watermark and totals, ordered by table and kind. */
  readonly status: Effect.Effect<ReadonlyArray<UpdateStatus>, CatalogStorageError | InvalidCatalogRowError>
}

export class DataNodeRecords extends Context.Service<DataNodeRecords, DataNodeRecordsService>()(
  "metatables/catalog/DataNodeRecords"
) {}
