/**
 * DataNode records kept in the catalog's schema (`data_node_updates`, `data_node_runs`,
 * `data_node_watermarks`), on either backend. See `DataNodeRecords` for the contract.
 *
 * Past 400 lines because it is one service over three tables: every method shares the row schemas at the top
 * (each row read is decoded with Schema) and the column lists, and the run lease, status and backfill queries
 * read the same rows.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import { advisoryTransactionLock } from "../db/AdvisoryLock.ts"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { Catalog } from "./Catalog.ts"
import { CatalogStorageError } from "./CatalogErrors.ts"
import {
  type BatchRecord,
  DataNodeRecords,
  type DataNodeRecordsService,
  type RegisterUpdateRequest,
  type RunRecord,
  type UpdateStatus
} from "./DataNodeRecords.ts"
import { CountFromBigInt, CountFromNumeric, decodeCatalogRows } from "./internal/catalogRows.ts"
import { RunInProgressError } from "./RunInProgressError.ts"
import { currentHolder, isHolderGone, LEASE_TTL, RunHolder } from "./RunLease.ts"

const updateFields = {
  uid: Schema.String,
  updateHash: Schema.String,
  kind: Schema.String,
  metaTableUid: Schema.String,
  hashNamespace: Schema.NullOr(Schema.String),
  createdAt: Schema.Date
}

const UPDATE_KEYS = {
  updateHash: "update_hash",
  metaTableUid: "meta_table_uid",
  hashNamespace: "hash_namespace",
  createdAt: "created_at"
} as const

/** A `data_node_updates` row. */
const UpdateRow = Schema.Struct(updateFields).pipe(Schema.encodeKeys(UPDATE_KEYS))

/** The run's failure as `finishRun` stores it. */
const RunError = Schema.Struct({ tag: Schema.String, message: Schema.String })

const RUN_KEYS = {
  updateUid: "update_uid",
  rowsInserted: "rows_inserted",
  rowsUpdated: "rows_updated",
  rowsUnchanged: "rows_unchanged",
  startedAt: "started_at",
  finishedAt: "finished_at",
  asOf: "as_of",
  heartbeatAt: "heartbeat_at",
  heartbeatStale: "heartbeat_stale"
} as const

/** A backfill's range and progress as `data_node_runs.backfill` keeps it (instants as ISO-8601 text). */
const BackfillJson = Schema.Struct({
  from: Schema.DateFromString,
  to: Schema.DateFromString,
  entities: Schema.NullOr(Schema.Array(Schema.String)),
  completedThrough: Schema.NullOr(Schema.DateFromString)
})

const runFields = {
  uid: Schema.String,
  updateUid: Schema.String,
  status: Schema.Literals(["running", "succeeded", "failed", "interrupted", "abandoned"]),
  forced: Schema.Boolean,
  attempts: Schema.Int,
  batches: Schema.Int,
  error: Schema.NullOr(RunError),
  mode: Schema.Literals(["run", "backfill"]),
  backfill: Schema.NullOr(BackfillJson),
  holder: Schema.NullOr(RunHolder),
  /** Whether the last heartbeat is older than the lease's TTL, by the database's clock. */
  heartbeatStale: Schema.Boolean
}

/** A `data_node_runs` row as a query returns it (int8 counters as bigint, instants as Date). */
const RunRow = Schema.Struct({
  ...runFields,
  rowsInserted: CountFromBigInt,
  rowsUpdated: CountFromBigInt,
  rowsUnchanged: CountFromBigInt,
  startedAt: Schema.Date,
  finishedAt: Schema.NullOr(Schema.Date),
  asOf: Schema.NullOr(Schema.Date),
  heartbeatAt: Schema.NullOr(Schema.Date)
}).pipe(Schema.encodeKeys(RUN_KEYS))

