/**
 * Runs the command line in this process on its arguments, with the platform's services, and ends the
 * process with the command's exit code. An interrupt (Ctrl-C, SIGTERM) stops the command, whose resources
 * (the embedded database, its lock, a server connection) are released before the process ends.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Effect from "effect/Effect"
import * as NodeProcess from "node:process"
import { cliProgram } from "./CliProgram.ts"
import { CommandFailed } from "./CommandRunner.ts"

export const runCliProcess = (): void =>
  NodeRuntime.runMain(
    cliProgram(NodeProcess.argv.slice(2)).pipe(
      Effect.flatMap((exitCode) => exitCode === 0 ? Effect.void : Effect.fail(new CommandFailed({ exitCode }))),
      Effect.provide(NodeServices.layer)
    ),
    { disableErrorReporting: true }
  )
