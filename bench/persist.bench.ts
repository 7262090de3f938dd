/**
 * Persisting 1,000,000 rows of a time-index table (time_index timestamptz, asset text, two floats, an int)
 * as the runner does, batch by batch (`DEFAULT_BATCH_SIZE` rows, each `validateBatch` then `upsertBatch` in
 * its own transaction), against COPY of the same rows into an identical table measured in the same run, on
 * a fresh database of the PostgreSQL server when `TEST_DATABASE_URL` (default
 * postgres://postgres@127.0.0.1:5432/postgres) answers, and on PGlite in memory. Targets (issue 20), as
 * throughput against COPY's: the first persist >= 0.9x, re-persisting the same rows (all unchanged) >= 0.7x.
 * Each phase also prints where our side's time went: making the rows, validating them, encoding them for
 * COPY, and waiting for the writes. Appends (the whole first persist) go in by binary COPY, and the re-persist
 * is staged by binary COPY and merged from a temporary table (`UpsertBatch.ts`).
 *
 * Both sides start from the same rows, generated lazily one batch at a time (as a node's stream gives them),
 * so that the heap stays bounded by the batch size; both write each batch in its own transaction. The
 * baseline encodes each batch as COPY text and streams it: on the server into `COPY ... FROM STDIN` through
 * one psql session (`@effect/sql-pg` speaks no COPY; psql's start, a few ms, counts against the baseline),
 * on PGlite into `COPY ... FROM '/dev/blob'`. PERSIST_BENCH_ROWS runs fewer rows while experimenting.
 *
 * What the statement variants measured (server, 1M rows in 25,000-row batches, wall time of validation and
 * upsert per pass, 3 rounds on the 2-core machine, first persist / re-persist of the same rows):
 * - the statement this replaced, `INSERT ... SELECT FROM unnest($1::text[], ...)` with each element cast,
 *   `ON CONFLICT (grain) DO UPDATE ... WHERE (values) IS DISTINCT FROM ...` for every row: 9.9-10.4 s /
 *   6.6-7.7 s (0.22x / 0.30x of COPY). `ON CONFLICT` costs about twice a plain insert (a probe, a speculative
 *   insert, its confirmation), and it locks (so writes) every conflicting row, even those its WHERE leaves.
 * - a staging-table merge (the arrays into a temporary table, `ON COMMIT DELETE ROWS`, then `INSERT ...
 *   SELECT FROM staging ON CONFLICT ...`): 7.8-9.4 s / 5.9-7.1 s. Filling the staging table is pure extra
 *   work: the batch is read twice either way, and a materialized CTE does that in memory.
 * - what `upsertBatch` does now: 4.9-5.7 s / 5.6-7.0 s. By the medians, the first persist 2.0x faster than
 *   the original and 1.8x faster than staging; the re-persist 1.1x faster than the original and on a par with
 *   staging (within the noise). It asks for the table's last time index (one index descent) and inserts the
 *   rows after it with a plain `INSERT` (falling back to the merge on a unique violation, in a savepoint);
 *   the others are merged with `ON CONFLICT` once an index probe has dropped those stored with the same
 *   values. The arrays are sent typed (`$1::timestamptz[]`, parsed once by the element type's input
 *   function), unnested in the select list (no tuple store per array), and elements that need no quoting
 *   are sent bare.
 * On PGlite (one round): original 16.5 s / 11.1 s, staging 10.6 s / 6.4 s, now 7.5 s / 6.4 s.
 *
 * Where the rest went on the server: the client's share (generating, validating and encoding a batch) ran
 * while the server waited, and the server's (parsing the arrays, inserting row by row, where COPY inserts
 * pages at a time) while the client waited; COPY streams, so its two shares overlap.
 *
 * Issue 20's variants (server, 1M rows, load average 3-8 on the 2-core machine):
 * - server time alone for 40 batches of COPY into the indexed table: text 2.4-3.1 s, binary 1.9-2.9 s
 *   (timestamptz and float8 parsing is most of what text costs the server); encoding a 1M-row batch stream
 *   on the client: the old `copyText` (a line per row, joined) 0.8-1.0 s, one appended string 0.35-0.5 s,
 *   binary 0.37-0.54 s.
 * - re-persisting 1M unchanged rows, the statement alone (3 rounds): the array merge probing the index row by
 *   row 3.4-4.1 s; the same without hiding the arrays' length from the planner 3.1-4.5 s; the arrays with the
 *   probe limited to the batch's time range (the planner then hashes that range) 2.3-2.6 s; staged by
 *   binary COPY into a temporary table and merged with the ranged probe 1.7-2.1 s, the one kept. `EXCEPT`
 *   against the range, in psql: 75-89 ms a batch against 13-17 ms for the hash anti-join. Without the range,
 *   a staging table's real row count led the planner to hash the whole table (433 ms a batch for 40 ms of
 *   probes), so a batch whose range holds more than twice its rows keeps the arrays.
 * - PGlite, 25,000-row batches, 32 MB of shared buffers: binary COPY 0.1-0.3 s a batch into an empty table,
 *   text COPY 0.25-0.6 s, the `INSERT` over arrays 0.2-0.4 s; but both COPYs slow down as the table grows
 *   (2-5 s a batch past 600,000 rows, also when those rows came by `INSERT`), while the `INSERT` does not.
 */