/** A `data_node_runs` row turned into JSON inside a query (`to_jsonb`): counters are numbers, instants text. */
const RunJson = Schema.Struct({
  ...runFields,
  rowsInserted: Schema.Number,
  rowsUpdated: Schema.Number,
  rowsUnchanged: Schema.Number,
  startedAt: Schema.DateFromString,
  finishedAt: Schema.NullOr(Schema.DateFromString),
  asOf: Schema.NullOr(Schema.DateFromString),
  heartbeatAt: Schema.NullOr(Schema.DateFromString)
}).pipe(Schema.encodeKeys(RUN_KEYS))

const WatermarkRow = Schema.Struct({
  entityKey: Schema.String,
  entity: Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Boolean])),
  first: Schema.Date,
  last: Schema.Date
}).pipe(Schema.encodeKeys({ entityKey: "entity_key", first: "first_time_index", last: "last_time_index" }))

/** One row of the status query: an update, its table, its last run (as JSON) and aggregates. */
const StatusRow = Schema.Struct({
  ...updateFields,
  identifier: Schema.String,
  schema: Schema.String,
  tableName: Schema.String,
  lastRun: Schema.NullOr(RunJson),
  lastSuccessAt: Schema.NullOr(Schema.Date),
  firstTimeIndex: Schema.NullOr(Schema.Date),
  lastTimeIndex: Schema.NullOr(Schema.Date),
  entities: CountFromBigInt,
  runs: CountFromBigInt,
  totalInserted: Schema.NullOr(CountFromNumeric),
  totalUpdated: Schema.NullOr(CountFromNumeric)
}).pipe(Schema.encodeKeys({
  ...UPDATE_KEYS,
  schema: "physical_schema",
  tableName: "physical_table",
  lastRun: "last_run",
  lastSuccessAt: "last_success_at",
  firstTimeIndex: "first_time_index",
  lastTimeIndex: "last_time_index",
  totalInserted: "total_inserted",
  totalUpdated: "total_updated"
}))

const RunStartsRow = Schema.Struct({
  updateHash: Schema.String,
  lastStartedAt: Schema.Date,
  lastSuccessStartedAt: Schema.NullOr(Schema.Date)
}).pipe(Schema.encodeKeys({
  updateHash: "update_hash",
  lastStartedAt: "last_started_at",
  lastSuccessStartedAt: "last_success_started_at"
}))

const UPDATE_COLUMNS = "uid::text AS uid, update_hash, kind, meta_table_uid::text AS meta_table_uid, hash_namespace, created_at"
const RUN_COLUMNS = "uid::text AS uid, update_uid::text AS update_uid, status, forced, attempts, batches, rows_inserted, " +
  "rows_updated, rows_unchanged, error, started_at, finished_at, mode, as_of, backfill, holder, heartbeat_at, " +
  `(heartbeat_at IS NULL OR heartbeat_at < now() - interval '${Duration.toSeconds(LEASE_TTL)} seconds') AS heartbeat_stale`

type DecodedRun = Omit<RunRecord, "backfill"> & {
  readonly heartbeatStale: boolean
  readonly backfill: RunRecord["backfill"]
}

/** The run as it stands: a `running` run whose holder is gone is abandoned. */
const resolveRun = (row: DecodedRun): Effect.Effect<RunRecord> =>
  Effect.gen(function*() {
    const { heartbeatStale, ...run } = row
    if (run.status !== "running" || !(yield* isHolderGone(run.holder, heartbeatStale))) return run
    return { ...run, status: "abandoned" as const }
  })

const resolveRuns = (rows: ReadonlyArray<DecodedRun>) => Effect.forEach(rows, resolveRun)

const backfillJson = (backfill: { readonly from: Date; readonly to: Date; readonly entities: ReadonlyArray<string> | null }) =>
  JSON.stringify({ from: backfill.from.toISOString(), to: backfill.to.toISOString(), entities: backfill.entities, completedThrough: null })

/** The first row a statement returns, which it always returns (INSERT/UPDATE ... RETURNING on a known key). */
const single = <A>(operation: string) => (rows: ReadonlyArray<A>) =>
  rows[0] === undefined
    ? Effect.fail(new CatalogStorageError({ operation, cause: "the statement returned no row" }))
    : Effect.succeed(rows[0])

