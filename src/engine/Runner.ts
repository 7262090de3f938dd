/**
 * The runner: runs a graph of DataNodes on an attached engine. It collects the graph (deduplicated by update
 * hash, cycles refused), then runs every node once its dependencies are done, at most `concurrency` at a time:
 * each node gets its update row and a run record, its update is given its watermarks, and every batch it
 * produces is validated against the table's contract and upserted on the grain in one transaction with its
 * watermarks and run counters. A failing update is retried on a `Schedule` when the failure may pass (see
 * `isRetryableFailure`: a lost connection or a deadlock may, invalid rows never do); a node that still fails is
 * reported, and the nodes that depend on it are skipped.
 *
 * ```ts
 * const report = yield* runNodes([new RollingVolatility(config)], { concurrency: 4 })
 * ```
 *
 * Past 400 lines because `runGraph` is one scope: the run's lease, its semaphore, the per-node attempt with its
 * retries, the batch pipeline (validate the next batch while the current one is written) and the report all
 * share its state, and pulling them apart would pass that state through every call. The pieces that need no
 * shared state (option checks, backfill selection, entity filters, failure descriptions) sit above it.
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Semaphore from "effect/Semaphore"
import * as SqlClient from "effect/sql/SqlClient"
import * as Stream from "effect/Stream"
import type { Watermark } from "../catalog/DataNodeRecords.ts"
import type { RunInProgressError } from "../catalog/RunInProgressError.ts"
import { currentHolder, HEARTBEAT_INTERVAL, LEASE_TTL } from "../catalog/RunLease.ts"
import { Database } from "../db/Database.ts"
import { formatCause } from "../db/FailureCause.ts"
import type { AnyDataNode, NodeWatermarks, UpdateContext } from "../datanode/DataNode.ts"
import type { RowShape } from "../datanode/RowShape.ts"
import type { RowValidationError } from "../datanode/RowValidationError.ts"
import type { ValidatedBatch } from "../datanode/ValidatedBatch.ts"
import { entityKeyOf, validateBatch } from "../datanode/RowValidation.ts"
import type { UpdateHashError } from "../datanode/UpdateHash.ts"
import {
  type BackfillChunk,
  backfillChunks,
  type BackfillOptions,
  chunkCovers,
  DEFAULT_CHUNK_PERIODS
} from "./Backfill.ts"
import { dependencyReader } from "./DependencyReader.ts"
import { Engine } from "./Engine.ts"
import { collectGraph, type GraphNode, type NodeGraph } from "./NodeGraph.ts"
import type { NodeGraphError } from "./NodeGraphError.ts"
import { NodeOutputError } from "./NodeOutputError.ts"
import { NodeUpdateError } from "./NodeUpdateError.ts"
import { nodeName, NodeSelectionError, selects } from "./NodeSelector.ts"
import { completeWhenSent, type CopyData, copyDataOf, DEFAULT_BATCH_SIZE, upsertBatch } from "./UpsertBatch.ts"
import { inRunRole } from "../catalog/ProviderRoles.ts"
import type { NodeLabel, NodeOutcome, RunEvent, RunReport } from "./RunReport.ts"
import { DEFAULT_CONCURRENCY } from "./RunDefaults.ts"
import { isRetryableFailure } from "./RetryableFailure.ts"
import { RunOptionsError } from "./RunOptionsError.ts"

/** Two retries, half a second then a second later. */
export const defaultRetry: Schedule.Schedule<unknown, unknown> = Schedule.max([
  Schedule.exponential("500 millis"),
  Schedule.recurs(2)
])

export interface RunOptions {
  /** How many nodes run at once (default 4). */
  readonly concurrency?: number | undefined
  /** Run nodes even when they are fresh (`freshFor`). */
  readonly force?: boolean | undefined
  /** Rows per batch: per validation, statement and transaction (default `DEFAULT_BATCH_SIZE`). */
  readonly batchSize?: number | undefined
  /**
   * When to try a failing update again (default `defaultRetry`), for failures that may pass (`isRetryableFailure`):
   * invalid rows and database failures that would recur (a constraint violation) are never retried.
   */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  /** The run's "now", given to every update as `ctx.asOf` (default: the clock when the run starts). */
  readonly asOf?: Date | undefined
  /** Give nodes a range again instead of their next increment (see `BackfillOptions`). */
  readonly backfill?: BackfillOptions | undefined
  /** Progress, as it happens. */
  readonly onEvent?: ((event: RunEvent) => Effect.Effect<void>) | undefined
  /**
   * Run only these update hashes of the graph: the other nodes are not run (their tables are read as they stand)
   * and not reported. `serve` runs one node at a time this way, having run its due dependencies first.
   */
  readonly only?: ReadonlyArray<string> | undefined
}

