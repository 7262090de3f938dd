/**
 * The project a command works in: the nearest directory at or above the working directory that holds a
 * `package.json`, else the working directory itself. The embedded database lives in its `.metatables/`.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as NodePath from "node:path"
import * as NodeProcess from "node:process"

export const findProjectRoot = Effect.fn("ProjectRoot.findProjectRoot")(function*(
  start: string
): Effect.fn.Return<string, never, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  let directory = NodePath.resolve(start)
  while (true) {
    const hasManifest = yield* fs.exists(NodePath.join(directory, "package.json")).pipe(
      Effect.orElseSucceed(() => false)
    )
    if (hasManifest) return directory
    const parent = NodePath.dirname(directory)
    if (parent === directory) return NodePath.resolve(start)
    directory = parent
  }
})

/** The project root of the process's working directory. */
export const currentProjectRoot: Effect.Effect<string, never, FileSystem.FileSystem> = Effect.suspend(() =>
  findProjectRoot(NodeProcess.cwd())
)
