/**
 * `metatables nodes run | status` (`bun run update ...` runs `nodes run`): run a graph of DataNodes on the
 * attached engine, with progress on stderr and a summary; and show each node's last run, watermarks and rows.
 */
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Catalog } from "../../catalog/Catalog.ts"
import type { UpdateStatus } from "../../catalog/DataNodeRecords.ts"
import * as SqlCatalog from "../../catalog/SqlCatalog.ts"
import * as SqlDataNodeRecords from "../../catalog/SqlDataNodeRecords.ts"
import { DataNodeRecords } from "../../catalog/DataNodeRecords.ts"
import { importNodes } from "../../engine/NodeImport.ts"
import { DEFAULT_BATCH_SIZE } from "../../engine/UpsertBatch.ts"
import { graphTables } from "../../engine/NodeTables.ts"
import type { NodeOutcome, RunEvent, RunReport } from "../../engine/RunReport.ts"
import { DEFAULT_CONCURRENCY, runNodes } from "../../engine/Runner.ts"
import { startEngine } from "../../engine/StartEngine.ts"
import { cliDatabaseLayer } from "../CliDatabase.ts"
import { CommandFailed, runCommand } from "../CommandRunner.ts"
import { Output } from "../Output.ts"
import { currentProjectRoot } from "../../project/ProjectRoot.ts"
import { textTable } from "./CatalogCommands.ts"