import { PGlite } from "@electric-sql/pglite"
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api-postgres"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import type * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeChildProcess from "node:child_process"
import * as NodeCrypto from "node:crypto"
import { once } from "node:events"
import * as NodeV8 from "node:v8"
import { type RowShape, rowShapeOf } from "../src/datanode/RowShape.ts"
import { validateBatch } from "../src/datanode/RowValidation.ts"
import { batchColumns } from "../src/datanode/ValidatedBatch.ts"
import { Database } from "../src/db/Database.ts"
import { redactDatabaseUrl } from "../src/db/DatabaseTarget.ts"
import { textArrayLiteral } from "../src/db/PgArrayLiteral.ts"
import { quoteIdentifier } from "../src/db/SqlText.ts"
import {
  addOutcomes,
  completeWhenSent,
  copyDataOf,
  DEFAULT_BATCH_SIZE,
  emptyOutcome,
  type PersistOutcome,
  upsertBatch
} from "../src/engine/UpsertBatch.ts"
import { storageSchemaSnapshot } from "../src/storage/StorageSchema.ts"
import { PlatformTimeIndexMetaTable } from "../src/storage/StorageTable.ts"
import { admin, adminUrl, serverUnreachable } from "./support/server.ts"
import { ASSETS, type Tick, tickColumns, tickInfo, ticks } from "./support/ticks.ts"
import { collectGarbage, formatMb, formatMs, hasGc, heapHighWater, median, now, spread, verdict } from "./support/measure.ts"

const ROWS = Number(process.env["PERSIST_BENCH_ROWS"] ?? 1_000_000)
/** `server`, `pglite` or both (the default), while experimenting. */
const BACKENDS = (process.env["PERSIST_BENCH_BACKENDS"] ?? "server,pglite").split(",")
const BATCH = DEFAULT_BATCH_SIZE
const WARMUP_ROWS = 2 * BATCH
const FIRST_TARGET = 0.9
const AGAIN_TARGET = 0.7
/** The server's rounds are a few seconds each, and the machine is shared: five give a steady median. */
const SERVER_ROUNDS = 5
/**
 * PGlite's take a minute or more. Two, so that each side runs first once: the one that runs after a
 * million-row instance has been closed starts slower (the process's memory is still settling).
 */
const PGLITE_ROUNDS = Number(process.env["PERSIST_BENCH_PGLITE_ROUNDS"] ?? 2)

class Ticks extends PlatformTimeIndexMetaTable<Ticks>()({
  name: "bench__ticks",
  namespace: "bench",
  identifier: "bench.ticks",
  description: "One row per asset and minute.",
  indexNames: ["time_index", "asset"],
  columns: tickColumns(),
  columnInfo: tickInfo
}) {}

