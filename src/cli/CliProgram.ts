/**
 * The command line as one Effect: parse the arguments, run the command, and answer the exit code, 0
 * (success), 1 (a failed operation) or 2 (bad usage). Help and the version go to stdout when asked for;
 * help shown because of bad usage goes to stderr. Everything is written to `CurrentOutputSinks`, so the
 * same program runs in a process (`main.ts`) and in a test that captures its output.
 */
import * as CliConfig from "effect/cli/CliConfig"
import * as CliError from "effect/cli/CliError"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { METATABLES_VERSION } from "../version.ts"
import { metatablesCommand } from "./Cli.ts"
import type { CommandFailed } from "./CommandRunner.ts"
import { CurrentOutputSinks } from "./Output.ts"

const presenter = CliOutput.layerPresenter({
  present: (event) =>
    Effect.gen(function*() {
      const formatter = yield* CliOutput.Formatter
      const sinks = yield* CurrentOutputSinks
      switch (event._tag) {
        case "Help":
          return event.reason === "Requested"
            ? sinks.stdout(`${formatter.formatHelpDoc(event.helpDoc)}\n`)
            : sinks.stderr(`${formatter.formatHelpDoc(event.helpDoc)}\n`)
        case "InvalidInvocation":
          return sinks.stderr(
            `${formatter.formatErrors(event.errors)}\n\nRun \`${event.commandPath.join(" ")} --help\` for usage.\n`
          )
        case "Version":
          return sinks.stdout(`${formatter.formatVersion(event.name, event.version)}\n`)
      }
    })
})

/** A failed command carries its exit code; bad usage (unknown flags, missing arguments) exits 2. */
export const exitCodeOf = (error: unknown): number =>
  Predicate.isTagged(error, "CommandFailed") ? (error as CommandFailed).exitCode : CliError.isCliError(error) ? 2 : 1

/** Runs `metatables` with `args` (without the executable and script) and answers its exit code. */
export const cliProgram = (args: ReadonlyArray<string>) =>
  Command.runWith(metatablesCommand, { version: METATABLES_VERSION })(args).pipe(
    Effect.as(0),
    Effect.catch((error) => Effect.succeed(exitCodeOf(error))),
    Effect.provide(presenter),
    // No --wizard: metatables asks no questions (without a terminal it printed escape codes), and the README
    // describes every command's flags.
    Effect.provide(CliConfig.layer({ builtIns: GlobalFlag.BuiltIns.filter((flag) => flag !== GlobalFlag.Wizard) }))
  )
