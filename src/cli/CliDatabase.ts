/**
 * The database a command works in: `--database-url`, else `DATABASE_URL`, else the project's embedded
 * database. The URL's secrets are registered with `Output` before anything can print them.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Database, type DatabaseServices } from "../db/Database.ts"
import type { DatabaseConnectionError } from "../db/DatabaseConnectionError.ts"
import {
  type DatabaseTarget,
  databaseUrlSecrets,
  type InvalidDatabaseUrlError,
  resolveDatabaseTarget
} from "../db/DatabaseTarget.ts"
import { DatabaseUrlFlag } from "./GlobalFlags.ts"
import { Output } from "./Output.ts"
import { currentProjectRoot } from "../project/ProjectRoot.ts"

/** Where the target came from, for `doctor`. */
export type DatabaseSource = "--database-url" | "DATABASE_URL" | "embedded default"

export interface ResolvedDatabase {
  readonly target: DatabaseTarget
  readonly source: DatabaseSource
}

const environmentUrl = Config.option(Config.Redacted("DATABASE_URL")).pipe(
  Effect.orElseSucceed(() => Option.none<Redacted.Redacted<string>>())
)

/** Resolves the target and protects its secrets from being printed. */
export const resolveCliDatabase: Effect.Effect<
  ResolvedDatabase,
  InvalidDatabaseUrlError,
  DatabaseUrlFlag | FileSystem.FileSystem | Output
> = Effect.gen(function*() {
  const output = yield* Output
  const databaseUrl = yield* DatabaseUrlFlag
  const fromEnvironment = yield* environmentUrl
  for (const url of [databaseUrl, fromEnvironment]) {
    if (Option.isSome(url)) yield* output.protect(databaseUrlSecrets(Redacted.value(url.value)))
  }
  const target = yield* Effect.fromResult(resolveDatabaseTarget({
    databaseUrl,
    environmentUrl: fromEnvironment,
    projectRoot: yield* currentProjectRoot
  }))
  const source: DatabaseSource = Option.isSome(databaseUrl)
    ? "--database-url"
    : target._tag === "Server"
    ? "DATABASE_URL"
    : "embedded default"
  return { target, source }
}).pipe(Effect.withSpan("CliDatabase.resolveCliDatabase"))

/** The command's database, opened for the life of the command; making a new embedded one says so on stderr. */
export const cliDatabaseLayer: Layer.Layer<
  DatabaseServices,
  InvalidDatabaseUrlError | DatabaseConnectionError,
  DatabaseUrlFlag | FileSystem.FileSystem | Output
> = Layer.unwrap(Effect.gen(function*() {
  const output = yield* Output
  const { target } = yield* resolveCliDatabase
  return Database.layer(target, { onProgress: (message) => output.text(`${message}...`) })
}))