const shape: RowShape = rowShapeOf(Ticks)!
const COPY_TABLE = "bench__ticks_copy"
const WARMUP_TABLE = "bench__ticks_warmup"

/** The batches of `rows` rows, made one at a time as they are asked for. */
function* batches(rows: number): Generator<{ readonly first: number; readonly rows: Array<Tick> }> {
  for (let first = 0; first < rows; first += BATCH) yield { first, rows: ticks(first, Math.min(BATCH, rows - first)) }
}

// ---------------------------------------------------------------------------------------------------------
// The two sides

interface Timed<A> {
  readonly result: A
  /**
   * Each batch's share of the wall time, where the side can see it: from the end of the batch before (or the
   * start) to its own commit, making its rows included. With the next batch validated while one is written,
   * a batch's own start-to-commit time would count that overlap twice.
   */
  readonly batchMs: ReadonlyArray<number>
  /** Where our side's time went: making the rows, validating them, and writing them (encoding, transfer and
   * the database's work, which the client sees only as one wait). */
  readonly split?: Split | undefined
}

interface Split {
  readonly generateMs: number
  readonly validateMs: number
  /** Encoding the batch as COPY data (binary here), done while the batch before is written, as the runner does. */
  readonly encodeMs: number
  readonly writeMs: number
}

/**
 * Validates and upserts every batch, each in its own transaction, as the runner does: the next batch is
 * validated (and, `encodeAhead`, on a server, encoded for COPY) while the database writes the current one
 * (the write signals when its main statement goes out), then the write is joined before the next one starts.
 * The split counts validation and encoding that overlapped a write as such, and only the wait that remained
 * as writing.
 */
const persist = (rows: number, encodeAhead: boolean) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    let result: PersistOutcome = emptyOutcome
    const batchMs: Array<number> = []
    let lastDone = now()
    let batch = 0
    const split = { generateMs: 0, validateMs: 0, encodeMs: 0, writeMs: 0 }
    let inFlight: Fiber.Fiber<void, unknown> | undefined
    const settle = Effect.gen(function*() {
      if (inFlight === undefined) return
      const waiting = now()
      yield* Fiber.join(inFlight)
      inFlight = undefined
      split.writeMs += now() - waiting
    })
    let generated = now()
    for (const { first, rows: chunk } of batches(rows)) {
      const started = now()
      split.generateMs += started - generated
      const validated = validateBatch(shape, chunk, { node: "bench", batch: batch++, firstRow: first })
      if (Result.isFailure(validated)) return yield* Effect.die(validated.failure)
      const validatedAt = now()
      split.validateMs += validatedAt - started
      const copyData = encodeAhead ? copyDataOf(validated.success) : undefined
      split.encodeMs += now() - validatedAt
      yield* settle
      const sent = yield* Deferred.make<void>()
      const writing = now()
      inFlight = yield* Effect.forkChild(
        sql.withTransaction(upsertBatch(shape, validated.success, { beforeWrite: completeWhenSent(sent), copyData })).pipe(
          Effect.map((outcome) => {
            result = addOutcomes(result, outcome)
            const done = now()
            batchMs.push(done - lastDone)
            lastDone = done
          }),
          Effect.ensuring(Deferred.succeed(sent, undefined))
        )
      )
      yield* Deferred.await(sent)
      split.writeMs += now() - writing
      generated = now()
    }
    yield* settle
    return { result, batchMs, split } satisfies Timed<PersistOutcome>
  })

/** COPY's text format: tab-separated, `\N` for NULL, backslash escapes. */
const copyField = (value: string): string =>
  /[\\\t\n\r]/.test(value)
    ? value.replaceAll("\\", "\\\\").replaceAll("\t", "\\t").replaceAll("\n", "\\n").replaceAll("\r", "\\r")
    : value

