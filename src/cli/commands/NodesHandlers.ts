/**
 * What `metatables nodes run | status` do, loaded when one of them runs (the tree is `NodesCommands.ts`): run
 * a graph of DataNodes on the attached engine, with progress on stderr and a summary, after bringing the
 * project's provider to head when `--upgrade` asks for it; and show each node's last run, watermarks and rows.
 */
import type * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import { Catalog } from "../../catalog/Catalog.ts"
import { DataNodeRecords, type RunRecord, type UpdateStatus } from "../../catalog/DataNodeRecords.ts"
import * as SqlCatalog from "../../catalog/SqlCatalog.ts"
import * as SqlDataNodeRecords from "../../catalog/SqlDataNodeRecords.ts"
import { importNodes } from "../../engine/NodeImport.ts"
import { nodeName, NodeSelectionError, selects } from "../../engine/NodeSelector.ts"
import { graphTables } from "../../engine/NodeTables.ts"
import type { NodeOutcome, RunEvent, RunReport } from "../../engine/RunReport.ts"
import { runNodes } from "../../engine/Runner.ts"
import { parseRunTime } from "../../engine/Backfill.ts"
import { RunOptionsError } from "../../engine/RunOptionsError.ts"
import { startEngine } from "../../engine/StartEngine.ts"
import { cliDatabaseLayer } from "../CliDatabase.ts"
import { catalogPresent, existingDatabaseLayer } from "../ReadOnlyDatabase.ts"
import { CommandFailed } from "../CommandRunner.ts"
import { Output } from "../Output.ts"
import { currentProjectRoot } from "../../project/ProjectRoot.ts"
import { textTable } from "../TextTable.ts"
import { runVerdict, seconds } from "./RunVerdict.ts"
import { migrateAndReport, migrationCatalog, projectProvider } from "./MigrationsHandlers.ts"
import type { runOptions, statusOptions } from "./NodesCommands.ts"

const count = (value: number): string => value.toLocaleString("en-US")


/** A short hash for people: the kind prefix is already shown beside it. */
const shortHash = (hash: string): string => hash.slice(hash.lastIndexOf("_") + 1, hash.lastIndexOf("_") + 9)

/**
 * The progress lines of one run. A failed attempt's message is printed once, with the node's outcome (its
 * FAILED line, or the ok line of a node that succeeded on a later attempt), never again on the retry's line.
 */
const progressPrinter = () => {
  const retried = new Map<string, Array<{ readonly attempt: number; readonly message: string }>>()
  return (event: RunEvent): string | undefined => {
    if (event._tag === "AttemptFailed") {
      if (!event.retrying) return undefined
      const attempts = retried.get(event.node.updateHash) ?? []
      attempts.push({ attempt: event.attempt, message: event.message })
      retried.set(event.node.updateHash, attempts)
    }
    if (event._tag === "NodeFinished") {
      const attempts = retried.get(event.outcome.updateHash) ?? []
      retried.delete(event.outcome.updateHash)
      return outcomeLine(event.outcome, attempts)
    }
    return progressLine(event)
  }
}

