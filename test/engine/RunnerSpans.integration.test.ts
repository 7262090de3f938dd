/**
 * A trace of a node run shows its steps: attaching the engine, building the graph, and for the node its update
 * row, its run record, each attempt with its batches (upsert and watermarks) and the end of the run, each
 * under the step that took it.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import {
  DataNode,
  DataNodeConfiguration,
  graphTables,
  PlatformTimeIndexMetaTable,
  runNodes,
  startEngine
} from "../../src/index.ts"
import { deployTables } from "../support/deploy.ts"
import { recordSpans, spanNames } from "../support/SpanRecorder.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Levels extends PlatformTimeIndexMetaTable<Levels>()({
  name: "spans__levels",
  namespace: "span-tests",
  identifier: "span_tests.levels",
  description: "Levels written by the span tests.",
  indexNames: ["time_index", "gauge"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    gauge: varchar({ length: 16 }).notNull(),
    level: doublePrecision().notNull()
  },
  columnInfo: { timeIndex: info("Time"), gauge: info("Gauge"), level: info("Level") }
}) {}

class LevelConfig extends DataNodeConfiguration<LevelConfig>("SpanLevelConfig")({
  gauges: Schema.Array(Schema.String).annotate({ description: "The gauges written." })
}) {}

class LevelNode extends DataNode({
  kind: "SpanLevel",
  configuration: LevelConfig,
  storage: Levels,
  update: (ctx) =>
    Effect.succeed(ctx.configuration.gauges.map((gauge, index) => ({
      timeIndex: new Date(Date.UTC(2024, 0, 1 + index)),
      gauge,
      level: index
    })))
}) {}

const PREFIXES = [
  "SqlCatalog.",
  "StartEngine.",
  "Catalog.",
  "TableIntrospection.",
  "NodeGraph.",
  "UpdateHash.",
  "Runner.",
  "UpsertBatch.",
  "DataNodeRecords."
]

/** What one batch of the run shows. */
const BATCH = ["Runner.writeBatch", "UpsertBatch.upsertBatch", "DataNodeRecords.recordBatch"]

describeBackends("the trace of a node run", (it) => {
  it.effect("shows each step in order, under the step that took it", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const node = new LevelNode(new LevelConfig({ gauges: ["a", "b", "c"] }))
      const tables = yield* Effect.fromResult(graphTables([node]))
      const { result, spans } = yield* recordSpans(
        runNodes([node], { batchSize: 2 }).pipe(Effect.provide(startEngine({ tables })))
      )
      assert.isTrue(result.ok)
      assert.deepStrictEqual(spanNames(spans, PREFIXES), [
        // startEngine: the catalog, checked at its version, then the tables attached.
        "SqlCatalog.make",
        "SqlCatalog.requireCatalogVersion",
        "StartEngine.attach",
        "Catalog.resolveActive",
        "TableIntrospection.introspectTables",
        // The run: the graph, then the node, its attempt and its two batches (three rows, two per batch).
        "Runner.runNodes",
        "NodeGraph.collectGraph",
        "UpdateHash.computeNodeIdentity",
        "Runner.scheduleNode",
        "Runner.runNode",
        "DataNodeRecords.registerUpdate",
        "DataNodeRecords.recoverAbandoned",
        "DataNodeRecords.startRun",
        "Runner.attempt",
        "DataNodeRecords.watermarks",
        ...BATCH,
        ...BATCH,
        "DataNodeRecords.finishRun"
      ])
      const upserts = spans.filter((span) => span.name === "UpsertBatch.upsertBatch")
      for (const upsert of upserts) {
        const steps = upsert.ancestors.filter((name) => name.startsWith("Runner."))
        assert.deepStrictEqual(steps, ["Runner.writeBatch", "Runner.attempt", "Runner.runNode", "Runner.scheduleNode", "Runner.runNodes"])
      }
      assert.deepStrictEqual(spans.find((span) => span.name === "Catalog.resolveActive")?.ancestors, ["StartEngine.attach"])
    }))
})
