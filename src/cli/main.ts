#!/usr/bin/env node
/**
 * The `metatables` executable: runs the command tree on the process's arguments and exits with 0 (success),
 * 1 (a failed operation) or 2 (bad usage). Runs as is on Node (24+), Bun and Deno.
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Predicate from "effect/Predicate"
import { METATABLES_VERSION } from "../version.ts"
import { metatablesCommand } from "./Cli.ts"
import { CommandFailed } from "./CommandRunner.ts"
import { processSinks } from "./Output.ts"

/** Requested help and the version go to stdout; help shown because of bad usage goes to stderr. */
const presenter = CliOutput.layerPresenter({
  present: (event) =>
    Effect.gen(function*() {
      const formatter = yield* CliOutput.Formatter
      switch (event._tag) {
        case "Help":
          return event.reason === "Requested"
            ? processSinks.stdout(`${formatter.formatHelpDoc(event.helpDoc)}\n`)
            : processSinks.stderr(`${formatter.formatHelpDoc(event.helpDoc)}\n`)
        case "InvalidInvocation":
          return processSinks.stderr(
            `${formatter.formatErrors(event.errors)}\n\nRun \`${event.commandPath.join(" ")} --help\` for usage.\n`
          )
        case "Version":
          return processSinks.stdout(`${formatter.formatVersion(event.name, event.version)}\n`)
      }
    })
})

/** Bad usage (unknown flags, missing arguments, a group without its command) exits 2. */
const usageExitCode = (error: unknown): number =>
  Predicate.isTagged(error, "CommandFailed") ? (error as CommandFailed).exitCode : CliError.isCliError(error) ? 2 : 1

const program = Command.run(metatablesCommand, { version: METATABLES_VERSION }).pipe(
  Effect.catch((error) => new CommandFailed({ exitCode: usageExitCode(error) })),
  Effect.provide(Layer.mergeAll(presenter, NodeServices.layer))
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