const progressLine = (event: RunEvent): string | undefined => {
  switch (event._tag) {
    case "RunStarted":
      return `Running ${event.nodes} node${event.nodes === 1 ? "" : "s"} as of ${event.asOf.toISOString()}`
    case "NodeStarted":
      return event.attempt === 1
        ? undefined
        : `  ${event.node.kind} ${shortHash(event.node.updateHash)}: attempt ${event.attempt}`
    case "BatchWritten":
      return `  ${event.node.kind} ${shortHash(event.node.updateHash)} -> ${event.node.table}: batch ${event.batch}, ` +
        `${plural(event.rows, "row")} (${count(event.inserted)} new, ${count(event.updated)} changed, ` +
        `${count(event.unchanged)} unchanged), ${count(event.totalRows)} so far, ${seconds(event.elapsedMs)}`
    case "AttemptFailed":
      // Its message is printed once, with the node's outcome.
      return event.retrying
        ? `  ${event.node.kind} ${shortHash(event.node.updateHash)}: attempt ${event.attempt} failed, trying again`
        : undefined
    case "NodeFinished":
      return outcomeLine(event.outcome, [])
    case "RunsAbandoned":
      return `  ${event.node.kind} ${shortHash(event.node.updateHash)}: ${plural(event.runs.length, "earlier run")} ` +
        `(started ${event.runs.map((run) => run.startedAt.toISOString()).join(", ")}) recorded as abandoned: ` +
        "the process running it is gone"
    case "RunInterrupted":
      return interruptionLines(event)
    case "BackfillStarted":
      return `  ${event.node.kind} ${shortHash(event.node.updateHash)}: backfilling ${event.from.toISOString()} to ` +
        `${event.to.toISOString()} in ${plural(event.chunks, "chunk")}` +
        (event.resumedAfter === undefined ? "" : `, resuming after ${event.resumedAfter.toISOString()} where an earlier backfill stopped`)
    case "BackfillChunkDone":
      return `  ${event.node.kind} ${shortHash(event.node.updateHash)}: chunk ${event.chunk} of ${event.chunks} committed ` +
        `(through ${event.through.toISOString()})`
  }
}

const plural = (n: number, noun: string): string =>
  `${count(n)} ${n === 1 ? noun : noun.endsWith("ch") ? `${noun}es` : noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : `${noun}s`}`

/** What an interrupted run finished and what it did not: the lines a Ctrl-C leaves on the terminal. */
const interruptionLines = (event: Extract<RunEvent, { readonly _tag: "RunInterrupted" }>): string => {
  const lines = ["The run was interrupted."]
  for (const outcome of event.finished) {
    lines.push(`  finished      ${outcome.kind} ${shortHash(outcome.updateHash)} (${outcome.status})`)
  }
  for (const { batches, node, rows, started } of event.unfinished) {
    const name = `${node.kind} ${shortHash(node.updateHash)}`
    lines.push(
      started
        ? `  not finished  ${name}: ${plural(batches, "batch")} (${plural(rows, "row")}) committed; ` +
          "the next run continues from its watermarks"
        : `  not started   ${name}`
    )
  }
  return lines.join("\n")
}

/**
 * A node's outcome; `retried` are the failures of its attempts that were tried again, each said once: those of a
 * failed node that differ from its last failure, and every one of a node that then succeeded.
 */
const outcomeLine = (
  outcome: NodeOutcome,
  retried: ReadonlyArray<{ readonly attempt: number; readonly message: string }>
): string => {
  const name = `${outcome.kind} ${shortHash(outcome.updateHash)}`
  const last = outcome.error?.message
  const earlier = retried.filter((failure) => failure.message !== last)
  const earlierText = earlier.length === 0
    ? ""
    : `\n        ${earlier.map((failure) => `attempt ${failure.attempt} failed: ${failure.message}`).join("\n        ")}`
  switch (outcome.status) {
    case "succeeded":
      return outcomeText(outcome, name) + earlierText
    case "failed":
      // No attempt: refused before its update ran (another run of the node is live, the catalog failed).
      return `FAILED  ${name}${outcome.attempts === 0 ? "" : ` after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}`}: ` +
        `${last ?? "unknown error"}${earlierText}`
    default:
      return outcomeText(outcome, name)
  }
}

