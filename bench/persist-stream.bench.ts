/**
 * Resident memory of a node streaming 10,000,000 rows (issue 20: < 400 MB, flat with the row count), on a
 * scratch database of the PostgreSQL server (`TEST_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/postgres).
 * A DataNode returns a Stream of 25,000-row arrays made as they are pulled, and `runNodes` writes them as a
 * run does: validated, encoded for COPY, each batch in a transaction with its watermarks and run counters.
 * The baseline is the same node streaming a tenth of the rows in the same process first: memory flat with the
 * row count means the ten-times run peaks where the small one did. PERSIST_STREAM_ROWS runs another count.
 *
 * Resident memory is the process's peak (`maxRSS`, what the kernel counted), read after each run; the heap is
 * sampled at every batch's end (garbage included) and after a full collection once the run is over (what
 * is retained). What lies between the two is V8's: it lets the old generation grow with the allocation
 * rate before collecting it, so the peak depends on its heap limits as much as on what a run holds
 * (`--max-old-space-size=200` put the 1M-row run at 327 MB instead of 508 MB, the heap at a batch's end at
 * 81 MB instead of 267 MB, with no failure: what the run holds is far below either).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as NodeCrypto from "node:crypto"
import * as NodeOs from "node:os"
import { Database } from "../src/db/Database.ts"
import { redactDatabaseUrl } from "../src/db/DatabaseTarget.ts"
import { DataNode, DataNodeConfiguration, PlatformTimeIndexMetaTable, runNodes, startEngine } from "../src/index.ts"
import { deployTables } from "../test/support/deploy.ts"
import { tickColumns, tickInfo, ticks } from "./support/ticks.ts"
import { collectGarbage, formatMb, verdict } from "./support/measure.ts"
import { admin, adminUrl, serverUnreachable } from "./support/server.ts"

const ROWS = Number(process.env["PERSIST_STREAM_ROWS"] ?? 10_000_000)
const CHUNK = 25_000
const TARGET_MB = 400

class SmallTicks extends PlatformTimeIndexMetaTable<SmallTicks>()({
  name: "bench__stream_small",
  namespace: "bench",
  identifier: "bench.stream_small",
  description: "One row per asset and minute (the tenth).",
  indexNames: ["time_index", "asset"],
  columns: tickColumns(),
  columnInfo: tickInfo
}) {}

class Ticks extends PlatformTimeIndexMetaTable<Ticks>()({
  name: "bench__stream",
  namespace: "bench",
  identifier: "bench.stream",
  description: "One row per asset and minute.",
  indexNames: ["time_index", "asset"],
  columns: tickColumns(),
  columnInfo: tickInfo
}) {}

class StreamConfig extends DataNodeConfiguration<StreamConfig>("BenchStreamConfig")({
  rows: Schema.Int.annotate({ description: "Rows to stream." })
}) {}

/** Its rows as a stream of arrays, each made when the runner pulls it. */
const streamOf = (rows: number) =>
  Stream.unfold(0, (first) =>
    Effect.sync(() => first >= rows ? undefined : [ticks(first, Math.min(CHUNK, rows - first)), first + CHUNK] as const))

class SmallStreamNode extends DataNode({
  kind: "BenchStreamSmall",
  configuration: StreamConfig,
  storage: SmallTicks,
  update: (ctx) => Effect.succeed(streamOf(ctx.configuration.rows))
}) {}

class StreamNode extends DataNode({
  kind: "BenchStream",
  configuration: StreamConfig,
  storage: Ticks,
  update: (ctx) => Effect.succeed(streamOf(ctx.configuration.rows))
}) {}

/** The process's peak resident set so far (`maxRSS` is in kibibytes). */
const peakRss = () => process.resourceUsage().maxRSS * 1024

console.log(
  `persist-stream: a node streaming ${ROWS.toLocaleString("en-US")} rows in arrays of ${CHUNK.toLocaleString("en-US")} ` +
    `through runNodes, after ${(ROWS / 10).toLocaleString("en-US")} rows as the baseline; Node ${process.version}, ` +
    `load average ${NodeOs.loadavg().map((load) => load.toFixed(1)).join(" ")}`
)
const unreachable = await serverUnreachable()
if (unreachable !== undefined) {
  console.log(`PostgreSQL server: skipped, ${redactDatabaseUrl(adminUrl)} is unreachable: ${unreachable}`)
} else {
  const name = `mt_bench_${NodeCrypto.randomBytes(8).toString("hex")}`
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  await admin((client) => Effect.asVoid(client`CREATE DATABASE ${client(name)}`))
  const runtime = ManagedRuntime.make(
    Layer.fresh(Database.layerServer(Redacted.make(url.toString()), { maxConnections: 4 }))
  )
  try {
    await runtime.runPromise(deployTables([SmallTicks, Ticks]))
    let heapPeak = 0
    collectGarbage()
    console.log(
      `  before any run: RSS ${formatMb(process.memoryUsage().rss)}, heap ${formatMb(process.memoryUsage().heapUsed)} ` +
        `(the modules, the drivers, the engine)`
    )
    const run = async (node: SmallStreamNode | StreamNode, rows: number) => {
      collectGarbage()
      const started = performance.now()
      const report = await runtime.runPromise(
        runNodes([node], {
          retry: Schedule.recurs(0),
          onEvent: (event) =>
            Effect.sync(() => {
              if (event._tag === "BatchWritten") heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
            })
        }).pipe(Effect.provide(startEngine({ tables: [SmallTicks, Ticks] })))
      )
      const outcome = report.nodes[0]
      if (outcome?.status !== "succeeded" || outcome.rowsInserted !== rows) {
        throw new Error(`the run did not write its ${rows} rows: ${JSON.stringify(outcome)}`)
      }
      const seconds = (performance.now() - started) / 1000
      collectGarbage()
      return { seconds, peak: peakRss(), live: process.memoryUsage().heapUsed }
    }
    const small = await run(new SmallStreamNode(new StreamConfig({ rows: ROWS / 10 })), ROWS / 10)
    console.log(
      `  ${(ROWS / 10).toLocaleString("en-US")} rows: ${small.seconds.toFixed(1)} s ` +
        `(${Math.round(ROWS / 10 / small.seconds).toLocaleString("en-US")} rows/s); peak RSS ${formatMb(small.peak)}`
    )
    const smallHeap = heapPeak
    heapPeak = 0
    const large = await run(new StreamNode(new StreamConfig({ rows: ROWS })), ROWS)
    console.log(
      `  ${ROWS.toLocaleString("en-US")} rows: ${large.seconds.toFixed(1)} s ` +
        `(${Math.round(ROWS / large.seconds).toLocaleString("en-US")} rows/s); peak RSS ${formatMb(large.peak)} ` +
        `(heap at a batch's end: at most ${formatMb(heapPeak)}, ${formatMb(smallHeap)} for the tenth; ` +
        `after a full collection: ${formatMb(large.live)}, ${formatMb(small.live)} for the tenth)`
    )
    const passed = verdict(
      `a node streaming ${ROWS.toLocaleString("en-US")} rows`,
      `peak RSS ${formatMb(large.peak)}, ${formatMb(large.peak - small.peak)} above the run of a tenth of them`,
      `< ${TARGET_MB} MB`,
      large.peak < TARGET_MB * 1024 * 1024
    )
    if (!passed) process.exitCode = 1
  } finally {
    await runtime.dispose()
    await admin((client) => Effect.asVoid(client`DROP DATABASE IF EXISTS ${client(name)} WITH (FORCE)`))
  }
}
