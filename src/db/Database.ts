/**
 * The database metatables works in: a PostgreSQL server (`@effect/sql-pg`) or the embedded PGlite database,
 * with a drizzle database over either.
 *
 * Every layer here provides `SqlClient` and `PgClient` (the connection) and `Database` (which database it is,
 * its PostgreSQL version and the drizzle database). Both backends decode values alike (int8 as `bigint`,
 * timestamps as `Date`, dates as text), so code and drizzle queries behave the same on either. Layers connect eagerly and turn any failure into a
 * `DatabaseConnectionError` that names the database (password redacted) and says what to try.
 *
 * The drivers load when a layer is built, not when this module is imported: code that only names `Database`
 * (storage tables, DataNodes, the command tree) never loads PGlite, `@effect/sql-pg` or drizzle's driver;
 * drizzle's driver loads only when `drizzle` is first asked for, so a command that queries with `SqlClient`
 * alone never loads it.
 */
import type * as PgClient from "@effect/sql-pg/PgClient"
import type { EffectPgDatabase } from "drizzle-orm/effect-postgres"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { DatabaseConnectionError } from "./DatabaseConnectionError.ts"
import {
  type DatabaseTarget,
  describeDatabaseTarget,
  embeddedTarget,
  memoryTarget,
  serverTarget
} from "./DatabaseTarget.ts"
import { prepareEmbeddedDataDirectory } from "./EmbeddedDataDirectory.ts"
import { createFromTemplate, type CreationProgress } from "./EmbeddedTemplate.ts"
import { lazyImport, type LazyImportError } from "./LazyImport.ts"
import * as PgliteClient from "./PgliteClient.ts"
import { describeSqlFailure } from "./SqlFailure.ts"

/** Which engine answers: a PostgreSQL server or the embedded PGlite. */
export type DatabaseBackend = "postgres" | "pglite"

/** drizzle's database over the connection (its `effect-postgres` driver). */
export type DrizzleDatabase = EffectPgDatabase & { readonly $client: PgClient.PgClient }

export interface DatabaseInfo {
  readonly backend: DatabaseBackend
  readonly target: DatabaseTarget
  /** The database for messages, never with a password. */
  readonly description: string
  /** `server_version` as the database reports it, for example `15.20` or `18.6`. */
  readonly serverVersion: string
  /**
   * drizzle's database over the connection, made the first time it is asked for (`yield* database.drizzle`):
   * drizzle's driver loads about a hundred modules (all of `effect` among them), which a command that never
   * queries through drizzle (`migrations current`, `nodes status`) does not pay for.
   */
  readonly drizzle: Effect.Effect<DrizzleDatabase, DatabaseConnectionError>
}

export class Database extends Context.Service<Database, DatabaseInfo>()("metatables/db/Database") {
  /** A PostgreSQL server at `url`. */
  static readonly layerServer = (url: Redacted.Redacted<string>, options?: ServerOptions) => layerServer(url, options)
  /** The embedded database persisted in `dataDir` (locked to this process while open), made when missing. */
  static readonly layerEmbedded = (dataDir: string, options?: EmbeddedOptions) => layerEmbedded(dataDir, options)
  /** An embedded database in memory, optionally started from a dumped data directory. */
  static readonly layerMemory = (options?: MemoryOptions) => layerMemory(options)
  /** Whichever database `target` names. */
  static readonly layer = (target: DatabaseTarget, options?: EmbeddedOptions) => layer(target, options)
}

export type DatabaseServices = Database | SqlClient.SqlClient | PgClient.PgClient

export interface ServerOptions {
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number | undefined
  /** How long to wait for the server (default 10 seconds). */
  readonly connectTimeoutSeconds?: number | undefined
}

export interface EmbeddedOptions {
  /** Told what is happening while a new embedded database is made (a second or so; longer the first time). */
  readonly onProgress?: CreationProgress | undefined
}

export interface MemoryOptions {
  /** A dumped data directory to start from (faster than `initdb`; tests use a template). */
  readonly loadDataDir?: Blob | undefined
}

const serverHint = (failure: ReturnType<typeof describeSqlFailure>): [DatabaseConnectionError["reason"], string] => {
  const code = failure.code ?? ""
  if (code.startsWith("28")) {
    return ["authentication", "Check the user name and password in --database-url or DATABASE_URL."]
  }
  if (code === "3D000") {
    return ["missing-database", "Create the database first (createdb NAME), or point the URL at one that exists."]
  }
  if (code.startsWith("08") || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT|timed? ?out/i.test(failure.message)) {
    return [
      "unreachable",
      "Is the PostgreSQL server running and reachable at that host and port? Without --database-url and " +
      "DATABASE_URL, metatables uses its embedded database instead."
    ]
  }
  return ["failed", "Check the URL and the server's log."]
}

