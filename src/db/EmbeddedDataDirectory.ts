/**
 * Guards the embedded database's directory on disk.
 *
 * PGlite is a single-process database: two processes opening the same data directory corrupt it, and a data
 * directory written by one PGlite minor version cannot be read by another. Before PGlite opens a directory
 * this module takes an exclusive lock beside it, atomically even when several processes start together and a
 * stale lock is taken over (released when the scope closes), and checks the version marker written the first
 * time the directory was created.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type { PlatformError } from "effect/PlatformError"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as NodeCrypto from "node:crypto"
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

/** A lock file and its generation: `<dataDir>.lock.<n>`, and `<dataDir>.lock` (earlier releases) as 0. */
interface LockFile {
  readonly path: string
  readonly generation: number
}

/** The lock files beside `dataDir`, newest generation last. */
const lockFiles = (dataDir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const base = NodePath.basename(dataDir)
    const names = yield* fs.readDirectory(NodePath.dirname(dataDir))
    const files: Array<LockFile> = []
    for (const name of names) {
      if (name === `${base}.lock`) files.push({ path: NodePath.join(NodePath.dirname(dataDir), name), generation: 0 })
      const match = name.startsWith(`${base}.lock.`) ? /^(\d{1,15})$/.exec(name.slice(base.length + 6)) : null
      if (match !== null) files.push({ path: NodePath.join(NodePath.dirname(dataDir), name), generation: Number(match[1]) })
    }
    return files.sort((a, b) => a.generation - b.generation)
  })

/**
 * Takes the embedded database's lock for this process, atomically, for the life of the scope.
 *
 * The lock is the newest of the files `<dataDir>.lock.<n>`, each created whole and exclusively (written to a
 * temporary file, then hard-linked to its name, which fails if the name exists). When the newest is held by a
 * live process, the directory is in use. When there is none, or its process no longer runs, this process
 * creates the next generation: of several processes that try together, exactly one can create it, and the
 * others find it held by a live process. No lock file is ever replaced or removed by someone other than its
 * holder while it could be live, so a takeover cannot remove a lock that was just taken. A process that
 * created a generation older than the newest (it looked before another took over) gives it back and looks
 * again. The winner removes the older, stale generations; the holder removes its own when the scope closes.
 */
const acquireLock = Effect.fn("EmbeddedDataDirectory.acquireLock")(function*(dataDir: string) {
  const fs = yield* FileSystem.FileSystem
  const self = { pid: NodeProcess.pid, host: NodeOs.hostname() }
  const content = JSON.stringify(self)
  const mine = (path: string) =>
    fs.readFileString(path).pipe(
      Effect.map((text) => Option.exists(decodeLockOwner(text), (owner) => owner.pid === self.pid && owner.host === self.host)),
      Effect.orElseSucceed(() => false)
    )
  /** Creates `path` whole, only if no such file exists; false if it does. */
  const createExclusive = (path: string) =>
    Effect.gen(function*() {
      const temporary = `${path}.${self.pid}.${NodeCrypto.randomBytes(6).toString("hex")}.tmp`
      yield* fs.writeFileString(temporary, content, { flag: "wx" })
      return yield* fs.link(temporary, path).pipe(
        Effect.as(true),
        Effect.catchIf((error) => error.reason._tag === "AlreadyExists", () => Effect.succeed(false)),
        Effect.ensuring(Effect.ignore(fs.remove(temporary, { force: true })))
      )
    })

  for (let attempt = 0; attempt < 100; attempt++) {
    const files = yield* lockFiles(dataDir)
    const newest = files.at(-1)
    if (newest !== undefined) {
      const text = yield* fs.readFileString(newest.path).pipe(Effect.option)
      if (Option.isNone(text)) continue // released while we looked: look again
      const owner = decodeLockOwner(text.value)
      // A holder on another host (shared file system) cannot be probed, so it is presumed alive. A file that
      // does not parse was not written by this scheme (files are created whole): it is presumed held too.
      const alive = Option.isNone(owner) ||
        owner.value.host !== self.host ||
        (yield* isProcessAlive(owner.value.pid))
      if (alive) {
        return yield* failure(
          dataDir,
          "locked",
          Option.isSome(owner)
            ? `it is in use by process ${owner.value.pid} on ${owner.value.host}`
            : `its lock file ${newest.path} is not one metatables wrote`,
          "Wait for that metatables command to finish. If no such process runs, delete " +
            `${newest.path}. To run several jobs at once, use a PostgreSQL server (DATABASE_URL).`
        )
      }
    }
    const generation = (newest?.generation ?? 0) + 1
    const path = `${dataDir}.lock.${generation}`
    if (!(yield* createExclusive(path))) continue // another process took this generation: look again
    const newer = (yield* lockFiles(dataDir)).filter((file) => file.generation > generation)
    if (newer.length > 0) {
      // We looked before another took over: give ours back, then look again.
      yield* fs.remove(path, { force: true })
      continue
    }
    for (const stale of files) yield* Effect.ignore(fs.remove(stale.path, { force: true }))
    return yield* Effect.addFinalizer(() =>
      Effect.flatMap(mine(path), (held) => held ? Effect.ignore(fs.remove(path, { force: true })) : Effect.void)
    )
  }
  return yield* failure(
    dataDir,
    "locked",
    "its lock changed hands too often to take",
    "Try again; to run several jobs at once, use a PostgreSQL server (DATABASE_URL)."
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