const outcomeText = (outcome: NodeOutcome, name: string): string => {
  switch (outcome.status) {
    case "succeeded":
      return `ok      ${name}${outcome.mode === "backfill" ? " (backfill)" : ""}: ${count(outcome.rowsInserted)} new, ` +
        `${count(outcome.rowsUpdated)} changed, ${count(outcome.rowsUnchanged)} unchanged ` +
        `${outcome.rowsInserted + outcome.rowsUpdated + outcome.rowsUnchanged === 1 ? "row" : "rows"} in ` +
        `${seconds(outcome.durationMs)}` +
        (outcome.rowsOutsideRange === 0 ? "" : `; ${plural(outcome.rowsOutsideRange, "row")} outside the range left untouched`) +
        (outcome.attempts > 1 ? ` (attempt ${outcome.attempts})` : "")
    case "fresh":
      return `fresh   ${name}: ran recently; skipped (--force runs it anyway)`
    case "skipped":
      return `skipped ${name}: ${outcome.skippedBecause.join(", ")} failed`
    case "failed":
      return `FAILED  ${name} after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}: ` +
        `${outcome.error?.message ?? "unknown error"}`
  }
}

/** `--entities` values: JSON objects (or arrays of them) as they are, anything else comma-separated values. */
const parseEntities = (
  values: ReadonlyArray<string>
): Result.Result<Array<Record<string, unknown> | string>, RunOptionsError> => {
  const entities: Array<Record<string, unknown> | string> = []
  for (const value of values) {
    const text = value.trim()
    if (text.startsWith("{") || text.startsWith("[")) {
      const parsed = Result.try(() => JSON.parse(text) as unknown)
      const list = Result.isSuccess(parsed) ? (Array.isArray(parsed.success) ? parsed.success : [parsed.success]) : []
      if (Result.isFailure(parsed) || list.length === 0 || !list.every((item) => Predicate.isObject(item) && !Array.isArray(item))) {
        return Result.fail(new RunOptionsError({
          problems: [`--entities ${value} is not a JSON object of the grain's properties (or an array of them)`]
        }))
      }
      entities.push(...(list as Array<Record<string, unknown>>))
    } else {
      entities.push(...text.split(",").map((part) => part.trim()).filter((part) => part.length > 0))
    }
  }
  return Result.succeed(entities)
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
  return `\n${table}\n\n${runVerdict(report)}`
}

export const run = (options: Command.Command.Config.Infer<typeof runOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    // Times and the backfill's options are read before anything loads or opens.
    const time = (option: string, value: Option.Option<string>) =>
      Option.isNone(value) ? Effect.succeed(undefined) : Effect.fromResult(parseRunTime(option, value.value))
    const asOf = yield* time("--as-of", options.asOf)
    const from = yield* time("--from", options.from)
    const to = yield* time("--to", options.to)
    const backfillOnly = [
      ["--to", Option.isSome(options.to)],
      ["--entities", options.entities.length > 0],
      ["--node", options.node.length > 0],
      ["--with-descendants", options.withDescendants],
      ["--chunk-periods", Option.isSome(options.chunkPeriods)]
    ].filter(([, given]) => given).map(([flag]) => flag as string)
    if (from === undefined && backfillOnly.length > 0) {
      return yield* new RunOptionsError({ problems: [`${backfillOnly.join(", ")} belong to a backfill: add --from TIME`] })
    }
    const entities = yield* Effect.fromResult(parseEntities(options.entities))
    const backfill = from === undefined ? undefined : {
      from,
      to,
      entities: entities.length === 0 ? undefined : entities,
      nodes: options.node.length === 0 ? undefined : options.node,
      withDescendants: options.withDescendants,
      chunkPeriods: Option.getOrUndefined(options.chunkPeriods)
    }
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
      const printProgress = progressPrinter()
      const report = yield* runNodes(nodes, {
        concurrency: options.concurrency,
        force: options.force,
        batchSize: Option.getOrUndefined(options.batchSize),
        asOf,
        backfill,
        onEvent: (event) => {
          const line = printProgress(event)
          return line === undefined ? Effect.void : output.text(line)
        }
      }).pipe(Effect.provide(startEngine({ tables })))
      return [upgrade, report] as const
    }).pipe(Effect.provide(options.upgrade ? cliDatabaseLayer : existingDatabaseLayer))
    yield* output.result({
      text: summary(report),
      document: upgrade === undefined ? reportDocument(report) : { ...reportDocument(report), upgrade: upgrade.document }
    })
    if (!report.ok) return yield* new CommandFailed({ exitCode: 1 })
  })

