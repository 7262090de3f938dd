/**
 * What `metatables nodes run | status` do, loaded when one of them runs (the tree is `NodesCommands.ts`): run
 * a graph of DataNodes on the attached engine, with progress on stderr and a summary, after bringing the
 * project's provider to head when `--upgrade` asks for it; and show each node's last run, watermarks and rows.
 */
import type * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Catalog } from "../../catalog/Catalog.ts"
import { DataNodeRecords, type UpdateStatus } from "../../catalog/DataNodeRecords.ts"
import * as SqlCatalog from "../../catalog/SqlCatalog.ts"
import * as SqlDataNodeRecords from "../../catalog/SqlDataNodeRecords.ts"
import { importNodes } from "../../engine/NodeImport.ts"
import { graphTables } from "../../engine/NodeTables.ts"
import type { NodeOutcome, RunEvent, RunReport } from "../../engine/RunReport.ts"
import { runNodes } from "../../engine/Runner.ts"
import { startEngine } from "../../engine/StartEngine.ts"
import { cliDatabaseLayer } from "../CliDatabase.ts"
import { CommandFailed } from "../CommandRunner.ts"
import { Output } from "../Output.ts"
import { currentProjectRoot } from "../../project/ProjectRoot.ts"
import { textTable } from "../TextTable.ts"
import { migrateAndReport, migrationCatalog, projectProvider } from "./MigrationsHandlers.ts"
import type { runOptions } from "./NodesCommands.ts"

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

export const run = (options: Command.Command.Config.Infer<typeof runOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const projectRoot = yield* currentProjectRoot
    const nodes = yield* importNodes(options.nodes, projectRoot)
    const tables = yield* Effect.fromResult(graphTables(nodes))
    // The provider is found before the database opens, so that a wrong reference costs nothing.
    const provider = options.upgrade ? Option.some((yield* projectProvider(options.provider)).provider) : Option.none()
    // One database for both steps: the upgrade, then the engine attaching to the tables it left active.
    const [upgrade, report] = yield* Effect.gen(function*() {
      const upgrade = Option.isNone(provider)
        ? undefined
        : yield* migrateAndReport(provider.value, "upgrade", "head").pipe(Effect.provide(migrationCatalog))
      if (upgrade !== undefined) yield* output.text(upgrade.text)
      const report = yield* runNodes(nodes, {
        concurrency: options.concurrency,
        force: options.force,
        batchSize: Option.getOrUndefined(options.batchSize),
        onEvent: (event) => {
          const line = progressLine(event)
          return line === undefined ? Effect.void : output.text(line)
        }
      }).pipe(Effect.provide(startEngine({ tables })))
      return [upgrade, report] as const
    }).pipe(Effect.provide(cliDatabaseLayer))
    yield* output.result({
      text: summary(report),
      document: upgrade === undefined ? reportDocument(report) : { ...reportDocument(report), upgrade: upgrade.document }
    })
    if (!report.ok) return yield* new CommandFailed({ exitCode: 1 })
  })

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

export const status = Effect.gen(function*() {
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
}).pipe(Effect.provide(statusServices))
