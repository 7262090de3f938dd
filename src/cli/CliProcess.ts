/**
 * Runs the command line in this process on its arguments, with the platform's services, and ends the
 * process with the command's exit code. An interrupt (Ctrl-C, SIGTERM) stops the command, whose resources
 * (the embedded database, its lock, a server connection) are released before the process ends.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as NodeProcess from "node:process"
import { cliProgram } from "./CliProgram.ts"
import { CommandFailed } from "./CommandRunner.ts"
import { stoppedGracefully } from "./GracefulStop.ts"

export const runCliProcess = (): void =>
  NodeRuntime.runMain(
    cliProgram(NodeProcess.argv.slice(2)).pipe(
      Effect.flatMap((exitCode) => exitCode === 0 ? Effect.void : Effect.fail(new CommandFailed({ exitCode }))),
      Effect.provide(NodeServices.layer)
    ),
    {
      disableErrorReporting: true,
      // A command that stopped as asked (serve on SIGTERM) exits 0, not an interrupt's 130.
      teardown: (exit, onExit) =>
        Exit.isFailure(exit) && Cause.hasInterruptsOnly(exit.cause) && stoppedGracefully()
          ? onExit(0)
          : Runtime.defaultTeardown(exit, onExit)
    }
  )