const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* Catalog
  const updates = `"${schema}".data_node_updates`
  const runs = `"${schema}".data_node_runs`
  const watermarkTable = `"${schema}".data_node_watermarks`
  const metaTables = `"${schema}".meta_tables`
  const decodeUpdates = decodeCatalogRows(UpdateRow, `${schema}.data_node_updates`)
  const decodeRuns = decodeCatalogRows(RunRow, `${schema}.data_node_runs`)
  const decodeWatermarks = decodeCatalogRows(WatermarkRow, `${schema}.data_node_watermarks`)
  // The status query joins tables; each column is named after the table it comes from.
  const statusColumnTables: Readonly<Record<string, string>> = {
    identifier: "meta_tables",
    physical_schema: "meta_tables",
    physical_table: "meta_tables",
    last_run: "data_node_runs",
    last_success_at: "data_node_runs",
    runs: "data_node_runs",
    total_inserted: "data_node_runs",
    total_updated: "data_node_runs",
    first_time_index: "data_node_watermarks",
    last_time_index: "data_node_watermarks",
    entities: "data_node_watermarks"
  }
  const decodeStatus = decodeCatalogRows(
    StatusRow,
    (column) => `${schema}.${statusColumnTables[column] ?? "data_node_updates"}`
  )

  const registerUpdate = Effect.fn("DataNodeRecords.registerUpdate")(function*(request: RegisterUpdateRequest) {
    return yield* sql.unsafe(
      // DO UPDATE (a no-op change) rather than DO NOTHING, so that the row comes back when it exists already.
      `INSERT INTO ${updates} AS u (update_hash, kind, meta_table_uid, hash_namespace, configuration)
       VALUES ($1, $2, $3::uuid, $4, $5::jsonb)
       ON CONFLICT (update_hash, meta_table_uid) DO UPDATE SET kind = u.kind
       RETURNING ${UPDATE_COLUMNS}`,
      [request.updateHash, request.kind, request.metaTableUid, request.hashNamespace ?? null, request.configuration]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("register the node's update")),
      Effect.flatMap(decodeUpdates),
      Effect.flatMap(single("register the node's update"))
    )
  })

  const watermarks = Effect.fn("DataNodeRecords.watermarks")(function*(updateUid: string) {
    return yield* sql.unsafe(
      `SELECT entity_key, entity, first_time_index, last_time_index FROM ${watermarkTable}
       WHERE update_uid = $1::uuid ORDER BY entity_key`,
      [updateUid]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("read the node's watermarks")),
      Effect.flatMap(decodeWatermarks)
    )
  })

  const lastSuccess = Effect.fn("DataNodeRecords.lastSuccess")(function*(updateUid: string) {
    return yield* sql.unsafe(
      `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = $1::uuid AND status = 'succeeded'
       ORDER BY started_at DESC LIMIT 1`,
      [updateUid]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("read the node's last run")),
      Effect.flatMap(decodeRuns),
      Effect.flatMap(resolveRuns),
      Effect.map((rows) => rows[0])
    )
  })

  const startRun: DataNodeRecordsService["startRun"] = Effect.fn("DataNodeRecords.startRun")(function*(request) {
    // One start of the node at a time (a lock until the transaction ends) looks for a live run, then records its own.
    const [live] = yield* sql.unsafe(
      `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = $1::uuid AND status = 'running' ORDER BY started_at`,
      [request.updateUid]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("look for a live run of the node")),
      Effect.flatMap(decodeRuns),
      Effect.flatMap(resolveRuns),
      Effect.map((rows) => rows.filter((row) => row.status === "running"))
    )
    if (live !== undefined) {
      return yield* new RunInProgressError({
        runUid: live.uid,
        startedAt: live.startedAt,
        mode: live.mode,
        holder: live.holder,
        heartbeatAt: live.heartbeatAt
      })
    }
    return yield* sql.unsafe(
      `INSERT INTO ${runs} (update_uid, status, forced, started_at, mode, as_of, backfill, holder, heartbeat_at)
       VALUES ($1::uuid, 'running', $2, $3, $4, $5, $6::jsonb, $7::jsonb, now())
       RETURNING ${RUN_COLUMNS}`,
      [
        request.updateUid,
        request.forced,
        request.startedAt,
        request.mode ?? "run",
        request.asOf ?? null,
        request.backfill === undefined ? null : backfillJson(request.backfill),
        JSON.stringify(currentHolder())
      ]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("record the start of a run")),
      Effect.flatMap(decodeRuns),
      Effect.flatMap(resolveRuns),
      Effect.flatMap(single("record the start of a run"))
    )
  }, (effect, request) =>
    sql.withTransaction(
      Effect.andThen(
        advisoryTransactionLock("node-run", "", request.updateUid).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.mapError(CatalogStorageError.during("take the node's start lock"))
        ),
        effect
      )
    ).pipe(Effect.catchTag("SqlError", CatalogStorageError.during("record the start of a run"))))

  const recoverAbandoned: DataNodeRecordsService["recoverAbandoned"] = Effect.fn("DataNodeRecords.recoverAbandoned")(
    function*(updateUid) {
      const running = yield* sql.unsafe(
        `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = $1::uuid AND status = 'running'`,
        [updateUid]
      ).pipe(
        Effect.mapError(CatalogStorageError.during("read the node's running runs")),
        Effect.flatMap(decodeRuns),
        Effect.flatMap(resolveRuns)
      )
      const abandoned = running.filter((run) => run.status === "abandoned")
      if (abandoned.length === 0) return []
      // Ended when it was last heard of; `status = 'running'` so that a run finishing meanwhile keeps its end.
      return yield* sql.unsafe(
        `UPDATE ${runs} SET status = 'abandoned', finished_at = coalesce(heartbeat_at, started_at)
         WHERE uid = ANY($1::uuid[]) AND status = 'running' RETURNING ${RUN_COLUMNS}`,
        [pgArrayLiteral(abandoned.map((run) => run.uid))]
      ).pipe(
        Effect.mapError(CatalogStorageError.during("record abandoned runs")),
        Effect.flatMap(decodeRuns),
        Effect.flatMap(resolveRuns)
      )
    }
  )

  const heartbeat = Effect.fn("DataNodeRecords.heartbeat")(function*(runUids: ReadonlyArray<string>) {
    if (runUids.length === 0) return
    yield* sql.unsafe(
      `UPDATE ${runs} SET heartbeat_at = now() WHERE uid = ANY($1::uuid[]) AND status = 'running'`,
      [pgArrayLiteral(runUids)]
    ).pipe(Effect.asVoid, Effect.mapError(CatalogStorageError.during("renew the runs' lease")))
  })

  const recordBackfillProgress = Effect.fn("DataNodeRecords.recordBackfillProgress")(function*(runUid: string, through: Date) {
    yield* sql.unsafe(
      `UPDATE ${runs} SET backfill = jsonb_set(backfill, '{completedThrough}', to_jsonb($2::text)) WHERE uid = $1::uuid`,
      [runUid, through.toISOString()]
    ).pipe(Effect.asVoid, Effect.mapError(CatalogStorageError.during("record the backfill's progress")))
  })

  const resumePoint: DataNodeRecordsService["resumePoint"] = Effect.fn("DataNodeRecords.resumePoint")(
    function*(updateUid, backfill) {
      const [latest] = yield* sql.unsafe(
        `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = $1::uuid AND mode = 'backfill'
         ORDER BY started_at DESC, heartbeat_at DESC NULLS LAST LIMIT 1`,
        [updateUid]
      ).pipe(
        Effect.mapError(CatalogStorageError.during("read the node's last backfill")),
        Effect.flatMap(decodeRuns),
        Effect.flatMap(resolveRuns)
      )
      const stopped = latest?.backfill
      if (
        latest === undefined || stopped === null || stopped === undefined || stopped.completedThrough === null ||
        !["failed", "interrupted", "abandoned"].includes(latest.status) ||
        stopped.from.getTime() !== backfill.from.getTime() || stopped.to.getTime() !== backfill.to.getTime() ||
        JSON.stringify(stopped.entities) !== JSON.stringify(backfill.entities)
      ) return undefined
      return stopped.completedThrough
    }
  )

  const history = Effect.fn("DataNodeRecords.history")(function*(updateUid: string, limit: number) {
    return yield* sql.unsafe(
      `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = $1::uuid ORDER BY started_at DESC LIMIT $2`,
      [updateUid, limit]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("read the node's runs")),
      Effect.flatMap(decodeRuns),
      Effect.flatMap(resolveRuns)
    )
  })

  const recordBatch = Effect.fn("DataNodeRecords.recordBatch")(function*(batch: BatchRecord) {
    return yield* sql.unsafe(
      `WITH counted AS (
         UPDATE ${runs} SET batches = batches + 1, rows_inserted = rows_inserted + $2,
           rows_updated = rows_updated + $3, rows_unchanged = rows_unchanged + $4
         WHERE uid = $1::uuid
       )
       INSERT INTO ${watermarkTable} AS w (update_uid, entity_key, entity, first_time_index, last_time_index)
       SELECT $5::uuid, e.entity_key, e.entity::jsonb, e.first::timestamptz, e.last::timestamptz
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) AS e(entity_key, entity, first, last)
       ON CONFLICT (update_uid, entity_key) DO UPDATE SET
         first_time_index = LEAST(w.first_time_index, EXCLUDED.first_time_index),
         last_time_index = GREATEST(w.last_time_index, EXCLUDED.last_time_index),
         updated_at = now()`,
      [
        batch.runUid,
        batch.inserted,
        batch.updated,
        batch.unchanged,
        batch.updateUid,
        pgArrayLiteral(batch.entities.map((entity) => entity.key)),
        pgArrayLiteral(batch.entities.map((entity) => JSON.stringify(entity.entity))),
        pgArrayLiteral(batch.entities.map((entity) => entity.first)),
        pgArrayLiteral(batch.entities.map((entity) => entity.last))
      ]
    ).pipe(Effect.asVoid, Effect.mapError(CatalogStorageError.during("record a batch and advance the watermarks")))
  })

  const finishRun: DataNodeRecordsService["finishRun"] = Effect.fn("DataNodeRecords.finishRun")(function*(request) {
    return yield* sql.unsafe(
      `UPDATE ${runs} SET status = $2, attempts = $3, error = $4::jsonb, finished_at = $5
       WHERE uid = $1::uuid RETURNING ${RUN_COLUMNS}`,
      [
        request.runUid,
        request.status,
        request.attempts,
        request.error === null ? null : JSON.stringify(request.error),
        request.finishedAt
      ]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("record the end of a run")),
      Effect.flatMap(decodeRuns),
      Effect.flatMap(resolveRuns),
      Effect.flatMap(single("record the end of a run"))
    )
  })

  const decodeRunStarts = decodeCatalogRows(
    RunStartsRow,
    (column) => `${schema}.${column === "update_hash" ? "data_node_updates" : "data_node_runs"}`
  )
  const lastStarts: DataNodeRecordsService["lastStarts"] = sql.unsafe(
    `SELECT u.update_hash, max(r.started_at) AS last_started_at,
       max(r.started_at) FILTER (WHERE r.status = 'succeeded') AS last_success_started_at
     FROM ${updates} u JOIN ${runs} r ON r.update_uid = u.uid GROUP BY u.update_hash`
  ).pipe(
    Effect.mapError(CatalogStorageError.during("read when the nodes last ran")),
    Effect.flatMap(decodeRunStarts),
    Effect.map((rows) => rows.map((row) => ({ ...row, lastSuccessStartedAt: row.lastSuccessStartedAt ?? undefined }))),
    Effect.withSpan("DataNodeRecords.lastStarts")
  )

  const runsOf: DataNodeRecordsService["runs"] = Effect.fn("DataNodeRecords.runs")(function*(updateHash, page) {
    return yield* sql.unsafe(
      `SELECT ${RUN_COLUMNS} FROM ${runs}
       WHERE update_uid IN (SELECT uid FROM ${updates} WHERE update_hash = $1)
         AND ($2::timestamptz IS NULL OR started_at < $2::timestamptz)
       ORDER BY started_at DESC LIMIT $3`,
      [updateHash, page.before ?? null, page.limit]
    ).pipe(
      Effect.mapError(CatalogStorageError.during("read the node's runs")),
      Effect.flatMap(decodeRuns)
    )
  })

  const status: DataNodeRecordsService["status"] = sql.unsafe(
    `SELECT u.uid::text AS uid, u.update_hash, u.kind, u.meta_table_uid::text AS meta_table_uid, u.hash_namespace,
       u.created_at, t.identifier, t.physical_schema, t.physical_table,
       (SELECT to_jsonb(r) FROM (SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = u.uid
          ORDER BY started_at DESC LIMIT 1) r) AS last_run,
       (SELECT max(finished_at) FROM ${runs} WHERE update_uid = u.uid AND status = 'succeeded') AS last_success_at,
       w.first_time_index, w.last_time_index, w.entities,
       totals.runs, totals.total_inserted, totals.total_updated
     FROM ${updates} u
     JOIN ${metaTables} t ON t.uid = u.meta_table_uid
     CROSS JOIN LATERAL (SELECT min(first_time_index) AS first_time_index, max(last_time_index) AS last_time_index,
       count(*) AS entities FROM ${watermarkTable} WHERE update_uid = u.uid) w
     CROSS JOIN LATERAL (SELECT count(*) AS runs, sum(rows_inserted) AS total_inserted,
       sum(rows_updated) AS total_updated FROM ${runs} WHERE update_uid = u.uid) totals
     ORDER BY t.identifier, u.kind, u.update_hash`
  ).pipe(
    Effect.mapError(CatalogStorageError.during("read the nodes' status")),
    Effect.flatMap(decodeStatus),
    Effect.flatMap((rows) =>
      Effect.forEach(rows, (row) =>
        Effect.map(row.lastRun === null ? Effect.succeed(undefined) : resolveRun(row.lastRun), (lastRun): UpdateStatus => ({
        update: {
          uid: row.uid,
          updateHash: row.updateHash,
          kind: row.kind,
          metaTableUid: row.metaTableUid,
          hashNamespace: row.hashNamespace,
          createdAt: row.createdAt
        },
        table: { identifier: row.identifier, schema: row.schema, tableName: row.tableName },
        lastRun,
        lastSuccessAt: row.lastSuccessAt ?? undefined,
        watermark: row.firstTimeIndex === null || row.lastTimeIndex === null
          ? undefined
          : { first: row.firstTimeIndex, last: row.lastTimeIndex, entities: row.entities },
        totals: { runs: row.runs, rowsInserted: row.totalInserted ?? 0, rowsUpdated: row.totalUpdated ?? 0 }
      })))
    ),
    Effect.withSpan("DataNodeRecords.status")
  )

  return DataNodeRecords.of({
    registerUpdate,
    watermarks,
    lastSuccess,
    startRun,
    recoverAbandoned,
    heartbeat,
    recordBackfillProgress,
    resumePoint,
    history,
    recordBatch,
    finishRun,
    lastStarts,
    runs: runsOf,
    status
  })
})

/** The records in the schema of the `Catalog` in context (its tables exist once the catalog is current). */
export const layer: Layer.Layer<DataNodeRecords, never, SqlClient.SqlClient | Catalog> = Layer.effect(
  DataNodeRecords,
  make
)