const copyText = (rows: ReadonlyArray<Tick>): string => {
  let text = ""
  for (const row of rows) {
    text += `${row.timeIndex.toISOString()}\t${copyField(row.asset)}\t${row.price}\t${
      row.size === null ? "\\N" : row.size
    }\t${row.trades}\n`
  }
  return text
}

const qualified = (table: string) => `${quoteIdentifier(shape.schema)}.${quoteIdentifier(table)}`
const copyStatement = (table: string, source: string) =>
  `COPY ${qualified(table)} (${shape.columns.map((column) => quoteIdentifier(column.name)).join(", ")}) FROM ${source}`

/** The server's baseline: one psql session, each batch `BEGIN; COPY ... FROM STDIN; COMMIT`. */
const copyThroughPsql = async (url: string, table: string, rows: number): Promise<Timed<void>> => {
  const parsed = new URL(url)
  // The connection goes through the environment, so that no password shows in the process list.
  const child = NodeChildProcess.spawn("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"], {
    stdio: ["pipe", "inherit", "inherit"],
    env: {
      ...process.env,
      PGHOST: parsed.hostname,
      PGPORT: parsed.port || "5432",
      PGUSER: decodeURIComponent(parsed.username) || "postgres",
      PGPASSWORD: decodeURIComponent(parsed.password),
      PGDATABASE: decodeURIComponent(parsed.pathname.slice(1))
    }
  })
  const exited = once(child, "exit")
  const write = async (chunk: string) => {
    if (!child.stdin.write(chunk)) await once(child.stdin, "drain")
  }
  for (const { rows: chunk } of batches(rows)) {
    await write(`BEGIN;\n${copyStatement(table, "STDIN")};\n`)
    await write(copyText(chunk))
    await write("\\.\nCOMMIT;\n")
  }
  child.stdin.end()
  const [code] = await exited
  if (code !== 0) throw new Error(`psql exited with ${String(code)}`)
  return { result: undefined, batchMs: [] }
}

/** PGlite's baseline: each batch `BEGIN; COPY ... FROM '/dev/blob'; COMMIT`. */
const copyIntoPglite = async (pg: PGlite, table: string, rows: number): Promise<Timed<void>> => {
  const batchMs: Array<number> = []
  let lastDone = now()
  for (const { rows: chunk } of batches(rows)) {
    await pg.exec("BEGIN")
    await pg.query(copyStatement(table, "'/dev/blob'"), [], { blob: new Blob([copyText(chunk)]) })
    await pg.exec("COMMIT")
    const done = now()
    batchMs.push(done - lastDone)
    lastDone = done
  }
  return { result: undefined, batchMs }
}

// ---------------------------------------------------------------------------------------------------------
// Measuring

interface Sample {
  readonly ms: number
  readonly batchMs: ReadonlyArray<number>
  /** The heap's high-water mark above the heap in use when the phase started, garbage included. */
  readonly heapPeak: number
  /**
   * The most the heap held live (right after a full collection) during the phase, above the heap in use
   * when it started: what the phase retains, which batching must keep to about a batch.
   */
  readonly liveHeap: number
  /** How much the process's resident set grew over the phase. */
  readonly rssGrowth: number
  readonly split: Split | undefined
}

/** Times `work`, with the heap's high-water marks (peak and live) and the resident set's growth. */
const measure = async <A>(work: () => Promise<Timed<A>>): Promise<[A, Sample]> => {
  collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  const rssBefore = process.memoryUsage().rss
  const peak = heapHighWater()
  const profiler = new NodeV8.GCProfiler()
  profiler.start()
  const started = now()
  const { result, batchMs, split } = await work()
  const ms = now() - started
  const heapPeak = peak.stop()
  const fullCollections = (profiler.stop()?.statistics ?? []).filter((gc) => gc.gcType === "MarkSweepCompact")
  collectGarbage()
  const live = Math.max(
    process.memoryUsage().heapUsed,
    ...fullCollections.map((gc) => gc.afterGC.heapStatistics.usedHeapSize)
  )
  return [result, {
    ms,
    batchMs,
    heapPeak: heapPeak - heapBefore,
    liveHeap: live - heapBefore,
    rssGrowth: process.memoryUsage().rss - rssBefore,
    split
  }]
}

