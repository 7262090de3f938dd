/**
 * `metatables serve MODULE:EXPORT` (`npm run serve` serves the example graph): keep a DataNode graph fresh,
 * each node when it is due, with its HTTP API, health and metrics on a port.
 *
 * This is the command tree only; what the command does is in `ServeHandlers.ts`, loaded when it runs.
 */
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import * as Duration from "effect/Duration"
import { lazyImport } from "../../db/LazyImport.ts"
import { DEFAULT_CONCURRENCY } from "../../engine/RunDefaults.ts"
import { maxPruneBatchSize } from "../../serve/ServeDefaults.ts"
import { countFlag, durationFlag } from "../CommandFlags.ts"
import { lazyHandler } from "../CommandRunner.ts"
import { providerFlag } from "./MigrationsCommands.ts"

const handlers = lazyImport("the serve command", () => import("./ServeHandlers.ts"))

/** The port when neither --port nor METATABLES_PORT gives one. */
export const DEFAULT_SERVE_PORT = 7373

export const serveOptions = {
  nodes: Argument.String("nodes").pipe(
    Argument.withMetavar("MODULE:EXPORT"),
    Argument.withDescription("The nodes to serve, as for `nodes run`; their dependencies are served with them")
  ),
  concurrency: Flag.Int("concurrency").pipe(
    Flag.filter((value) => value >= 1, (value) => `--concurrency must be at least 1, not ${value}`),
    Flag.withDescription(`How many nodes run at once (default ${DEFAULT_CONCURRENCY})`),
    Flag.withDefault(DEFAULT_CONCURRENCY)
  ),
  cron: Flag.String("cron").pipe(
    Flag.withDescription(
      "The schedule (a cron expression, UTC) of nodes with no freshFor, table cadence or cron of their own; " +
        "KIND=CRON or HASH=CRON sets one node's (over the cron declared with it); repeat it for several"
    ),
    Flag.atLeast(0)
  ),
  port: Flag.Int("port").pipe(
    Flag.filter((value) => value >= 0 && value <= 65_535, (value) => `--port must be from 0 to 65535, not ${value}`),
    Flag.withDescription(`The HTTP API's port (default METATABLES_PORT, else ${DEFAULT_SERVE_PORT})`),
    Flag.optional
  ),
  host: Flag.String("host").pipe(
    Flag.withDescription("The address the HTTP API listens on (default 127.0.0.1; 0.0.0.0 for every interface)"),
    Flag.withDefault("127.0.0.1")
  ),
  grace: Flag.Int("grace").pipe(
    Flag.filter((value) => value >= 0, (value) => `--grace must be at least 0, not ${value}`),
    Flag.withDescription("Seconds running nodes may finish after SIGTERM or Ctrl-C before they are interrupted (default 30)"),
    Flag.withDefault(30)
  ),
  handoffAfter: Flag.Int("handoff-after").pipe(
    Flag.filter((value) => value >= 1, (value) => `--handoff-after must be at least 1, not ${value}`),
    Flag.withDescription("Seconds a runner that stopped answering keeps its nodes before the others take them (default 30)"),
    Flag.withDefault(30)
  ),
  messageRetention: durationFlag("message-retention", { duration: Duration.minutes(1), text: "a minute" }, `"1 day" or "12 hours"`)
    .pipe(
      Flag.withDescription(
        "How long the cluster keeps a finished run's message and reply before one runner prunes them " +
          "(default 1 day; e.g. \"12 hours\", \"7 days\")"
      ),
      Flag.optional
    ),
  pruneEvery: durationFlag("prune-every", { duration: Duration.seconds(1), text: "a second" }, `"10 minutes" or "30 seconds"`)
    .pipe(
      Flag.withDescription(
        "How often the pruning runner deletes the finished run messages older than --message-retention (default 10 " +
          "minutes, the first pass at start; e.g. \"1 minute\", \"1 hour\")"
      ),
      Flag.optional
    ),
  pruneBatch: countFlag("prune-batch").pipe(
    Flag.filter(
      (value) => value <= maxPruneBatchSize,
      (value) => `--prune-batch must be at most ${maxPruneBatchSize.toLocaleString("en-US")}, not ${value}`
    ),
    Flag.withDescription(
      "How many finished requests one prune statement deletes with their messages and replies (default 1,000); " +
        "smaller statements hold their locks for less time"
    ),
    Flag.optional
  ),
  runnerId: Flag.String("runner-id").pipe(
    Flag.withDescription("This runner's name among the runners on one server (default: host, process and a random suffix)"),
    Flag.optional
  ),
  upgrade: Flag.Boolean("upgrade").pipe(
    Flag.withDescription("First bring the project's provider to head, as `migrations upgrade` does"),
    Flag.withDefault(false)
  ),
  provider: providerFlag.pipe(Flag.withDescription("The provider --upgrade migrates (default: as for migrations upgrade)"))
}

export const serveCommand = Command.make("serve", serveOptions, lazyHandler("serve", handlers, (module) => module.serve)).pipe(
  Command.withDescription(
    "Serve DataNodes until stopped: run each node when due (its freshFor, else its table's cadence, else its cron " +
      "or --cron), " +
      "dependencies first, on effect's cluster (several `serve` processes on one server share the work); an HTTP " +
      "API with /healthz, /readyz, /metrics and the dashboard on --port; writes need METATABLES_SERVE_TOKEN"
  )
)
