/**
 * `metatables nodes run | status` (`npm run update -- MODULE:EXPORT` runs `nodes run`): run a graph of DataNodes on the
 * attached engine, and show each node's last run, watermarks and rows.
 *
 * This is the command tree only; what the commands do is in `NodesHandlers.ts`, loaded when one runs.
 */
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { lazyImport } from "../../db/LazyImport.ts"
import { DEFAULT_BATCH_SIZE } from "../../engine/UpsertBatch.ts"
import { DEFAULT_CONCURRENCY } from "../../engine/RunDefaults.ts"
import { lazyHandler } from "../CommandRunner.ts"
import { countFlag } from "../CommandFlags.ts"
import { providerFlag } from "./MigrationsCommands.ts"

const handlers = lazyImport("the nodes commands", () => import("./NodesHandlers.ts"))

export const runOptions = {
  nodes: Argument.String("nodes").pipe(
    Argument.withMetavar("MODULE:EXPORT"),
    Argument.withDescription(
      "The nodes to run: a module (relative to the project) and its export, a DataNode, an array of them, or a " +
        "function returning either; their dependencies run first"
    )
  ),
  concurrency: countFlag("concurrency").pipe(
    Flag.withDescription(`How many nodes run at once (default ${DEFAULT_CONCURRENCY})`),
    Flag.withDefault(DEFAULT_CONCURRENCY)
  ),
  force: Flag.Boolean("force").pipe(
    Flag.withDescription("Run nodes that are fresh too (nodes declared with freshFor skip a recent success)"),
    Flag.withDefault(false)
  ),
  batchSize: countFlag("batch-size").pipe(
    Flag.withDescription(`Rows per batch: each batch is validated and written in one transaction (default ${DEFAULT_BATCH_SIZE})`),
    Flag.optional
  ),
  upgrade: Flag.Boolean("upgrade").pipe(
    Flag.withDescription(
      "First bring the project's provider to head, as `migrations upgrade` does, then run, on the same database " +
        "in one process; without it, nothing is migrated"
    ),
    Flag.withDefault(false)
  ),
  provider: providerFlag.pipe(Flag.withDescription("The provider --upgrade migrates (default: as for migrations upgrade)")),
  asOf: Flag.String("as-of").pipe(
    Flag.withMetavar("TIME"),
    Flag.withDescription(
      "Run as if it were TIME (ctx.asOf), an ISO-8601 instant with an offset like 2025-03-01T00:00:00Z (default: now)"
    ),
    Flag.optional
  ),
  from: Flag.String("from").pipe(
    Flag.withMetavar("TIME"),
    Flag.withDescription(
      "Backfill: give the nodes the range from TIME (inclusive) again; rows outside it are untouched, " +
        "watermarks never move back, and the run is recorded as a backfill"
    ),
    Flag.optional
  ),
  to: Flag.String("to").pipe(
    Flag.withMetavar("TIME"),
    Flag.withDescription("Backfill: the range's end (inclusive; default --as-of, else now)"),
    Flag.optional
  ),
  entities: Flag.String("entities").pipe(
    Flag.withMetavar("ENTITY"),
    Flag.withDescription(
      "Backfill: only these entities, comma-separated values of a one-column entity (ACME,GLOBEX) or JSON " +
        "objects of the grain's properties ({\"assetIdentifier\":\"ACME\"}); repeatable"
    ),
    Flag.atLeast(0)
  ),
  node: Flag.String("node").pipe(
    Flag.withMetavar("NODE"),
    Flag.withDescription(
      "Backfill: the node to backfill (kind, update hash or \"Kind hash\"; repeatable); default the nodes " +
        "MODULE:EXPORT names. Their dependencies run first, as usual"
    ),
    Flag.atLeast(0)
  ),
  withDescendants: Flag.Boolean("with-descendants").pipe(
    Flag.withDescription("Backfill: the nodes that depend on the backfilled ones too, over the same range"),
    Flag.withDefault(false)
  ),
  chunkPeriods: countFlag("chunk-periods").pipe(
    Flag.withDescription(
      "Backfill: periods of the table's cadence per chunk, each committed before the next (default 250); an " +
        "interrupted backfill resumes after the last committed chunk"
    ),
    Flag.optional
  )
}

const runCommandDefinition = Command.make("run", runOptions, lazyHandler("nodes run", handlers, (module) => module.run)).pipe(
  Command.withDescription(
    "Run DataNodes and their dependencies: attach to the deployed tables (never migrating unless --upgrade asks), " +
      "validate every batch, upsert it, and record the run; exits 1 when a node fails"
  )
)

export const statusOptions = {
  node: Argument.String("node").pipe(
    Argument.withMetavar("NODE"),
    Argument.withDescription(
      "Show this node's run history: its kind, update hash (or a prefix of at least 4 characters), or \"Kind hash\""
    ),
    Argument.optional
  ),
  nodeFlag: Flag.String("node").pipe(
    Flag.withMetavar("NODE"),
    Flag.withDescription("The same as the NODE argument"),
    Flag.optional
  ),
  limit: countFlag("limit").pipe(
    Flag.withDescription("How many of the node's runs the history shows, newest first (default 20)"),
    Flag.withDefault(20)
  )
}

const statusCommand = Command.make("status", statusOptions, lazyHandler("nodes status", handlers, (module) => module.status)).pipe(
  Command.withDescription(
    "Show every node that has run: its last run (a run whose process is gone shows as abandoned) and its error, " +
      "the latest time index it wrote, its entities, runs and rows; with NODE, that node's run history"
  )
)

export const nodesCommand = Command.make("nodes").pipe(
  Command.withDescription("Run DataNode update jobs and inspect their runs (`npm run update -- MODULE:EXPORT` runs `nodes run`)"),
  Command.withSubcommands([runCommandDefinition, statusCommand])
)