export type RunnerError = NodeGraphError | UpdateHashError | RunOptionsError | NodeSelectionError

/** A failure as the catalog and the report keep it: its tag and a message a person can act on. */
const describeFailure = (cause: Cause.Cause<unknown>): { readonly tag: string; readonly message: string } => {
  const error = Cause.squash(cause)
  const tag = Predicate.hasProperty(error, "_tag") && Predicate.isString(error._tag)
    ? error._tag
    : error instanceof Error
    ? error.name
    : "Error"
  return { tag, message: formatCause(error) }
}

const describeValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : Predicate.isObject(value) ? "an object" : typeof value

const watermarksOf = (shape: RowShape, rows: ReadonlyArray<Watermark>): NodeWatermarks => {
  const byKey = new Map(rows.map((row) => [row.entityKey, row]))
  const firsts = rows.map((row) => row.first.getTime())
  const lasts = rows.map((row) => row.last.getTime())
  return {
    first: rows.length === 0 ? undefined : new Date(Math.min(...firsts)),
    last: rows.length === 0 ? undefined : new Date(Math.max(...lasts)),
    entities: rows.map((row) => ({ entity: row.entity, first: row.first, last: row.last })),
    lastFor: (entity) => {
      const key = entityKeyOf(shape, entity)
      // An entity with the wrong columns is a bug in the update: it surfaces as the run's failure.
      if (Result.isFailure(key)) throw key.failure
      return byKey.get(key.success)?.last
    }
  }
}

/** Whether a live run is held by a process of another host, which only its heartbeat can say is gone. */
const isHeldElsewhere = (holder: RunInProgressError["holder"]): boolean =>
  holder === null || holder.host !== currentHolder().host

const labelOf = (graphNode: GraphNode): NodeLabel => ({
  kind: graphNode.node.kind,
  updateHash: graphNode.identity.updateHash,
  table: graphNode.binding.identifier
})

const validateOptions = (options: RunOptions) => {
  const problems: Array<string> = []
  const positive = (name: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      problems.push(`${name} must be a whole number of at least 1, not ${value}`)
    }
  }
  positive("concurrency", options.concurrency)
  positive("batchSize", options.batchSize)
  const invalidDate = (name: string, value: Date | undefined) => {
    if (value !== undefined && Number.isNaN(value.getTime())) problems.push(`${name} is an invalid Date`)
  }
  invalidDate("asOf", options.asOf)
  const backfill = options.backfill
  if (backfill !== undefined) {
    invalidDate("backfill.from", backfill.from)
    invalidDate("backfill.to", backfill.to)
    positive("backfill.chunkPeriods", backfill.chunkPeriods)
    const to = backfill.to ?? options.asOf
    if (to !== undefined && backfill.from.getTime() > to.getTime()) {
      problems.push(
        `the backfill's range is empty: it starts (${backfill.from.toISOString()}) after it ends (${to.toISOString()})`
      )
    }
  }
  return problems.length === 0 ? Effect.void : Effect.fail(new RunOptionsError({ problems }))
}

interface EntityFilter {
  /** The node's shape with only the filter's entity columns, by which its values are compared. */
  readonly shape: RowShape
  readonly key: string
  /** How the run record keeps it: `assetIdentifier=["ACME"]`. */
  readonly label: string
}

/**
 * A backfill's entities as filters on one node's rows: each gives some of the node's entity columns (a value
 * alone gives `plainColumn`), so `{ assetIdentifier: "ACME" }` covers every account's ACME position too.
 */
