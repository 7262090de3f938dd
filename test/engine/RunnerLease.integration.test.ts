/**
 * The runner and a live run of the same node held on another host, on both backends: the runner cannot look at
 * that process, so it waits (up to the lease's TTL) for the run's heartbeat; a holder whose host died stops
 * heartbeating, its run is recorded abandoned, and the node runs (what a `serve` runner taking over a dead
 * runner's nodes meets). A run held by a live process of this host is refused at once
 * (`test/catalog/SqlDataNodeRecords.integration.test.ts`, `test/cli/NodesLease.e2e.test.ts`).
 */
import { assert } from "@effect/vitest"
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import * as TestClock from "effect/testing/TestClock"
import {
  DataNode,
  DataNodeConfiguration,
  graphTables,
  PlatformTimeIndexMetaTable,
  type RunEvent,
  runNodes,
  startEngine
} from "../../src/index.ts"
import { deployTables } from "../support/deploy.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Beats extends PlatformTimeIndexMetaTable<Beats>()({
  name: "lease__beats",
  namespace: "lease-tests",
  identifier: "lease_tests.beats",
  description: "Rows written by the lease tests.",
  indexNames: ["time_index", "source"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    source: varchar({ length: 16 }).notNull(),
    value: doublePrecision().notNull()
  },
  columnInfo: { timeIndex: info("Time"), source: info("Source"), value: info("Value") }
}) {}

class BeatConfig extends DataNodeConfiguration<BeatConfig>("LeaseBeatConfig")({
  source: Schema.String.annotate({ description: "The source written." })
}) {}

class BeatNode extends DataNode({
  kind: "LeaseBeat",
  configuration: BeatConfig,
  storage: Beats,
  update: (ctx) => Effect.succeed([{ timeIndex: new Date(Date.UTC(2024, 0, 1)), source: ctx.configuration.source, value: 1 }])
}) {}

describeBackends("runNodes and a run held on another host", (it) => {
  it.effect("waits for its heartbeat to go stale, records it abandoned, and runs the node", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Beats])
      const node = new BeatNode(new BeatConfig({ source: "elsewhere" }))
      const tables = yield* Effect.fromResult(graphTables([node]))
      const sql = yield* SqlClient.SqlClient
      // A first run, to have the node's update row; then a run held on a host that died 52 s after its last beat.
      const first = yield* runNodes([node]).pipe(Effect.provide(startEngine({ tables })))
      assert.isTrue(first.ok)
      yield* sql.unsafe(
        `INSERT INTO metatables.data_node_runs (update_uid, status, forced, started_at, mode, holder, heartbeat_at)
         SELECT update_uid, 'running', false, now() - interval '5 minutes', 'run',
           '{"pid": 4242, "host": "a-host-that-died", "processStartedAt": "2024-01-01T00:00:00.000Z"}'::jsonb,
           now() - interval '52 seconds'
         FROM metatables.data_node_runs LIMIT 1`
      )
      const events: Array<RunEvent> = []
      // On the real clock: the runner waits one heartbeat interval (10 s) before it looks again.
      const report = yield* TestClock.withLive(
        runNodes([node], { onEvent: (event) => Effect.sync(() => events.push(event)) }).pipe(Effect.provide(startEngine({ tables })))
      )
      assert.isTrue(report.ok, JSON.stringify(report.nodes[0]?.error))
      assert.isAtLeast(report.durationMs, 10_000, "it waited for the heartbeat to go stale")
      assert.strictEqual(events.filter((event) => event._tag === "RunsAbandoned").length, 1)
      const runs = yield* sql<{ readonly status: string }>`SELECT status FROM metatables.data_node_runs ORDER BY started_at`
      assert.deepStrictEqual(runs.map((run) => run.status).sort(), ["abandoned", "succeeded", "succeeded"])
    }), { timeout: 120_000 })
})
