/**
 * The platform services the `metatables` process runs its command line with: `NodeServices.layer`'s, with
 * Node's child process spawner loaded the first time something spawns (src/cli/CliProcess.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Path from "effect/Path"
import * as ChildProcess from "effect/process/ChildProcess"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import { platformServices } from "../../src/cli/CliProcess.ts"

describe("the command line's platform services", () => {
  it.effect("spawn a process, with the spawner loaded on demand, and answer its output and exit code", () =>
    Effect.gen(function*() {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const command = ChildProcess.make(process.execPath, ["-e", "process.stdout.write('spawned'); process.exitCode = 3"])
      assert.strictEqual(yield* spawner.string(command), "spawned")
      assert.strictEqual(yield* spawner.exitCode(command), 3)
      const path = yield* Path.Path
      assert.isTrue(yield* (yield* FileSystem.FileSystem).exists(path.join(import.meta.dirname, "CliProcess.test.ts")))
    }).pipe(Effect.provide(platformServices)), 60_000)
})