/** The heap in use and the array buffers beside it (where validation's typed columns keep their numbers). */
const heldMemory = () => {
  const { arrayBuffers, heapUsed } = process.memoryUsage()
  return heapUsed + arrayBuffers
}

/**
 * What one batch takes in memory at its peak: its rows, its validated columns and their array literals, on
 * the heap and in the array buffers of its number columns.
 */
const batchFootprint = (): number => {
  collectGarbage()
  const before = heldMemory()
  const rows = ticks(0, BATCH)
  const validated = validateBatch(shape, rows, { node: "bench", batch: 0, firstRow: 0 })
  if (Result.isFailure(validated)) throw validated.failure
  const literals = batchColumns(validated.success).map(textArrayLiteral)
  collectGarbage()
  const held = heldMemory() - before
  // Read after measuring, so that nothing above is collected before it.
  if (rows.length + literals.length + validated.success.rowCount === 0) throw new Error("empty batch")
  return held
}

const rowsPerSecond = (ms: number) => `${Math.round(ROWS / (ms / 1000)).toLocaleString("en-US")} rows/s`

const expectOutcome = (label: string, outcome: PersistOutcome, expected: PersistOutcome) => {
  if (outcome.inserted !== expected.inserted || outcome.updated !== expected.updated || outcome.unchanged !== expected.unchanged) {
    throw new Error(`${label}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(outcome)}`)
  }
}

interface Round {
  readonly copy: Sample
  readonly first: Sample
  readonly again: Sample
}

/** What a backend does: one round of the three phases, each on fresh tables. */
interface Backend {
  readonly name: string
  readonly rounds: number
  /** Notes printed under the backend's results (why a number is what it is). */
  readonly notes: ReadonlyArray<string>
  /**
   * The first persist's target is held against the throughput over the first tenth of the batches, and is
   * this (PGlite: 1x, issue 20), rather than over the whole run against `FIRST_TARGET`.
   */
  readonly earlyFirstTarget?: number | undefined
  readonly round: (copyFirst: boolean) => Promise<Round>
}

const sampleLine = (label: string, samples: ReadonlyArray<Sample>) => {
  const ms = median(samples.map((sample) => sample.ms))
  const most = (of: (sample: Sample) => number) => Math.max(...samples.map(of))
  return `  ${label.padEnd(46)} ${formatMs(ms).padStart(9)} ${spread(samples.map((sample) => sample.ms)).padEnd(22)} ` +
    `${rowsPerSecond(ms).padStart(16)}; heap live +${formatMb(most((sample) => sample.liveHeap))}, ` +
    `peak +${formatMb(most((sample) => sample.heapPeak))}; RSS +${formatMb(most((sample) => sample.rssGrowth))}`
}

const tenthOf = (batchMs: ReadonlyArray<number>) => Math.max(1, Math.floor(batchMs.length / 10))

/** `first tenth -> last tenth` of a phase's batch times (medians), to show whether a side slows as the table grows. */
const trend = (batchMs: ReadonlyArray<number>): string =>
  `${median(batchMs.slice(0, tenthOf(batchMs))).toFixed(0)} -> ${median(batchMs.slice(-tenthOf(batchMs))).toFixed(0)} ms`

const sum = (values: ReadonlyArray<number>) => values.reduce((total, value) => total + value, 0)

/** The throughput ratio over the first tenth of the rows only (the wall time to commit them), while the table is still small. */
const earlyRatio = (copy: Sample, persisted: Sample): number =>
  sum(copy.batchMs.slice(0, tenthOf(copy.batchMs))) / sum(persisted.batchMs.slice(0, tenthOf(persisted.batchMs)))

