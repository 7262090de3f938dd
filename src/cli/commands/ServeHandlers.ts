/**
 * What `metatables serve` does, loaded when it runs (the tree is `ServeCommands.ts`): import the graph, bring
 * the provider to head when `--upgrade` asks, attach the engine and serve the graph with its HTTP API until
 * SIGTERM or Ctrl-C, printing each run as it ends. The serve token comes from `METATABLES_SERVE_TOKEN` and is
 * registered as a secret, so it never reaches the output.
 */
import type * as Command from "effect/cli/Command"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { importNodes } from "../../engine/NodeImport.ts"
import { graphTables } from "../../engine/NodeTables.ts"
import { startEngine } from "../../engine/StartEngine.ts"
import { serveNodes } from "../../serve/ServeNodes.ts"
import { ServeOptionsError } from "../../serve/ServeOptionsError.ts"
import type { ServeEvent } from "../../serve/Serving.ts"
import { currentProjectRoot } from "../../project/ProjectRoot.ts"
import { cliDatabaseLayer } from "../CliDatabase.ts"
import { markStoppedGracefully } from "../GracefulStop.ts"
import { Output } from "../Output.ts"
import { migrateAndReport, migrationCatalog, projectProvider } from "./MigrationsHandlers.ts"
import { DEFAULT_SERVE_PORT, type serveOptions } from "./ServeCommands.ts"

/** `--cron EXPR` (every node without a cadence) and `--cron KIND=EXPR` / `--cron HASH=EXPR` (one node). */
export const parseCronFlags = (values: ReadonlyArray<string>) => {
  const crons: Record<string, string> = {}
  const defaults: Array<string> = []
  for (const value of values) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(value.trim())
    if (match === null) defaults.push(value.trim())
    else crons[match[1]!] = match[2]!.trim()
  }
  if (defaults.length > 1) {
    return Effect.fail(
      new ServeOptionsError({ problems: [`--cron without KIND= was given ${defaults.length} times; give the default once`] })
    )
  }
  return Effect.succeed({ crons, defaultCron: defaults[0] })
}

const portFrom = Effect.fn("Serve.port")(function*(flag: Option.Option<number>) {
  if (Option.isSome(flag)) return flag.value
  const text = yield* Config.option(Config.String("METATABLES_PORT"))
  if (Option.isNone(text)) return DEFAULT_SERVE_PORT
  const port = Number(text.value)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    return yield* new ServeOptionsError({ problems: [`METATABLES_PORT must be a port from 0 to 65535, not ${JSON.stringify(text.value)}`] })
  }
  return port
})

const shortHash = (hash: string): string => hash.slice(hash.lastIndexOf("_") + 1, hash.lastIndexOf("_") + 9)

const eventLine = (event: ServeEvent): string | undefined => {
  switch (event._tag) {
    case "NodeRan": {
      const reply = event.reply
      const name = `${event.kind} ${shortHash(event.updateHash)}`
      return reply.status === "failed"
        ? `FAILED  ${name}: ${reply.error?.message ?? "unknown error"}`
        : reply.status === "succeeded"
        ? `ok      ${name}: ${reply.rowsInserted} new, ${reply.rowsUpdated} changed rows in ${(reply.durationMs / 1000).toFixed(2)}s`
        : undefined
    }
    case "CatalogUnavailable":
      return `warning: ${event.message}`
    case "MessagesPruned":
      return event.requests === 0
        ? undefined
        : `pruned  ${event.requests} finished run message${event.requests === 1 ? "" : "s"} (${event.messages} messages, ` +
          `${event.replies} replies, in ${event.batches} batch${event.batches === 1 ? "" : "es"}) finished before ` +
          event.before.toISOString()
    case "MessagePruneFailed":
      return `warning: message prune: ${event.message}`
    case "DispatchDied":
      return `FAILED  ${shortHash(event.updateHash)}: its run message failed: ${event.message}`
    default:
      return undefined
  }
}

export const serve = (options: Command.Command.Config.Infer<typeof serveOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { crons, defaultCron } = yield* parseCronFlags(options.cron)
    const port = yield* portFrom(options.port)
    const token = Option.getOrUndefined(yield* Config.option(Config.Redacted("METATABLES_SERVE_TOKEN")))
    if (token !== undefined) yield* output.protect([Redacted.value(token)])
    const projectRoot = yield* currentProjectRoot
    const nodes = yield* importNodes(options.nodes, projectRoot)
    const tables = yield* Effect.fromResult(graphTables(nodes))
    const provider = options.upgrade ? Option.some((yield* projectProvider(options.provider)).provider) : Option.none()
    let serving: Extract<ServeEvent, { readonly _tag: "Serving" }> | undefined
    yield* Effect.gen(function*() {
      if (Option.isSome(provider)) {
        const upgrade = yield* migrateAndReport(provider.value, "upgrade", "head").pipe(Effect.provide(migrationCatalog))
        yield* output.text(upgrade.text)
      }
      yield* serveNodes(nodes, {
        concurrency: options.concurrency,
        crons,
        defaultCron,
        grace: `${options.grace} seconds`,
        handoffAfter: `${options.handoffAfter} seconds`,
        runnerId: Option.getOrUndefined(options.runnerId),
        messagePrune: {
          retention: Option.getOrUndefined(options.messageRetention),
          interval: Option.getOrUndefined(options.pruneEvery),
          batchSize: Option.getOrUndefined(options.pruneBatch)
        },
        http: { port, host: options.host, token },
        onEvent: (event) => {
          // Said once the port listens, so the addresses printed answer.
          if (event._tag === "Serving") return Effect.sync(() => (serving = event))
          if (event._tag === "Listening") {
            const nodes = serving?.nodes ?? 0
            return output.text(
              `Serving ${nodes} node${nodes === 1 ? "" : "s"} as runner ${serving?.runnerId ?? "?"}.\n` +
                `Dashboard on ${event.url} (open it in a browser); API ${event.url}api, health ${event.url}healthz, ` +
                `metrics ${event.url}metrics` +
                (token === undefined ? " (no METATABLES_SERVE_TOKEN: read-only)" : "") + ". Ctrl-C stops."
            )
          }
          const line = eventLine(event)
          return line === undefined ? Effect.void : output.text(line)
        }
      }).pipe(Effect.provide(startEngine({ tables })))
    }).pipe(
      Effect.provide(cliDatabaseLayer),
      // Everything above is released by now: running nodes finished or were interrupted and recorded.
      Effect.onInterrupt(() => Effect.andThen(output.text("Stopped."), markStoppedGracefully))
    )
  })
