/**
 * The 10M-row memory bench's DataNodes (`persist-stream.bench.ts`), in a module of their own so that the bench
 * deploys their tables and `metatables nodes run bench/support/streamNodes.ts:EXPORT` runs them, as a user's
 * command would. Each streams `PERSIST_STREAM_ROWS` (default 10,000,000) tick rows, or a tenth of them, in
 * arrays of 25,000 made as the runner pulls them.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { DataNode, DataNodeConfiguration, PlatformTimeIndexMetaTable } from "../../src/index.ts"
import { tickColumns, tickInfo, ticks } from "./ticks.ts"

export const STREAM_ROWS = Number(process.env["PERSIST_STREAM_ROWS"] ?? 10_000_000)
export const STREAM_CHUNK = 25_000

export class SmallTicks extends PlatformTimeIndexMetaTable<SmallTicks>()({
  name: "bench__stream_small",
  namespace: "bench",
  identifier: "bench.stream_small",
  description: "One row per asset and minute (the tenth).",
  indexNames: ["time_index", "asset"],
  columns: tickColumns(),
  columnInfo: tickInfo
}) {}

export class Ticks extends PlatformTimeIndexMetaTable<Ticks>()({
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
    Effect.sync(() =>
      first >= rows ? undefined : [ticks(first, Math.min(STREAM_CHUNK, rows - first)), first + STREAM_CHUNK] as const
    ))

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

/** The baseline: a tenth of the rows, into a table of its own. */
export const tenth = () => new SmallStreamNode(new StreamConfig({ rows: STREAM_ROWS / 10 }))

/** The measured run: all the rows. */
export const full = () => new StreamNode(new StreamConfig({ rows: STREAM_ROWS }))