const runDocument = (run: RunRecord) => ({
  uid: run.uid,
  status: run.status,
  mode: run.mode,
  asOf: run.asOf?.toISOString() ?? null,
  backfill: run.backfill === null ? null : {
    from: run.backfill.from.toISOString(),
    to: run.backfill.to.toISOString(),
    entities: run.backfill.entities,
    completedThrough: run.backfill.completedThrough?.toISOString() ?? null
  },
  forced: run.forced,
  startedAt: run.startedAt.toISOString(),
  finishedAt: run.finishedAt?.toISOString() ?? null,
  attempts: run.attempts,
  batches: run.batches,
  rowsInserted: run.rowsInserted,
  rowsUpdated: run.rowsUpdated,
  rowsUnchanged: run.rowsUnchanged,
  error: run.error,
  holder: run.holder === null ? null : { pid: run.holder.pid, host: run.holder.host },
  heartbeatAt: run.heartbeatAt?.toISOString() ?? null
})

const statusDocument = (status: UpdateStatus) => ({
  kind: status.update.kind,
  updateHash: status.update.updateHash,
  hashNamespace: status.update.hashNamespace,
  table: status.table.identifier,
  physicalTable: `${status.table.schema}.${status.table.tableName}`,
  lastRun: status.lastRun === undefined ? null : runDocument(status.lastRun),
  lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
  watermark: status.watermark === undefined ? null : {
    first: status.watermark.first.toISOString(),
    last: status.watermark.last.toISOString(),
    entities: status.watermark.entities
  },
  totals: status.totals
})

const statusServices = SqlDataNodeRecords.layer.pipe(
  Layer.provideMerge(SqlCatalog.layer({ attach: "nodes status" }).pipe(Layer.provide(catalogPresent))),
  Layer.provideMerge(existingDatabaseLayer)
)

/** What a run that did not succeed left to say: its error, or that its process is gone. */
const runProblem = (run: RunRecord): string | undefined => {
  switch (run.status) {
    case "failed":
      return `failed: ${run.error === null ? "no error was recorded" : `${run.error.message} (${run.error.tag})`}`
    case "abandoned":
      return "abandoned: the process running it " +
        (run.holder === null ? "" : `(pid ${run.holder.pid} on ${run.holder.host}) `) +
        "is gone; the next run records it and continues from the watermarks"
    case "interrupted":
      return "interrupted before it finished; the next run continues from the watermarks"
    default:
      return undefined
  }
}

const ROWS_LEGEND = "ROWS: rows the last run inserted or changed (unchanged rows not counted); " +
  "TOTAL NEW: rows inserted over every run."

const overview = (statuses: ReadonlyArray<UpdateStatus>): string => {
  const table = textTable(
    ["NODE", "HASH", "TABLE", "LAST RUN", "STARTED", "ROWS", "WATERMARK", "ENTITIES", "RUNS", "TOTAL NEW"],
    statuses.map((status) => [
      status.update.kind,
      shortHash(status.update.updateHash),
      status.table.identifier,
      status.lastRun === undefined ? "-" : status.lastRun.mode === "backfill" ? `${status.lastRun.status} (backfill)` : status.lastRun.status,
      status.lastRun?.startedAt.toISOString() ?? "-",
      status.lastRun === undefined ? "-" : count(status.lastRun.rowsInserted + status.lastRun.rowsUpdated),
      status.watermark?.last.toISOString() ?? "-",
      status.watermark === undefined ? "0" : count(status.watermark.entities),
      count(status.totals.runs),
      count(status.totals.rowsInserted)
    ])
  )
  const problems = statuses.flatMap((status) => {
    const problem = status.lastRun === undefined ? undefined : runProblem(status.lastRun)
    return problem === undefined ? [] : [`${status.update.kind} ${shortHash(status.update.updateHash)} ${problem}`]
  })
  return [table, "", ROWS_LEGEND, ...(problems.length === 0 ? [] : ["", ...problems])].join("\n")
}

