/**
 * DataNode records kept in the catalog's schema (`data_node_updates`, `data_node_runs`,
 * `data_node_watermarks`), on either backend. See `DataNodeRecords` for the contract.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { describeSqlFailure, formatSqlFailure } from "../db/SqlFailure.ts"
import { Catalog } from "./Catalog.ts"
import { CatalogStorageError } from "./CatalogErrors.ts"
import {
  DataNodeRecords,
  type DataNodeRecordsService,
  type RunRecord,
  type RunStatus,
  type UpdateRecord,
  type Watermark
} from "./DataNodeRecords.ts"

const storageFailure = (operation: string) => (error: SqlError) =>
  new CatalogStorageError({ operation, detail: formatSqlFailure(describeSqlFailure(error)) })

type Counter = number | bigint | string

interface UpdateRow {
  readonly uid: string
  readonly update_hash: string
  readonly kind: string
  readonly meta_table_uid: string
  readonly hash_namespace: string | null
  readonly created_at: Date
}

interface RunRow {
  readonly uid: string
  readonly update_uid: string
  readonly status: RunStatus
  readonly forced: boolean
  readonly attempts: number
  readonly batches: number
  readonly rows_inserted: Counter
  readonly rows_updated: Counter
  readonly rows_unchanged: Counter
  readonly error: { readonly tag: string; readonly message: string } | null
  readonly started_at: Date
  readonly finished_at: Date | null
}

const UPDATE_COLUMNS = "uid::text AS uid, update_hash, kind, meta_table_uid::text AS meta_table_uid, hash_namespace, created_at"
const RUN_COLUMNS = "uid::text AS uid, update_uid::text AS update_uid, status, forced, attempts, batches, rows_inserted, " +
  "rows_updated, rows_unchanged, error, started_at, finished_at"

const toUpdate = (row: UpdateRow): UpdateRecord => ({
  uid: row.uid,
  updateHash: row.update_hash,
  kind: row.kind,
  metaTableUid: row.meta_table_uid,
  hashNamespace: row.hash_namespace,
  createdAt: row.created_at
})

const toRun = (row: RunRow): RunRecord => ({
  uid: row.uid,
  updateUid: row.update_uid,
  status: row.status,
  forced: row.forced,
  attempts: row.attempts,
  batches: row.batches,
  rowsInserted: Number(row.rows_inserted),
  rowsUpdated: Number(row.rows_updated),
  rowsUnchanged: Number(row.rows_unchanged),
  error: row.error,
  startedAt: row.started_at,
  finishedAt: row.finished_at
})

/** The first row a statement returns, which it always returns (INSERT/UPDATE ... RETURNING on a known key). */
const single = <A>(operation: string) => (rows: ReadonlyArray<A>) =>
  rows[0] === undefined
    ? Effect.fail(new CatalogStorageError({ operation, detail: "the statement returned no row" }))
    : Effect.succeed(rows[0])