const toConnectionError = (target: DatabaseTarget) => (error: SqlError | DatabaseConnectionError | LazyImportError) => {
  if (error._tag === "DatabaseConnectionError") return error
  if (error._tag === "LazyImportError") {
    return new DatabaseConnectionError({
      database: describeDatabaseTarget(target),
      reason: "failed",
      cause: error,
      hint: "Reinstall the project's dependencies (npm install)."
    })
  }
  const failure = describeSqlFailure(error)
  const [reason, hint] = target._tag === "Server"
    ? serverHint(failure)
    : ["failed" as const, "The embedded database could not start; move .metatables aside to start afresh."]
  return new DatabaseConnectionError({
    database: describeDatabaseTarget(target),
    reason,
    cause: error,
    hint
  })
}

/**
 * Builds `Database` over the connection in context, checking that it answers.
 *
 * drizzle uses the `effect-postgres` codecs on both backends: the embedded client decodes values exactly as
 * `@effect/sql-pg` does, and drizzle's PGlite codecs (written for PGlite's raw text values) would lose the
 * milliseconds of `timestamp` columns and turn string-mode dates into `Date`s over it.
 */
const pgClientModule = lazyImport("@effect/sql-pg", () => import("@effect/sql-pg/PgClient"))
const drizzleDriver = lazyImport("drizzle-orm/effect-postgres", () => import("drizzle-orm/effect-postgres"))

const databaseInfo = (target: DatabaseTarget, backend: DatabaseBackend) =>
  Layer.effect(
    Database,
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const client = yield* Effect.context<PgClient.PgClient>()
      const [row] = yield* sql<{ readonly version: string }>`SELECT current_setting('server_version') AS version`
      const drizzle = yield* Effect.cached(
        drizzleDriver.pipe(
          Effect.flatMap(({ effectPgCodecs, makeWithDefaults }) => makeWithDefaults({ codecs: effectPgCodecs })),
          Effect.provide(client),
          Effect.map((database): DrizzleDatabase => database),
          Effect.mapError(toConnectionError(target)),
          Effect.withSpan("Database.drizzle")
        )
      )
      return Database.of({
        backend,
        target,
        description: describeDatabaseTarget(target),
        serverVersion: row?.version ?? "unknown",
        drizzle
      })
    }).pipe(Effect.mapError(toConnectionError(target)), Effect.withSpan("Database.connect"))
  )

/** `PgClient` and `SqlClient` over the client `acquire` opens, once `@effect/sql-pg` is loaded. */
const clientLayer = <R>(
  target: DatabaseTarget,
  acquire: (
    module: typeof PgClient
  ) => Effect.Effect<PgClient.PgClient, SqlError | DatabaseConnectionError | LazyImportError, R>
) =>
  Layer.unwrap(Effect.map(
    Effect.mapError(pgClientModule, toConnectionError(target)),
    (module) => module.layerFrom(Effect.mapError(acquire(module), toConnectionError(target)))
  ))

const layerServer = (
  url: Redacted.Redacted<string>,
  options?: ServerOptions
): Layer.Layer<DatabaseServices, DatabaseConnectionError> => {
  const target = serverTarget(url)
  return databaseInfo(target, "postgres").pipe(
    Layer.provideMerge(clientLayer(target, (module) =>
      module.make({
        url,
        applicationName: "metatables",
        maxConnections: options?.maxConnections ?? 10,
        connectTimeout: `${options?.connectTimeoutSeconds ?? 10} seconds`
      })))
  )
}

const layerEmbedded = (
  dataDir: string,
  options?: EmbeddedOptions
): Layer.Layer<DatabaseServices, DatabaseConnectionError, FileSystem.FileSystem> => {
  const target = embeddedTarget(dataDir)
  const create = createFromTemplate(dataDir, { onProgress: options?.onProgress ?? (() => Effect.void) }).pipe(
    Effect.mapError((error) =>
      new DatabaseConnectionError({
        database: describeDatabaseTarget(target),
        reason: "failed",
        // The step that failed, with the file system's error kept beneath it.
        cause: new Error(`creating it failed: ${error.message}`, { cause: error }),
        hint: "Check that the project directory is writable, or set DATABASE_URL to use a PostgreSQL server."
      })
    )
  )
  return databaseInfo(target, "pglite").pipe(
    Layer.provideMerge(clientLayer(target, () =>
      prepareEmbeddedDataDirectory(dataDir).pipe(
        Effect.andThen(create),
        Effect.andThen(PgliteClient.make({ dataDir }))
      )))
  )
}

const layerMemory = (options?: MemoryOptions): Layer.Layer<DatabaseServices, DatabaseConnectionError> =>
  databaseInfo(memoryTarget, "pglite").pipe(
    Layer.provideMerge(clientLayer(memoryTarget, () => PgliteClient.make({ loadDataDir: options?.loadDataDir })))
  )

const layer = (
  target: DatabaseTarget,
  options?: EmbeddedOptions
): Layer.Layer<DatabaseServices, DatabaseConnectionError, FileSystem.FileSystem> => {
  switch (target._tag) {
    case "Server":
      return layerServer(target.url)
    case "Embedded":
      return layerEmbedded(target.dataDir, options)
    case "Memory":
      return layerMemory()
  }
}