const count = (value: number): string => value.toLocaleString("en-US")

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`

/** A short hash for people: the kind prefix is already shown beside it. */
const shortHash = (hash: string): string => hash.slice(hash.lastIndexOf("_") + 1, hash.lastIndexOf("_") + 9)

const progressLine = (event: RunEvent): string | undefined => {
  switch (event._tag) {
    case "RunStarted":
      return `Running ${event.nodes} node${event.nodes === 1 ? "" : "s"} as of ${event.asOf.toISOString()}`
    case "NodeStarted":
      return event.attempt === 1
        ? undefined
        : `  ${event.node.kind} ${shortHash(event.node.updateHash)}: attempt ${event.attempt}`
    case "BatchWritten":
      return `  ${event.node.kind} ${shortHash(event.node.updateHash)} -> ${event.node.table}: batch ${event.batch + 1}, ` +
        `${count(event.rows)} rows (${count(event.inserted)} new, ${count(event.updated)} changed, ` +
        `${count(event.unchanged)} unchanged), ${count(event.totalRows)} so far, ${seconds(event.elapsedMs)}`
    case "AttemptFailed":
      return `  ${event.node.kind} ${shortHash(event.node.updateHash)}: attempt ${event.attempt} failed: ${event.message}`
    case "NodeFinished":
      return outcomeLine(event.outcome)
  }
}

const outcomeLine = (outcome: NodeOutcome): string => {
  const name = `${outcome.kind} ${shortHash(outcome.updateHash)}`
  switch (outcome.status) {
    case "succeeded":
      return `ok      ${name}: ${count(outcome.rowsInserted)} new, ${count(outcome.rowsUpdated)} changed, ` +
        `${count(outcome.rowsUnchanged)} unchanged rows in ${seconds(outcome.durationMs)}`
    case "fresh":
      return `fresh   ${name}: ran recently; skipped (--force runs it anyway)`
    case "skipped":
      return `skipped ${name}: ${outcome.skippedBecause.join(", ")} failed`
    case "failed":
      return `FAILED  ${name} after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}: ` +
        `${outcome.error?.message ?? "unknown error"}`
  }
}

const reportDocument = (report: RunReport) => ({
  ok: report.ok,
  asOf: report.asOf.toISOString(),
  durationMs: report.durationMs,
  nodes: report.nodes
})

const summary = (report: RunReport): string => {
  const table = textTable(
    ["NODE", "HASH", "TABLE", "STATUS", "NEW", "CHANGED", "UNCHANGED", "TIME"],
    report.nodes.map((outcome) => [
      outcome.kind,
      shortHash(outcome.updateHash),
      outcome.table,
      outcome.status,
      count(outcome.rowsInserted),
      count(outcome.rowsUpdated),
      count(outcome.rowsUnchanged),
      seconds(outcome.durationMs)
    ])
  )
  const failed = report.nodes.filter((outcome) => outcome.status === "failed").length
  const skipped = report.nodes.filter((outcome) => outcome.status === "skipped").length
  const verdict = report.ok
    ? `All ${report.nodes.length} nodes are up to date (${seconds(report.durationMs)}).`
    : `${failed} node${failed === 1 ? "" : "s"} failed, ${skipped} skipped (${seconds(report.durationMs)}).`
  return `\n${table}\n\n${verdict}`
}

const runCommandDefinition = Command.make(
  "run",
  {
    nodes: Argument.String("nodes").pipe(
      Argument.withMetavar("MODULE:EXPORT"),
      Argument.withDescription(
        "The nodes to run: a module (relative to the project) and its export, a DataNode, an array of them, or a " +
          "function returning either; their dependencies run first"
      )
    ),
    concurrency: Flag.Int("concurrency").pipe(
      Flag.filter((value) => value >= 1, (value) => `--concurrency must be at least 1, not ${value}`),
      Flag.withDescription(`How many nodes run at once (default ${DEFAULT_CONCURRENCY})`),
      Flag.withDefault(DEFAULT_CONCURRENCY)
    ),
    force: Flag.Boolean("force").pipe(
      Flag.withDescription("Run nodes that are fresh too (nodes declared with freshFor skip a recent success)"),
      Flag.withDefault(false)
    ),
    batchSize: Flag.Int("batch-size").pipe(
      Flag.filter((value) => value >= 1, (value) => `--batch-size must be at least 1, not ${value}`),
      Flag.withDescription(`Rows per batch: each batch is validated and written in one transaction (default ${DEFAULT_BATCH_SIZE})`),
      Flag.optional
    )
  },
  ({ batchSize, concurrency, force, nodes: reference }) =>
    runCommand(Effect.gen(function*() {
      const output = yield* Output
      const projectRoot = yield* currentProjectRoot
      const nodes = yield* importNodes(reference, projectRoot)
      const tables = yield* Effect.fromResult(graphTables(nodes))
      const report = yield* runNodes(nodes, {
        concurrency,
        force,
        batchSize: Option.getOrUndefined(batchSize),
        onEvent: (event) => {
          const line = progressLine(event)
          return line === undefined ? Effect.void : output.text(line)
        }
      }).pipe(Effect.provide(startEngine({ tables }).pipe(Layer.provideMerge(cliDatabaseLayer))))
      yield* output.result({ text: summary(report), document: reportDocument(report) })
      if (!report.ok) return yield* new CommandFailed({ exitCode: 1 })
    }))
).pipe(
  Command.withDescription(
    "Run DataNodes and their dependencies: attach to the deployed tables (never migrating), validate every batch, " +
      "upsert it, and record the run; exits 1 when a node fails"
  )
)

const statusDocument = (status: UpdateStatus) => ({
  kind: status.update.kind,
  updateHash: status.update.updateHash,
  hashNamespace: status.update.hashNamespace,
  table: status.table.identifier,
  physicalTable: `${status.table.schema}.${status.table.tableName}`,
  lastRun: status.lastRun === undefined ? null : {
    uid: status.lastRun.uid,
    status: status.lastRun.status,
    startedAt: status.lastRun.startedAt.toISOString(),
    finishedAt: status.lastRun.finishedAt?.toISOString() ?? null,
    attempts: status.lastRun.attempts,
    rowsInserted: status.lastRun.rowsInserted,
    rowsUpdated: status.lastRun.rowsUpdated,
    rowsUnchanged: status.lastRun.rowsUnchanged,
    error: status.lastRun.error
  },
  lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
  watermark: status.watermark === undefined ? null : {
    first: status.watermark.first.toISOString(),
    last: status.watermark.last.toISOString(),
    entities: status.watermark.entities
  },
  totals: status.totals
})

const statusServices = SqlDataNodeRecords.layer.pipe(
  Layer.provideMerge(SqlCatalog.layer({ attach: "nodes status" })),
  Layer.provideMerge(cliDatabaseLayer)
)

const statusCommand = Command.make("status", {}, () =>
  runCommand(Effect.gen(function*() {
    const output = yield* Output
    const records = yield* DataNodeRecords
    yield* Catalog
    const statuses = yield* records.status
    const text = statuses.length === 0
      ? "No DataNode has run in this database yet; `metatables nodes run MODULE:EXPORT` runs some."
      : textTable(
        ["NODE", "HASH", "TABLE", "LAST RUN", "STARTED", "ROWS", "WATERMARK", "ENTITIES", "RUNS", "TOTAL NEW"],
        statuses.map((status) => [
          status.update.kind,
          shortHash(status.update.updateHash),
          status.table.identifier,
          status.lastRun?.status ?? "-",
          status.lastRun?.startedAt.toISOString() ?? "-",
          status.lastRun === undefined ? "-" : count(status.lastRun.rowsInserted + status.lastRun.rowsUpdated),
          status.watermark?.last.toISOString() ?? "-",
          status.watermark === undefined ? "0" : count(status.watermark.entities),
          count(status.totals.runs),
          count(status.totals.rowsInserted)
        ])
      )
    yield* output.result({ text, document: { nodes: statuses.map(statusDocument) } })
  }).pipe(Effect.provide(statusServices)))
).pipe(
  Command.withDescription(
    "Show every node that has run: its last run, the latest time index it wrote, its entities, runs and rows"
  )
)

export const nodesCommand = Command.make("nodes").pipe(
  Command.withDescription("Run DataNode update jobs and inspect their runs (`bun run update ...` runs `nodes run`)"),
  Command.withSubcommands([runCommandDefinition, statusCommand])
)