/** Runs the rounds (the baseline first in even rounds, last in odd ones) and prints the verdicts. */
const compare = async (backend: Backend): Promise<boolean> => {
  const rounds: Array<Round> = []
  for (let round = 0; round < backend.rounds; round++) rounds.push(await backend.round(round % 2 === 0))
  const firstRatios = rounds.map((round) => round.copy.ms / round.first.ms)
  const againRatios = rounds.map((round) => round.copy.ms / round.again.ms)
  const ratios = (values: ReadonlyArray<number>) => values.map((value) => value.toFixed(2)).join(", ")
  console.log(
    `${backend.name}: ${ROWS.toLocaleString("en-US")} rows in batches of ${BATCH.toLocaleString("en-US")}, ` +
      `${backend.rounds === 1 ? "one round" : `medians of ${backend.rounds} rounds`} ` +
      `(heap and RSS: the largest growth over a phase, above where it started)`
  )
  console.log(sampleLine("(a) COPY, a transaction per batch:", rounds.map((round) => round.copy)))
  console.log(sampleLine("(b) validate + upsertBatch, first persist:", rounds.map((round) => round.first)))
  console.log(sampleLine("(c) validate + upsertBatch, same rows again:", rounds.map((round) => round.again)))
  if (backend.rounds > 1) console.log(`  per round, (a)/(b): ${ratios(firstRatios)}; (a)/(c): ${ratios(againRatios)}`)
  for (const [label, pick] of [["(b)", (round: Round) => round.first], ["(c)", (round: Round) => round.again]] as const) {
    const splits = rounds.flatMap((round) => pick(round).split === undefined ? [] : [pick(round).split!])
    if (splits.length === 0) continue
    const share = (of: (split: Split) => number) => formatMs(median(splits.map(of)))
    console.log(
      `  ${label} split (medians): making the rows ${share((split) => split.generateMs)}, validation ${share((split) => split.validateMs)}, ` +
        `encoding for COPY ${share((split) => split.encodeMs)}, waiting for the writes (transfer, the database's work) ${share((split) => split.writeMs)}`
    )
  }
  const last = rounds.at(-1)!
  const trends = [["(a)", last.copy], ["(b)", last.first], ["(c)", last.again]] as const
  const seen = trends.filter(([, sample]) => sample.batchMs.length > 0)
  if (seen.length > 0) {
    const early = last.copy.batchMs.length > 0
      ? `; (a)/(b) over the first tenth, per round: ${rounds.map((round) => earlyRatio(round.copy, round.first).toFixed(2)).join(", ")}`
      : ""
    console.log(
      `  a batch, first tenth -> last tenth of the run: ${seen.map(([label, sample]) => `${label} ${trend(sample.batchMs)}`).join(", ")}${early}`
    )
  }
  if (process.env["PERSIST_BENCH_DEBUG"] !== undefined) {
    for (const [label, sample] of trends) console.log(`  ${label} batches: ${sample.batchMs.map((ms) => ms.toFixed(0)).join(" ")}`)
  }
  for (const note of backend.notes) console.log(`  ${note}`)
  const first = median(firstRatios)
  const again = median(againRatios)
  // Per round, then the median: the rounds alternate which side runs first in the process.
  const early = backend.earlyFirstTarget === undefined
    ? undefined
    : median(rounds.map((round) => earlyRatio(round.copy, round.first)))
  const passedFirst = early === undefined
    ? verdict(`first persist on ${backend.name}`, `${first.toFixed(2)}x COPY's throughput`, `>= ${FIRST_TARGET}x`, first >= FIRST_TARGET)
    : verdict(
      `first persist on ${backend.name}, over the first tenth of the rows`,
      `${early.toFixed(2)}x COPY's throughput (median of the rounds; ${first.toFixed(2)}x over the whole run)`,
      `>= ${backend.earlyFirstTarget}x`,
      early >= backend.earlyFirstTarget!
    )
  const passedAgain = verdict(
    `re-persist (all unchanged) on ${backend.name}`,
    `${again.toFixed(2)}x COPY's throughput`,
    `>= ${AGAIN_TARGET}x`,
    again >= AGAIN_TARGET
  )
  return passedFirst && passedAgain
}