const entityFilters = (
  shape: RowShape,
  entities: ReadonlyArray<Readonly<Record<string, unknown>> | string | number>,
  plainColumn: string | undefined
): Result.Result<ReadonlyArray<EntityFilter>, RowValidationError> => {
  const filters: Array<EntityFilter> = []
  const shapes = new Map<string, RowShape>()
  for (const entity of entities) {
    const given = typeof entity === "object" ? entity : plainColumn === undefined ? undefined : { [plainColumn]: entity }
    const keys = given === undefined ? [] : Object.keys(given)
    const known = keys.length > 0 && keys.every((key) => shape.entity.some((column) => column.key === key))
    // Anything else is checked against the whole entity, for the error that names what it expects.
    if (given === undefined || !known) {
      const refused = entityKeyOf(shape, (given ?? entity) as Readonly<Record<string, unknown>>)
      if (Result.isFailure(refused)) return Result.fail(refused.failure)
    }
    const columns = shape.entity.filter((column) => keys.includes(column.key))
    const signature = columns.map((column) => column.key).join(",")
    const sub = shapes.get(signature) ?? { ...shape, entity: columns, grain: [shape.timeIndex, ...columns] }
    shapes.set(signature, sub)
    const key = entityKeyOf(sub, given!)
    if (Result.isFailure(key)) return Result.fail(key.failure)
    filters.push({ shape: sub, key: key.success, label: `${signature}=${key.success}` })
  }
  return Result.succeed(filters)
}

/**
 * The nodes a backfill gives the range to: those `backfill.nodes` names (each must name one at least), else the
 * requested ones; with `withDescendants`, every node of the graph that depends on one of them too.
 */
const selectBackfilled = (graph: NodeGraph, backfill: BackfillOptions): Effect.Effect<Set<string>, NodeSelectionError> => {
  const selected = new Set<string>()
  if (backfill.nodes === undefined) for (const root of graph.roots) selected.add(root)
  else {
    for (const selector of backfill.nodes) {
      const matched = graph.nodes.filter((graphNode) =>
        selects(selector, { kind: graphNode.node.kind, updateHash: graphNode.identity.updateHash })
      )
      if (matched.length === 0) {
        return Effect.fail(
          new NodeSelectionError({
            selector,
            matched: [],
            known: graph.nodes.map((graphNode) => nodeName({ kind: graphNode.node.kind, updateHash: graphNode.identity.updateHash }))
          })
        )
      }
      for (const graphNode of matched) selected.add(graphNode.identity.updateHash)
    }
  }
  // Dependencies come first in `graph.nodes`, so one pass reaches every descendant.
  if (backfill.withDescendants === true) {
    for (const graphNode of graph.nodes) {
      if (graphNode.dependsOn.some((hash) => selected.has(hash))) selected.add(graphNode.identity.updateHash)
    }
  }
  return Effect.succeed(selected)
}