const runRange = (run: RunRecord): string =>
  run.backfill === null
    ? run.asOf === null ? "-" : `as of ${run.asOf.toISOString()}`
    : `${run.backfill.from.toISOString()} to ${run.backfill.to.toISOString()}` +
      (run.backfill.entities === null ? "" : ` (${plural(run.backfill.entities.length, "entity")})`)

const historyText = (status: UpdateStatus, runs: ReadonlyArray<RunRecord>): string => {
  const table = textTable(
    ["STARTED", "MODE", "STATUS", "COVERS", "ATTEMPTS", "BATCHES", "NEW", "CHANGED", "UNCHANGED", "TIME"],
    runs.map((run) => [
      run.startedAt.toISOString(),
      run.mode,
      run.status,
      runRange(run),
      count(run.attempts),
      count(run.batches),
      count(run.rowsInserted),
      count(run.rowsUpdated),
      count(run.rowsUnchanged),
      run.finishedAt === null ? "-" : seconds(run.finishedAt.getTime() - run.startedAt.getTime())
    ])
  )
  const problems = runs.flatMap((run) => {
    const problem = runProblem(run)
    return problem === undefined ? [] : [`${run.startedAt.toISOString()} ${problem}`]
  })
  return [
    `${status.update.kind} ${status.update.updateHash} -> ${status.table.identifier}`,
    `watermark    ${status.watermark === undefined ? "none yet" : `${status.watermark.first.toISOString()} to ` +
      `${status.watermark.last.toISOString()}, ${plural(status.watermark.entities, "entity")}`}`,
    `runs         ${count(status.totals.runs)}, ${plural(status.totals.rowsInserted, "row")} inserted and ` +
    `${count(status.totals.rowsUpdated)} changed in all`,
    "",
    table,
    ...(problems.length === 0 ? [] : ["", ...problems])
  ].join("\n")
}

export const status = (options: Command.Command.Config.Infer<typeof statusOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const records = yield* DataNodeRecords
    yield* Catalog
    const statuses = yield* records.status
    const selector = Option.orElse(options.node, () => options.nodeFlag)
    if (Option.isNone(selector)) {
      const text = statuses.length === 0
        ? "No DataNode has run in this database yet; `metatables nodes run MODULE:EXPORT` runs some."
        : overview(statuses)
      return yield* output.result({ text, document: { nodes: statuses.map(statusDocument) } })
    }
    const matched = statuses.filter((status) =>
      selects(selector.value, { kind: status.update.kind, updateHash: status.update.updateHash })
    )
    const exact = matched.filter((status) => status.update.kind === selector.value)
    const chosen = matched.length === 1 ? matched : exact.length === 1 ? exact : matched
    if (chosen.length !== 1) {
      const name = (status: UpdateStatus) => nodeName({ kind: status.update.kind, updateHash: status.update.updateHash })
      return yield* new NodeSelectionError({ selector: selector.value, matched: chosen.map(name), known: statuses.map(name) })
    }
    const node = chosen[0]!
    const runs = yield* records.history(node.update.uid, options.limit)
    yield* output.result({
      text: historyText(node, runs),
      document: { node: statusDocument(node), runs: runs.map(runDocument) }
    })
  }).pipe(
    Effect.provide(statusServices),
    Effect.catchTag("NothingHereYet", (nothing) =>
      Option.isSome(Option.orElse(options.node, () => options.nodeFlag))
        ? Effect.fail(nothing)
        : Effect.flatMap(Output, (output) => output.result({ text: nothing.message, document: { nodes: [], nothingHereYet: nothing.message } })))
  )