/** The persisted table's DDL (drizzle-kit's, as a migration would create it) and identical COPY targets. */
const tableStatements = async (): Promise<ReadonlyArray<string>> => {
  const snapshot = await Effect.runPromise(storageSchemaSnapshot([Ticks]))
  const statements = await generateMigration(await generateDrizzleJson({}), snapshot)
  const like = (table: string) => `CREATE TABLE ${qualified(table)} (LIKE ${qualified(shape.table)} INCLUDING ALL)`
  return [...statements, like(COPY_TABLE), like(WARMUP_TABLE)]
}

const dropStatements = [shape.table, COPY_TABLE, WARMUP_TABLE].map((table) => `DROP TABLE IF EXISTS ${qualified(table)}`)

const countRows = (table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [row] = yield* sql.unsafe<{ readonly n: bigint | number }>(`SELECT count(*) AS n FROM ${qualified(table)}`)
    return Number(row?.n ?? -1)
  })

type Run = <X>(effect: Effect.Effect<X, unknown, SqlClient.SqlClient>) => Promise<X>

/** Runs `use` with a way to run effects on the database of `layer`, which lives until `use` is done. */
const withDatabase = async <A>(layer: Layer.Layer<SqlClient.SqlClient, unknown>, use: (run: Run) => Promise<A>): Promise<A> => {
  const runtime = ManagedRuntime.make(layer)
  try {
    return await use((effect) => runtime.runPromise(effect))
  } finally {
    await runtime.dispose()
  }
}

const runStatements = (statements: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const statement of statements) yield* sql.unsafe(statement)
  })

/** A few batches through the same code on a scratch table, so that the measured passes run optimized code. */
const warmUp = (run: Run) => {
  const warmShape: RowShape = { ...shape, table: WARMUP_TABLE }
  return run(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const { first, rows } of batches(WARMUP_ROWS)) {
      const validated = validateBatch(warmShape, rows, { node: "warm-up", batch: 0, firstRow: first })
      if (Result.isFailure(validated)) return yield* Effect.die(validated.failure)
      yield* sql.withTransaction(upsertBatch(warmShape, validated.success))
    }
  }))
}

/** The first persist, then the same rows again; each outcome checked, and the rows counted. */
const persistPasses = async (run: Run, encodeAhead: boolean) => {
  const [firstOutcome, first] = await measure(() => run(persist(ROWS, encodeAhead)))
  expectOutcome("first persist", firstOutcome, { inserted: ROWS, updated: 0, unchanged: 0 })
  const [againOutcome, again] = await measure(() => run(persist(ROWS, encodeAhead)))
  expectOutcome("re-persist", againOutcome, { inserted: 0, updated: 0, unchanged: ROWS })
  const stored = await run(countRows(shape.table))
  if (stored !== ROWS) throw new Error(`the persisted table holds ${stored} rows, not ${ROWS}`)
  return { first, again }
}

// ---------------------------------------------------------------------------------------------------------
// The run

console.log(
  `persist: ${ROWS.toLocaleString("en-US")} rows (${ASSETS} assets x ${Math.ceil(ROWS / ASSETS)} minutes; ` +
    `time_index timestamptz, asset text, price float8, size float8, trades int4), Node ${process.version}`
)
if (!hasGc()) console.log("  (run with --expose-gc, as `npm run bench` does, for the heap figures)")
const footprint = batchFootprint()
console.log(
  `  one batch in memory (its rows, validated columns and array literals): ${formatMb(footprint)}; ` +
    `all ${ROWS.toLocaleString("en-US")} rows held at once would take about ${formatMb(footprint * ROWS / BATCH)}`
)

const statements = await tableStatements()
const results: Array<boolean> = []

