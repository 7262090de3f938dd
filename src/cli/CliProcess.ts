/**
 * Runs the command line in this process on its arguments, with the platform's services, and ends the
 * process with the command's exit code. An interrupt (Ctrl-C, SIGTERM) stops the command, whose resources
 * (the embedded database, its lock, a server connection) are released before the process ends.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeStdio from "@effect/platform-node/NodeStdio"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import type * as Path from "effect/Path"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import * as Runtime from "effect/Runtime"
import * as NodeProcess from "node:process"
import { lazyImport } from "../db/LazyImport.ts"
import { cliProgram } from "./CliProgram.ts"
import { CommandFailed } from "./CommandRunner.ts"
import { stoppedGracefully } from "./GracefulStop.ts"

/**
 * Node's child process spawner, loaded the first time something spawns. Effect's command line requires one,
 * but no metatables command spawns a process, and loading it (with `node:child_process`) is a cost every
 * command paid at start.
 */
const spawnerOnDemand: Layer.Layer<ChildProcessSpawner.ChildProcessSpawner, never, FileSystem.FileSystem | Path.Path> =
  Layer.effect(
    ChildProcessSpawner.ChildProcessSpawner,
    Effect.gen(function*() {
      const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
      const spawner = yield* Effect.cached(
        lazyImport("Node's child process spawner", () => import("@effect/platform-node/NodeChildProcessSpawner")).pipe(
          Effect.flatMap((module) =>
            Effect.provide(Effect.gen(function*() {
              return yield* ChildProcessSpawner.ChildProcessSpawner
            }), module.layer)
          ),
          Effect.provideContext(platform),
          // A broken installation that cannot load it is a defect, as for the other packages loaded on demand.
          Effect.orDie
        )
      )
      return ChildProcessSpawner.make((command) => Effect.flatMap(spawner, (node) => node.spawn(command)))
    })
  )

/** The services of `@effect/platform-node`'s `NodeServices.layer`, with the spawner loaded on demand. */
export const platformServices = Layer.provideMerge(
  spawnerOnDemand,
  Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeStdio.layer, NodeTerminal.layer)
)

export const runCliProcess = (): void =>
  NodeRuntime.runMain(
    cliProgram(NodeProcess.argv.slice(2)).pipe(
      Effect.flatMap((exitCode) => exitCode === 0 ? Effect.void : Effect.fail(new CommandFailed({ exitCode }))),
      Effect.provide(platformServices)
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