const make = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const { schema } = yield* Catalog
  const updates = `"${schema}".data_node_updates`
  const runs = `"${schema}".data_node_runs`
  const watermarkTable = `"${schema}".data_node_watermarks`
  const metaTables = `"${schema}".meta_tables`

  const registerUpdate: DataNodeRecordsService["registerUpdate"] = (request) =>
    sql.unsafe<UpdateRow>(
      // DO UPDATE (a no-op change) rather than DO NOTHING, so that the row comes back when it exists already.
      `INSERT INTO ${updates} AS u (update_hash, kind, meta_table_uid, hash_namespace, configuration)
       VALUES ($1, $2, $3::uuid, $4, $5::jsonb)
       ON CONFLICT (update_hash, meta_table_uid) DO UPDATE SET kind = u.kind
       RETURNING ${UPDATE_COLUMNS}`,
      [request.updateHash, request.kind, request.metaTableUid, request.hashNamespace ?? null, request.configuration]
    ).pipe(
      Effect.mapError(storageFailure("register the node's update")),
      Effect.flatMap(single("register the node's update")),
      Effect.map(toUpdate)
    )

  const watermarks: DataNodeRecordsService["watermarks"] = (updateUid) =>
    sql.unsafe<{
      readonly entity_key: string
      readonly entity: Watermark["entity"]
      readonly first_time_index: Date
      readonly last_time_index: Date
    }>(
      `SELECT entity_key, entity, first_time_index, last_time_index FROM ${watermarkTable}
       WHERE update_uid = $1::uuid ORDER BY entity_key`,
      [updateUid]
    ).pipe(
      Effect.mapError(storageFailure("read the node's watermarks")),
      Effect.map((rows) =>
        rows.map((row): Watermark => ({
          entityKey: row.entity_key,
          entity: row.entity,
          first: row.first_time_index,
          last: row.last_time_index
        }))
      )
    )

  const lastSuccess: DataNodeRecordsService["lastSuccess"] = (updateUid) =>
    sql.unsafe<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM ${runs} WHERE update_uid = $1::uuid AND status = 'succeeded'
       ORDER BY started_at DESC LIMIT 1`,
      [updateUid]
    ).pipe(
      Effect.mapError(storageFailure("read the node's last run")),
      Effect.map((rows) => rows[0] === undefined ? undefined : toRun(rows[0]))
    )

  const startRun: DataNodeRecordsService["startRun"] = (request) =>
    sql.unsafe<RunRow>(
      `INSERT INTO ${runs} (update_uid, status, forced, started_at) VALUES ($1::uuid, 'running', $2, $3)
       RETURNING ${RUN_COLUMNS}`,
      [request.updateUid, request.forced, request.startedAt]
    ).pipe(
      Effect.mapError(storageFailure("record the start of a run")),
      Effect.flatMap(single("record the start of a run")),
      Effect.map(toRun)
    )

  const recordBatch: DataNodeRecordsService["recordBatch"] = (batch) =>
    sql.unsafe(
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
    ).pipe(Effect.asVoid, Effect.mapError(storageFailure("record a batch and advance the watermarks")))

  const finishRun: DataNodeRecordsService["finishRun"] = (request) =>
    sql.unsafe<RunRow>(
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
      Effect.mapError(storageFailure("record the end of a run")),
      Effect.flatMap(single("record the end of a run")),
      Effect.map(toRun)
    )

  const status: DataNodeRecordsService["status"] = sql.unsafe<
    UpdateRow & {
      readonly identifier: string
      readonly physical_schema: string
      readonly physical_table: string
      readonly last_run: Omit<RunRow, "started_at" | "finished_at"> & {
        readonly started_at: string
        readonly finished_at: string | null
      } | null
      readonly last_success_at: Date | null
      readonly first_time_index: Date | null
      readonly last_time_index: Date | null
      readonly entities: Counter
      readonly runs: Counter
      readonly total_inserted: Counter | null
      readonly total_updated: Counter | null
    }
  >(
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
    Effect.mapError(storageFailure("read the nodes' status")),
    Effect.map((rows) =>
      rows.map((row) => ({
        update: toUpdate(row),
        table: { identifier: row.identifier, schema: row.physical_schema, tableName: row.physical_table },
        // A row turned into JSON inside the query: its timestamps are text, its counters numbers.
        lastRun: row.last_run === null ? undefined : toRun({
          ...row.last_run,
          started_at: new Date(row.last_run.started_at),
          finished_at: row.last_run.finished_at === null ? null : new Date(row.last_run.finished_at)
        }),
        lastSuccessAt: row.last_success_at ?? undefined,
        watermark: row.first_time_index === null || row.last_time_index === null
          ? undefined
          : { first: row.first_time_index, last: row.last_time_index, entities: Number(row.entities) },
        totals: {
          runs: Number(row.runs),
          rowsInserted: Number(row.total_inserted ?? 0),
          rowsUpdated: Number(row.total_updated ?? 0)
        }
      }))
    )
  )

  return DataNodeRecords.of({
    registerUpdate,
    watermarks,
    lastSuccess,
    startRun,
    recordBatch,
    finishRun,
    status
  })
})

/** The records in the schema of the `Catalog` in context (its tables exist once the catalog is current). */
export const layer: Layer.Layer<DataNodeRecords, never, SqlClient.SqlClient | Catalog> = Layer.effect(
  DataNodeRecords,
  make
)