// The nodes' own requirements (`R` of runNodes) cannot be followed through the graph: the run is typed as
// needing none of them, and runNodes puts them back in its signature.
const runGraph = Effect.fn("Runner.runNodes")(function*(nodes: ReadonlyArray<AnyDataNode>, options: RunOptions) {
  yield* validateOptions(options)
  const engine = yield* Engine
  const sql = yield* SqlClient.SqlClient
  const database = yield* Database
  const emit = options.onEvent ?? (() => Effect.void)
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const retry = options.retry ?? defaultRetry
  const runStarted = yield* Clock.currentTimeMillis
  const asOf = options.asOf ?? new Date(runStarted)

  const graph = yield* collectGraph(nodes)
  const unknown = (options.only ?? []).filter((hash) => !graph.nodes.some((node) => node.identity.updateHash === hash))
  if (unknown.length > 0) {
    return yield* new RunOptionsError({ problems: [`only names update hashes not in the graph: ${unknown.join(", ")}`] })
  }
  const backfill = options.backfill
  const backfillRange = backfill === undefined ? undefined : { from: backfill.from, to: backfill.to ?? asOf }
  if (backfillRange !== undefined && backfillRange.from.getTime() > backfillRange.to.getTime()) {
    return yield* new RunOptionsError({
      problems: [`the backfill's range is empty: it starts (${backfillRange.from.toISOString()}) after the run's asOf`]
    })
  }
  const backfilled = backfill === undefined ? new Set<string>() : yield* selectBackfilled(graph, backfill)
  // An entity given by value alone (`ACME`) names the one entity column of the first backfilled node that has one.
  const plainEntityColumn = graph.nodes.find((graphNode) =>
    backfilled.has(graphNode.identity.updateHash) && graphNode.shape.entity.length === 1
  )?.shape.entity[0]?.key
  yield* emit({ _tag: "RunStarted", nodes: graph.nodes.length, asOf })
  const semaphore = yield* Semaphore.make(options.concurrency ?? DEFAULT_CONCURRENCY)
  const done = new Map<string, Deferred.Deferred<NodeOutcome>>()
  for (const graphNode of graph.nodes) done.set(graphNode.identity.updateHash, yield* Deferred.make<NodeOutcome>())
  // What an interruption reports: the nodes that finished, and how far the others got.
  const finishedOutcomes: Array<NodeOutcome> = []
  const progress = new Map<string, { batches: number; rows: number }>()
  // The lease of every run this process holds, renewed until the run ends (a heartbeat that fails is tried
  // again at the next beat: a missed beat or two does not make a run look abandoned).
  const held = new Set<string>()
  const heartbeat = yield* Effect.forkChild(
    Effect.sleep(HEARTBEAT_INTERVAL).pipe(
      Effect.andThen(Effect.suspend(() => Effect.ignore(engine.records.heartbeat([...held])))),
      Effect.forever
    )
  )

  const outcomeOf = (
    graphNode: GraphNode,
    fields: Partial<NodeOutcome> & Pick<NodeOutcome, "status">
  ): NodeOutcome => ({
    ...labelOf(graphNode),
    mode: backfilled.has(graphNode.identity.updateHash) ? "backfill" : "run",
    runUid: null,
    rowsOutsideRange: 0,
    attempts: 0,
    batches: 0,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsUnchanged: 0,
    durationMs: 0,
    error: null,
    skippedBecause: [],
    dependsOn: graphNode.dependsOn,
    ...fields
  })

  /** One node's run, once its dependencies succeeded (or were fresh). */
  const execute = Effect.fn("Runner.runNode")(function*(graphNode: GraphNode) {
    const label = labelOf(graphNode)
    /** What the update (or its stream) threw, as the node's failure; its failures and interruptions as they are. */
    const thrownAsFailure = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | NodeUpdateError> =>
      Effect.catchDefect(effect, (defect) => Effect.fail(new NodeUpdateError({ node: `${label.kind} (${label.updateHash})`, cause: defect })))
    const started = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => now - started)
    const { records } = engine
    const update = yield* records.registerUpdate({
      updateHash: label.updateHash,
      kind: label.kind,
      metaTableUid: graphNode.binding.uid,
      hashNamespace: graphNode.identity.hashNamespace,
      configuration: graphNode.identity.canonicalJson
    })
    const freshFor = graphNode.node.freshFor
    const isBackfill = backfillRange !== undefined && backfilled.has(label.updateHash)
    if (options.force !== true && !isBackfill && freshFor !== undefined) {
      const last = yield* records.lastSuccess(update.uid)
      if (last !== undefined && last.startedAt.getTime() + Duration.toMillis(Duration.fromInputUnsafe(freshFor)) > runStarted) {
        return outcomeOf(graphNode, { status: "fresh", durationMs: yield* elapsed })
      }
    }
    const runRole = engine.tables.get(`${graphNode.binding.schema}.${graphNode.binding.tableName}`)?.runRole
    /**
     * Records the run's start, after recording the node's runs whose process is gone as abandoned. A live run of
     * the node held by a process on another host (whose pid cannot be looked at) is waited for, up to the
     * lease's TTL: a host that died leaves a heartbeat that goes stale, and its run is then taken over (a
     * `serve` runner taking over a dead one's nodes); one still heartbeating after that is refused, as a run
     * held on this host is at once.
     */
    const begin = Effect.gen(function*() {
      const abandoned = yield* records.recoverAbandoned(update.uid)
      if (abandoned.length > 0) {
        yield* emit({ _tag: "RunsAbandoned", node: label, runs: abandoned.map((run) => ({ uid: run.uid, startedAt: run.startedAt })) })
      }
      // A backfill: its entities by key, where an earlier backfill of the same range stopped, and its chunks.
      const entityKeys = !isBackfill || backfill?.entities === undefined
        ? null
        : yield* Effect.fromResult(entityFilters(graphNode.shape, backfill.entities, plainEntityColumn))
      const range = isBackfill
        ? { ...backfillRange, entities: entityKeys === null ? null : entityKeys.map((filter) => filter.label) }
        : undefined
      const resumedAfter = range === undefined ? undefined : yield* records.resumePoint(update.uid, range)
      const chunks: ReadonlyArray<BackfillChunk | undefined> = range === undefined ? [undefined] : backfillChunks(
        range,
        graphNode.node.storage.metadata.timeIndexed?.cadence,
        backfill?.chunkPeriods ?? DEFAULT_CHUNK_PERIODS,
        resumedAfter
      )
      const run = yield* records.startRun({
        updateUid: update.uid,
        forced: options.force === true,
        startedAt: new Date(started),
        asOf,
        mode: isBackfill ? "backfill" : "run",
        backfill: range
      })
      return { run, range, chunks, resumedAfter, entityKeys }
    })
    const { chunks, entityKeys, range, resumedAfter, run } = yield* begin.pipe(
      Effect.retry({
        schedule: Schedule.spaced(HEARTBEAT_INTERVAL),
        times: Math.ceil(Duration.toMillis(LEASE_TTL) / Duration.toMillis(HEARTBEAT_INTERVAL)) + 1,
        while: (error) => Predicate.isTagged(error, "RunInProgressError") && isHeldElsewhere(error.holder)
      })
    )
    if (range !== undefined) {
      yield* emit({ _tag: "BackfillStarted", node: label, from: range.from, to: range.to, chunks: chunks.length, resumedAfter })
    }
    held.add(run.uid)
    const totals = { attempts: 0, batches: 0, rowsInserted: 0, rowsUpdated: 0, rowsUnchanged: 0, rowsOutsideRange: 0 }
    // Chunks before this one are committed; a retried attempt starts here.
    let nextChunk = 0

    /** Whether a backfill writes `row`: inside the chunk and of a covered entity (anything unreadable is kept, for validation to name). */
    const inside = (chunk: BackfillChunk, row: unknown): boolean => {
      if (!Predicate.isObject(row)) return true
      const time = (row as Record<string, unknown>)[graphNode.shape.timeIndex.key]
      const instant = time instanceof Date
        ? time.getTime()
        : typeof time === "string" && /(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/.test(time)
        ? Date.parse(time)
        : Number.NaN
      if (!Number.isNaN(instant) && !chunkCovers(chunk, instant)) return false
      if (entityKeys === null) return true
      const values = row as Record<string, unknown>
      return entityKeys.some((filter) => {
        const key = entityKeyOf(filter.shape, Object.fromEntries(filter.shape.entity.map((column) => [column.key, values[column.key]])))
        return Result.isFailure(key) || key.success === filter.key
      })
    }
    progress.set(label.updateHash, { batches: 0, rows: 0 })

    /**
     * Writes one validated batch in its transaction with the node's watermarks and run counters. `onSent`
     * completes when the batch's main statement is about to go out (see `upsertBatch`), and in any case when
     * this ends, so that the caller can validate the next batch while the database writes this one.
     */
    const writeBatch = Effect.fn("Runner.writeBatch")(function*(
      validated: ValidatedBatch,
      copyData: CopyData | undefined,
      onSent: Deferred.Deferred<void>
    ) {
      const written = yield* sql.withTransaction(Effect.gen(function*() {
        // The rows are written as the provider's run role, never as the connecting user (see ProviderRoles).
        const outcome = yield* inRunRole(
          runRole,
          upsertBatch(graphNode.shape, validated, { beforeWrite: completeWhenSent(onSent), copyData })
        )
        yield* records.recordBatch({
          runUid: run.uid,
          updateUid: update.uid,
          inserted: outcome.inserted,
          updated: outcome.updated,
          unchanged: outcome.unchanged,
          entities: [...validated.entities].map(([key, range]) => ({
            key,
            entity: range.entity,
            first: range.first,
            last: range.last
          }))
        })
        return outcome
      }))
      totals.batches++
      const current = progress.get(label.updateHash)
      if (current !== undefined) {
        current.batches++
        current.rows += validated.rowCount
      }
      totals.rowsInserted += written.inserted
      totals.rowsUpdated += written.updated
      totals.rowsUnchanged += written.unchanged
      return written
    }, (effect, _validated, _copyData, onSent) => Effect.ensuring(effect, Deferred.succeed(onSent, undefined)))

    const attempt = Effect.gen(function*() {
      totals.attempts++
      yield* emit({ _tag: "NodeStarted", node: label, attempt: totals.attempts })
      const stored = watermarksOf(graphNode.shape, yield* records.watermarks(update.uid))
      const reader = dependencyReader(engine, graphNode, graph.byInstance, database, sql)
      let batch = 0
      let written = 0
      /**
       * The one batch whose write may be in flight. The next batch is validated and encoded for COPY while the
       * database writes it (that is the client's work, the write mostly the server's), then this is joined before the
       * next write starts: one transaction at a time, in order, and at most two batches held.
       */
      let inFlight: Fiber.Fiber<void, unknown> | undefined
      const settle = Effect.suspend(() => {
        const fiber = inFlight
        inFlight = undefined
        return fiber === undefined ? Effect.void : Fiber.join(fiber)
      })
      const body = Effect.gen(function*() {
        for (; nextChunk < chunks.length; nextChunk++) {
          const chunk = chunks[nextChunk]
          // A chunk sees its end as "now" and its start as every entity's last time index.
          const before = chunk === undefined ? undefined : chunk.after ?? new Date(chunk.from!.getTime() - 1)
          const watermarks: NodeWatermarks = before === undefined ? stored : {
            first: stored.first,
            last: before,
            entities: stored.entities.map((entity) => ({ ...entity, last: before })),
            lastFor: (entity) => {
              stored.lastFor(entity)
              return before
            }
          }
          const context: UpdateContext<never, never, never> = {
            kind: label.kind,
            configuration: graphNode.node.configuration as never,
            storage: graphNode.node.storage as never,
            updateHash: label.updateHash,
            asOf: chunk?.through ?? asOf,
            watermarks,
            dependencies: graphNode.dependencies as never,
            read: reader.read,
            readTable: reader.readTable
          }
          // Every node of the graph is a root or a dependency of one, whose requirements `R` includes.
          const output: unknown = yield* thrownAsFailure(graphNode.node.update(context) as Effect.Effect<unknown, unknown, never>)
          // Untraced: it runs once per chunk of a streamed output and only cuts the chunk into batches, each of which
          // has its span (Runner.writeBatch).
          const writeRows = Effect.fnUntraced(function*(output: unknown) {
            if (!Array.isArray(output)) {
              return yield* new NodeOutputError({ node: `${label.kind} (${label.updateHash})`, found: describeValue(output) })
            }
            const rows = chunk === undefined ? output : output.filter((row) => inside(chunk, row))
            totals.rowsOutsideRange += output.length - rows.length
            for (let offset = 0; offset < rows.length; offset += batchSize) {
              const slice = rows.slice(offset, offset + batchSize)
              const validated = yield* Effect.fromResult(
                validateBatch(graphNode.shape, slice, { node: `${label.kind} (${label.updateHash})`, batch, firstRow: written })
              )
              // Encoded for COPY here too, while a server writes the batch before (the write usually sends it so);
              // the embedded database runs in this thread, where nothing overlaps and the write encodes what it sends.
              const copyData = database.backend === "postgres" ? copyDataOf(validated) : undefined
              yield* settle
              written += slice.length
              batch++
              const [number, totalRows] = [batch, written]
              const sent = yield* Deferred.make<void>()
              inFlight = yield* Effect.forkChild(
                Effect.flatMap(writeBatch(validated, copyData, sent), (result) =>
                  Effect.flatMap(elapsed, (elapsedMs) =>
                    emit({ _tag: "BatchWritten", node: label, batch: number, rows: slice.length, ...result, totalRows, elapsedMs })))
              )
              // Resumes once the write's main statement is on its way (or the write ended).
              yield* Deferred.await(sent)
            }
          })
          if (Stream.isStream(output)) {
            const batches = (output as Stream.Stream<unknown, unknown, never>).pipe(
              Stream.catchDefect((defect) => Stream.fromEffect(thrownAsFailure(Effect.die(defect))))
            )
            yield* Stream.runForEach(batches, writeRows)
          } else yield* writeRows(output)
          yield* settle
          if (chunk !== undefined) {
            yield* records.recordBackfillProgress(run.uid, chunk.through)
            yield* emit({ _tag: "BackfillChunkDone", node: label, chunk: nextChunk + 1, chunks: chunks.length, through: chunk.through })
          }
        }
      })
      // A failure (the next batch invalid, the node's stream failing) lets the batch in flight finish first:
      // a failure keeps the batches before it.
      yield* body.pipe(Effect.onError(() => Effect.ignore(settle)))
    }).pipe(Effect.withSpan("Runner.attempt"))

    const attemptFailed = (error: unknown, retrying: boolean) =>
      emit({
        _tag: "AttemptFailed",
        node: label,
        attempt: totals.attempts,
        message: describeFailure(Cause.fail(error)).message,
        retrying
      })
    // An attempt is reported `retrying` only once the schedule has decided to try again, so the last one (the
    // schedule exhausted, or a failure that would recur) is reported once, as not retried.
    const retrySchedule = retry.pipe(
      Schedule.while(({ input }) => isRetryableFailure(input)),
      Schedule.tap(({ input }) => attemptFailed(input, true))
    )
    const exit = yield* attempt.pipe(
      Effect.retry(retrySchedule),
      Effect.tapError((error) => attemptFailed(error, false)),
      Effect.onInterrupt(() =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.ignore(records.finishRun({
            runUid: run.uid,
            status: "interrupted",
            attempts: totals.attempts,
            error: null,
            finishedAt: new Date(now)
          }))
        )
      ),
      Effect.exit,
      Effect.ensuring(Effect.sync(() => held.delete(run.uid)))
    )
    const error = Exit.isFailure(exit) ? describeFailure(exit.cause) : null
    const finishedAt = yield* Clock.currentTimeMillis
    yield* records.finishRun({
      runUid: run.uid,
      status: error === null ? "succeeded" : "failed",
      attempts: totals.attempts,
      error,
      finishedAt: new Date(finishedAt)
    })
    return outcomeOf(graphNode, {
      status: error === null ? "succeeded" : "failed",
      runUid: run.uid,
      ...totals,
      durationMs: finishedAt - started,
      error
    })
  },
    // The catalog itself failing (registering the update, recording the run) fails the node, not the run.
    (effect, graphNode) =>
      Effect.catch(effect, (error) =>
        Effect.succeed(outcomeOf(graphNode, { status: "failed", error: describeFailure(Cause.fail(error)) })))
  )

  const selected = options.only === undefined ? undefined : new Set(options.only)
  const isSelected = (graphNode: GraphNode) => selected === undefined || selected.has(graphNode.identity.updateHash)

  const schedule = Effect.fn("Runner.scheduleNode")(function*(graphNode: GraphNode) {
    if (!isSelected(graphNode)) {
      // Not asked for: its dependants read its table as it stands.
      const outcome = outcomeOf(graphNode, { status: "fresh" })
      yield* Deferred.succeed(done.get(graphNode.identity.updateHash)!, outcome)
      return outcome
    }
    const dependencies = yield* Effect.forEach(graphNode.dependsOn, (hash) => Deferred.await(done.get(hash)!))
    const blockers = dependencies.filter((outcome) => outcome.status === "failed" || outcome.status === "skipped")
    const outcome = blockers.length > 0
      ? outcomeOf(graphNode, {
        status: "skipped",
        skippedBecause: blockers.map((blocker) => `${blocker.kind} (${blocker.updateHash})`)
      })
      : yield* semaphore.withPermits(1)(execute(graphNode))
    finishedOutcomes.push(outcome)
    yield* emit({ _tag: "NodeFinished", outcome })
    yield* Deferred.succeed(done.get(graphNode.identity.updateHash)!, outcome)
    return outcome
  })

  const all = yield* Effect.forEach(graph.nodes, schedule, { concurrency: "unbounded" }).pipe(
    Effect.onInterrupt(() =>
      Effect.suspend(() => {
        const finished = new Set(finishedOutcomes.map((outcome) => outcome.updateHash))
        return emit({
          _tag: "RunInterrupted",
          finished: [...finishedOutcomes],
          unfinished: graph.nodes.filter((graphNode) => isSelected(graphNode) && !finished.has(graphNode.identity.updateHash)).map((graphNode) => {
            const label = labelOf(graphNode)
            const reached = progress.get(label.updateHash)
            return { node: label, started: reached !== undefined, batches: reached?.batches ?? 0, rows: reached?.rows ?? 0 }
          })
        })
      })
    ),
    Effect.ensuring(Fiber.interrupt(heartbeat))
  )
  const outcomes = all.filter((_, index) => isSelected(graph.nodes[index]!))
  const finished = yield* Clock.currentTimeMillis
  return {
    ok: outcomes.every((outcome) => outcome.status === "succeeded" || outcome.status === "fresh"),
    asOf,
    durationMs: finished - runStarted,
    nodes: outcomes
  }
})

/**
 * Runs `nodes` and everything they depend on. Fails only when the graph cannot be built; a node that fails is
 * reported in the `RunReport` (`ok: false`), with the nodes it blocked.
 */
export const runNodes = <R>(
  nodes: ReadonlyArray<AnyDataNode<R>>,
  options: RunOptions = {}
): Effect.Effect<RunReport, RunnerError, R | Engine | SqlClient.SqlClient | Database> => runGraph(nodes, options)
