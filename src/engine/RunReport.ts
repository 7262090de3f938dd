/**
 * What a run reports: one outcome per node (succeeded, failed, fresh, or skipped because a dependency failed)
 * with its counts and timing, and the progress events it emits while it runs.
 */

/** Which node, for people: its kind, update hash and output table. */
export interface NodeLabel {
  readonly kind: string
  readonly updateHash: string
  /** The output table's identifier. */
  readonly table: string
}

export type NodeStatus = "succeeded" | "failed" | "fresh" | "skipped"

export interface NodeOutcome extends NodeLabel {
  readonly status: NodeStatus
  /** `backfill` when the run gave the node a range again (`RunOptions.backfill`). */
  readonly mode: "run" | "backfill"
  /** Rows a backfill's update returned outside its range or entities, left untouched. */
  readonly rowsOutsideRange: number
  /** The catalog's run record; null for a fresh or skipped node (no run was recorded). */
  readonly runUid: string | null
  readonly attempts: number
  readonly batches: number
  readonly rowsInserted: number
  readonly rowsUpdated: number
  readonly rowsUnchanged: number
  readonly durationMs: number
  /** Why the node failed: the last attempt's error. */
  readonly error: { readonly tag: string; readonly message: string } | null
  /** For a skipped node, the failed (or skipped) dependencies that caused it, `Kind (hash)`. */
  readonly skippedBecause: ReadonlyArray<string>
  /** The update hashes of the node's dependencies. */
  readonly dependsOn: ReadonlyArray<string>
}

export interface RunReport {
  /** Every node succeeded or was fresh. */
  readonly ok: boolean
  /** The run's clock reading, given to every update as `asOf`. */
  readonly asOf: Date
  readonly durationMs: number
  /** In dependency order. */
  readonly nodes: ReadonlyArray<NodeOutcome>
}

export type RunEvent =
  | { readonly _tag: "RunStarted"; readonly nodes: number; readonly asOf: Date }
  | { readonly _tag: "NodeStarted"; readonly node: NodeLabel; readonly attempt: number }
  | {
    readonly _tag: "BatchWritten"
    readonly node: NodeLabel
    /** The batch's number in the attempt, from 1. */
    readonly batch: number
    readonly rows: number
    readonly inserted: number
    readonly updated: number
    readonly unchanged: number
    /** Rows written by the node so far in this attempt. */
    readonly totalRows: number
    readonly elapsedMs: number
  }
  | { readonly _tag: "AttemptFailed"; readonly node: NodeLabel; readonly attempt: number; readonly message: string; readonly retrying: boolean }
  | { readonly _tag: "NodeFinished"; readonly outcome: NodeOutcome }
  | {
    readonly _tag: "BackfillStarted"
    readonly node: NodeLabel
    readonly from: Date
    readonly to: Date
    readonly chunks: number
    /** Where an earlier, unfinished backfill of the same range stopped; the chunks start after it. */
    readonly resumedAfter: Date | undefined
  }
  | { readonly _tag: "BackfillChunkDone"; readonly node: NodeLabel; readonly chunk: number; readonly chunks: number; readonly through: Date }
  /** Earlier runs of the node whose process is gone, recorded as abandoned before this one starts. */
  | {
    readonly _tag: "RunsAbandoned"
    readonly node: NodeLabel
    readonly runs: ReadonlyArray<{ readonly uid: string; readonly startedAt: Date }>
  }
  /** The run was interrupted (Ctrl-C): what finished, and how far each other node got (its batches committed). */
  | {
    readonly _tag: "RunInterrupted"
    readonly finished: ReadonlyArray<NodeOutcome>
    readonly unfinished: ReadonlyArray<{
      readonly node: NodeLabel
      readonly started: boolean
      readonly batches: number
      readonly rows: number
    }>
  }