// The server first, while the process is small: its RSS figures are then the bench's own.
const unreachable = BACKENDS.includes("server") ? await serverUnreachable() : "left out by PERSIST_BENCH_BACKENDS"
if (unreachable !== undefined) {
  console.log(`PostgreSQL server: skipped, ${redactDatabaseUrl(adminUrl)} is unreachable: ${unreachable}`)
} else {
  // A scratch database with a random name, dropped afterwards.
  const name = `mt_bench_${NodeCrypto.randomBytes(8).toString("hex")}`
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  await admin((client) => Effect.asVoid(client`CREATE DATABASE ${client(name)}`))
  try {
    await withDatabase(Database.layerServer(Redacted.make(url.toString()), { maxConnections: 2 }), async (run) => {
      const copy = async () => {
        const [, sample] = await measure(() => copyThroughPsql(url.toString(), COPY_TABLE, ROWS))
        const copied = await run(countRows(COPY_TABLE))
        if (copied !== ROWS) throw new Error(`COPY on the server stored ${copied} rows`)
        return sample
      }
      results.push(await compare({
        name: `PostgreSQL server ${redactDatabaseUrl(adminUrl)}`,
        rounds: SERVER_ROUNDS,
        notes: [
          "(a) streams the batches through one psql session (@effect/sql-pg speaks no COPY); psql's start counts in (a).",
          "The heap stays flat with the row count: each batch is made, validated, written and dropped in turn."
        ],
        round: async (copyFirst) => {
          await run(runStatements([...dropStatements, ...statements]))
          await copyThroughPsql(url.toString(), WARMUP_TABLE, WARMUP_ROWS)
          await run(runStatements([`TRUNCATE ${qualified(WARMUP_TABLE)}`]))
          await warmUp(run)
          const before = copyFirst ? await copy() : undefined
          const passes = await persistPasses(run, true)
          return { copy: before ?? await copy(), ...passes }
        }
      }))
    })
  } finally {
    await admin((client) => Effect.asVoid(client`DROP DATABASE IF EXISTS ${client(name)} WITH (FORCE)`))
  }
}

// PGlite: COPY on its own instance (the client does not expose PGlite), both started from one template.
if (BACKENDS.includes("pglite")) await comparePglite()

async function comparePglite() {
  const template = await (async () => {
    const pg = await PGlite.create()
    const dump = await pg.dumpDataDir("none")
    await pg.close()
    return new Uint8Array(await dump.arrayBuffer())
  })()
  const pgliteCopy = async (): Promise<Sample> => {
    const pg = await PGlite.create({ loadDataDir: new Blob([template]) })
    try {
      for (const statement of statements) await pg.exec(statement)
      await copyIntoPglite(pg, WARMUP_TABLE, WARMUP_ROWS)
      const [, sample] = await measure(() => copyIntoPglite(pg, COPY_TABLE, ROWS))
      const counted = await pg.query<{ readonly n: number }>(`SELECT count(*)::int AS n FROM ${qualified(COPY_TABLE)}`)
      if (counted.rows[0]?.n !== ROWS) throw new Error(`COPY on PGlite stored ${counted.rows[0]?.n} rows`)
      return sample
    } finally {
      await pg.close()
    }
  }
  results.push(await compare({
    name: "PGlite (in memory)",
    rounds: PGLITE_ROUNDS,
    earlyFirstTarget: 1,
    notes: [
      "(a) is COPY ... FROM '/dev/blob' on a second instance from the same template.",
      "PGlite's COPY slows down as its table grows while the upsert keeps its pace (the line above), so the ratio",
      "grows with the row count; the ratio over the first tenth shows the two before that sets in.",
      "RSS grows with the data here: the database lives in this process's WebAssembly memory, which never shrinks."
    ],
    round: async (copyFirst) => {
      const before = copyFirst ? await pgliteCopy() : undefined
      collectGarbage()
      const passes = await withDatabase(Database.layerMemory({ loadDataDir: new Blob([template]) }), async (run) => {
        await run(runStatements(statements))
        await warmUp(run)
        return persistPasses(run, false)
      })
      return { copy: before ?? await pgliteCopy(), ...passes }
    }
  }))
}

if (results.some((passed) => !passed)) process.exitCode = 1
