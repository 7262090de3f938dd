/**
 * Guards the embedded database's directory on disk.
 *
 * PGlite is a single-process database: two processes opening the same data directory corrupt it, and a data
 * directory written by one PGlite minor version cannot be read by another. Before PGlite opens a directory
 * this module takes an exclusive lock file beside it (released when the scope closes) and checks the
 * version marker written the first time the directory was created.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type { PlatformError } from "effect/PlatformError"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as NodeProcess from "node:process"
import { DatabaseConnectionError } from "./DatabaseConnectionError.ts"

/** The PGlite release this build pins; data directories are tied to its minor version. */
export const PGLITE_VERSION = "0.5.16"

const minorOf = (version: string): string => version.split(".").slice(0, 2).join(".")

/** Written beside the data directory the first time it is created (`<dataDir>.json`). */
const DataDirectoryMarker = Schema.Struct({
  format: Schema.Literal(1),
  pglite: Schema.String
})
const decodeMarker = Schema.decodeUnknownOption(Schema.fromJsonString(DataDirectoryMarker))

/** Who holds the lock (`<dataDir>.lock`). */
const LockOwner = Schema.Struct({
  pid: Schema.Int,
  host: Schema.String
})
const decodeLockOwner = Schema.decodeUnknownOption(Schema.fromJsonString(LockOwner))

/** Signal 0 probes a process without touching it; EPERM means it exists but belongs to someone else. */
const isProcessAlive = (pid: number): Effect.Effect<boolean> =>
  Effect.try({ try: () => NodeProcess.kill(pid, 0), catch: (error) => error }).pipe(
    Effect.as(true),
    Effect.catch((error) => Effect.succeed(Predicate.hasProperty(error, "code") && error.code === "EPERM"))
  )

/** `cause` is the file system's error, or the sentence that says what is wrong with the directory. */
const failure = (dataDir: string, reason: DatabaseConnectionError["reason"], cause: unknown, hint: string) =>
  new DatabaseConnectionError({ database: `embedded PGlite at ${dataDir}`, reason, cause, hint })

const fileSystemFailure = (dataDir: string) => (error: PlatformError) =>
  failure(
    dataDir,
    "failed",
    error,
    "Check that the project directory is writable, or set DATABASE_URL to use a PostgreSQL server."
  )

/** A connection error stands; a file system error becomes one. */
const keepOrFileSystemFailure = (dataDir: string) => (error: DatabaseConnectionError | PlatformError) =>
  error._tag === "DatabaseConnectionError" ? error : fileSystemFailure(dataDir)(error)

/** Takes `<dataDir>.lock` for this process; a lock left by a process that no longer runs is taken over. */
const acquireLock = Effect.fn("EmbeddedDataDirectory.acquireLock")(function*(dataDir: string) {
  const fs = yield* FileSystem.FileSystem
  const lockPath = `${dataDir}.lock`
  const self = { pid: NodeProcess.pid, host: NodeOs.hostname() }
  const create = fs.writeFileString(lockPath, JSON.stringify(self), { flag: "wx" })

  const created = yield* Effect.as(create, true).pipe(
    Effect.catchIf((error) => error.reason._tag === "AlreadyExists", () => Effect.succeed(false))
  )
  if (!created) {
    const owner = decodeLockOwner(yield* fs.readFileString(lockPath))
    // A holder on another host (shared file system) cannot be probed, so it is presumed alive.
    if (Option.isSome(owner) && (owner.value.host !== self.host || (yield* isProcessAlive(owner.value.pid)))) {
      return yield* failure(
        dataDir,
        "locked",
        `it is in use by process ${owner.value.pid} on ${owner.value.host}`,
        "Wait for that metatables command to finish. If no such process runs, delete " +
          `${lockPath}. To run several jobs at once, use a PostgreSQL server (DATABASE_URL).`
      )
    }
    yield* fs.remove(lockPath, { force: true })
    yield* create
  }
  yield* Effect.addFinalizer(() =>
    fs.readFileString(lockPath).pipe(
      Effect.flatMap((content) =>
        Option.exists(decodeLockOwner(content), (owner) => owner.pid === self.pid && owner.host === self.host)
          ? fs.remove(lockPath, { force: true })
          : Effect.void
      ),
      Effect.ignore
    )
  )
}, (effect, dataDir) => Effect.mapError(effect, keepOrFileSystemFailure(dataDir)))

/** Refuses a data directory written by another PGlite minor version; stamps a new directory. */
const checkVersionMarker = Effect.fn("EmbeddedDataDirectory.checkVersionMarker")(function*(dataDir: string) {
  const fs = yield* FileSystem.FileSystem
  const markerPath = `${dataDir}.json`
  const marker = (yield* fs.exists(markerPath))
    ? decodeMarker(yield* fs.readFileString(markerPath))
    : Option.none()
  if (Option.isSome(marker) && minorOf(marker.value.pglite) !== minorOf(PGLITE_VERSION)) {
    return yield* failure(
      dataDir,
      "incompatible-data-directory",
      `it was written by PGlite ${marker.value.pglite}, and this metatables uses PGlite ${PGLITE_VERSION}, ` +
        "whose data format differs",
      `Move ${NodePath.dirname(dataDir)} aside to start with a fresh database, or use a metatables release ` +
        `built on PGlite ${minorOf(marker.value.pglite)} to export the data first.`
    )
  }
  if (Option.isNone(marker)) {
    yield* fs.writeFileString(markerPath, JSON.stringify({ format: 1, pglite: PGLITE_VERSION }) + "\n")
  }
}, (effect, dataDir) => Effect.mapError(effect, keepOrFileSystemFailure(dataDir)))

/**
 * Makes the directory that holds the data directory (with a `.gitignore` when it is `.metatables`), takes
 * the lock for the life of the scope and checks the version marker.
 */
export const prepareEmbeddedDataDirectory = Effect.fn("EmbeddedDataDirectory.prepareEmbeddedDataDirectory")(function*(
  dataDir: string
): Effect.fn.Return<void, DatabaseConnectionError, FileSystem.FileSystem | Scope.Scope> {
  const fs = yield* FileSystem.FileSystem
  const parent = NodePath.dirname(dataDir)
  yield* fs.makeDirectory(parent, { recursive: true }).pipe(Effect.mapError(fileSystemFailure(dataDir)))
  const gitignore = NodePath.join(parent, ".gitignore")
  if (NodePath.basename(parent) === ".metatables") {
    yield* fs.writeFileString(gitignore, "# The embedded database; never commit it.\n*\n", { flag: "wx" }).pipe(
      Effect.catchIf((error) => error.reason._tag === "AlreadyExists", () => Effect.void),
      Effect.mapError(fileSystemFailure(dataDir))
    )
  }
  yield* acquireLock(dataDir)
  yield* checkVersionMarker(dataDir)
})
