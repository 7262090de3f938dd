/**
 * The database a command works in: `--database-url`, else `--database-url-file`, else `DATABASE_URL`, else
 * `DATABASE_URL_FILE`, else the project's embedded database. A server URL without a password takes it from
 * PostgreSQL's password file (`~/.pgpass` or `PGPASSFILE`), as libpq would. The URL's secrets are registered
 * with `Output` before anything can print them.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { Database, type DatabaseServices } from "../db/Database.ts"
import type { DatabaseConnectionError } from "../db/DatabaseConnectionError.ts"
import {
  type DatabaseTarget,
  type DatabaseUrlFromFile,
  DatabaseUrlFileError,
  databaseUrlSecrets,
  type InvalidDatabaseUrlError,
  resolveDatabaseTarget,
  serverTarget
} from "../db/DatabaseTarget.ts"
import { parsePgPass, withPgPassPassword } from "../db/PgPass.ts"
import { DatabaseUrlFileFlag, DatabaseUrlFlag } from "./GlobalFlags.ts"
import { Output } from "./Output.ts"
import { currentProjectRoot } from "../project/ProjectRoot.ts"

/** Where the target came from, for `doctor`. */
export type DatabaseSource =
  | "--database-url"
  | "--database-url-file"
  | "DATABASE_URL"
  | "DATABASE_URL_FILE"
  | "embedded default"

export interface ResolvedDatabase {
  readonly target: DatabaseTarget
  readonly source: DatabaseSource
}

const optionalSetting = <A>(config: Config.Config<A>) =>
  Config.option(config).pipe(Effect.orElseSucceed(() => Option.none<A>()))

const environmentUrl = optionalSetting(Config.Redacted("DATABASE_URL"))

/** Reads a URL file: its first non-empty line. Its contents never reach an error. */
const readUrlFile = Effect.fn("CliDatabase.readUrlFile")(function*(source: string, path: string) {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(path).pipe(
    Effect.mapError((error) =>
      new DatabaseUrlFileError({
        source,
        path,
        problem: `cannot be read (${error._tag === "PlatformError" ? error.reason._tag : "error"})`
      })
    )
  )
  const line = text.split(/\r?\n/).map((part) => part.trim()).find((part) => part !== "")
  if (line === undefined) return yield* new DatabaseUrlFileError({ source, path, problem: "is empty" })
  return { path, url: Redacted.make(line, { label: "database URL" }) } satisfies DatabaseUrlFromFile
})

/** The URL file a setting names, read; none when the setting is absent or blank. */
const urlFileOf = (source: string, path: Option.Option<string>) =>
  Option.isNone(path) || path.value.trim() === ""
    ? Effect.succeed(Option.none<DatabaseUrlFromFile>())
    : Effect.map(readUrlFile(source, path.value), Option.some)

/**
 * The password file libpq would read: `PGPASSFILE`, else `~/.pgpass`. Like libpq, a file that others may read
 * is ignored, with a warning; a missing one is no error.
 */
const pgPassEntries = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const output = yield* Output
  const configured = yield* optionalSetting(Config.String("PGPASSFILE"))
  const path = Option.getOrElse(configured, () => NodePath.join(NodeOs.homedir(), ".pgpass"))
  const info = yield* Effect.option(fs.stat(path))
  if (Option.isNone(info) || info.value.type !== "File") return []
  if (process.platform !== "win32" && (info.value.mode & 0o077) !== 0) {
    yield* output.text(
      `Warning: the password file ${path} is readable by others, so it is ignored (as libpq does); chmod 600 it.`
    )
    return []
  }
  return parsePgPass(yield* Effect.orElseSucceed(fs.readFileString(path), () => ""))
})

/** Resolves the target and protects its secrets from being printed. */
export const resolveCliDatabase: Effect.Effect<
  ResolvedDatabase,
  InvalidDatabaseUrlError | DatabaseUrlFileError,
  DatabaseUrlFlag | DatabaseUrlFileFlag | FileSystem.FileSystem | Output
> = Effect.gen(function*() {
  const output = yield* Output
  const databaseUrl = yield* DatabaseUrlFlag
  const databaseUrlFile = yield* urlFileOf("--database-url-file", yield* DatabaseUrlFileFlag)
  const fromEnvironment = yield* environmentUrl
  const hasEnvironmentUrl = Option.isSome(fromEnvironment) && Redacted.value(fromEnvironment.value).trim() !== ""
  const environmentUrlFile = Option.isSome(databaseUrl) || Option.isSome(databaseUrlFile) || hasEnvironmentUrl
    ? Option.none<DatabaseUrlFromFile>()
    : yield* urlFileOf("DATABASE_URL_FILE", yield* optionalSetting(Config.String("DATABASE_URL_FILE")))
  const urls = [
    databaseUrl,
    Option.map(databaseUrlFile, (file) => file.url),
    fromEnvironment,
    Option.map(environmentUrlFile, (file) => file.url)
  ]
  for (const url of urls) {
    if (Option.isSome(url)) yield* output.protect(databaseUrlSecrets(Redacted.value(url.value)))
  }
  const resolved = yield* Effect.fromResult(resolveDatabaseTarget({
    databaseUrl,
    databaseUrlFile,
    environmentUrl: fromEnvironment,
    environmentUrlFile,
    projectRoot: yield* currentProjectRoot
  }))
  const source: DatabaseSource = Option.isSome(databaseUrl)
    ? "--database-url"
    : Option.isSome(databaseUrlFile)
    ? "--database-url-file"
    : resolved._tag !== "Server"
    ? "embedded default"
    : hasEnvironmentUrl
    ? "DATABASE_URL"
    : "DATABASE_URL_FILE"
  if (resolved._tag !== "Server") return { target: resolved, source }
  const url = withPgPassPassword(resolved.url, yield* pgPassEntries)
  yield* output.protect(databaseUrlSecrets(Redacted.value(url)))
  return { target: serverTarget(url), source }
}).pipe(Effect.withSpan("CliDatabase.resolveCliDatabase"))

/** The command's database, opened for the life of the command; making a new embedded one says so on stderr. */
export const cliDatabaseLayer: Layer.Layer<
  DatabaseServices,
  InvalidDatabaseUrlError | DatabaseUrlFileError | DatabaseConnectionError,
  DatabaseUrlFlag | DatabaseUrlFileFlag | FileSystem.FileSystem | Output
> = Layer.unwrap(Effect.gen(function*() {
  const output = yield* Output
  const { target } = yield* resolveCliDatabase
  return Database.layer(target, { onProgress: (message) => output.text(`${message}...`) })
}))

/** Environment variables that can carry the connecting user's database URL or password. */
const SECRET_VARIABLES = ["DATABASE_URL", "DATABASE_URL_FILE", "PGPASSWORD"] as const

/**
 * Runs `body` (an upgrade: revision files and the provider's hook are code that runs in this process) with
 * the variables that carry the connecting user's URL or password removed from the process's environment, and
 * puts them back afterwards. The database is already open by then. It narrows what a revision finds, but is
 * no boundary: code in the process can still read files, the command line and memory.
 */
export const withoutDatabaseSecretsInEnvironment = <A, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const saved: Record<string, string> = {}
      for (const name of SECRET_VARIABLES) {
        const value = process.env[name]
        if (value !== undefined) saved[name] = value
        delete process.env[name]
      }
      return saved
    }),
    () => body,
    (saved) => Effect.sync(() => void Object.assign(process.env, saved))
  )
