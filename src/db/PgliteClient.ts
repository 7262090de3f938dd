/**
 * An `effect/sql` client over PGlite, the embedded PostgreSQL (WASM) that metatables uses by default.
 *
 * It implements `@effect/sql-pg`'s `PgClient` interface, so drizzle's `effect-postgres` driver and any code
 * written against `SqlClient` run on it unchanged, and it decodes values the way the server client does:
 * int8 as `bigint`, `date` as a `YYYY-MM-DD` string, `timestamp`/`timestamptz` as `Date`. PGlite has a single
 * connection, so statements, transactions and reserved connections take turns through one permit.
 *
 * PGlite and `@effect/sql-pg` load when a client is made, not when this module is imported.
 */
import type { ParserOptions, PGlite } from "@electric-sql/pglite"
import type * as PgClient from "@effect/sql-pg/PgClient"
import type * as PgConnection from "@effect/sql-pg/PgConnection"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import type * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import { SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { classifySqlState } from "./internal/sqlState.ts"
import { type BlobCopier, BlobCopy } from "./PgCopy.ts"
import { parseInterval, parseTimestamp } from "./internal/textValues.ts"
import { lazyImport, type LazyImportError } from "./LazyImport.ts"

/** How to open the embedded database. */
export interface PgliteClientConfig {
  /** A directory on disk; without one the database lives in memory and vanishes with the client. */
  readonly dataDir?: string | undefined
  /** Start from a dumped data directory (`PGlite.dumpDataDir`) instead of running `initdb`. */
  readonly loadDataDir?: Blob | undefined
  /**
   * PostgreSQL's buffer cache (`shared_buffers`), default `EMBEDDED_SHARED_BUFFERS`. PGlite's own default,
   * 128MB, is most of what an embedded database keeps resident.
   */
  readonly sharedBuffers?: string | undefined
}

/**
 * The embedded database's buffer cache. PostgreSQL touches all of it at start, so it is resident memory
 * from the first statement; pages beyond it are read back from the operating system's file cache.
 */
export const EMBEDDED_SHARED_BUFFERS = "32MB"

const pgliteModule = lazyImport("@electric-sql/pglite", () => import("@electric-sql/pglite"))
const pgClientModule = lazyImport("@effect/sql-pg", () => import("@effect/sql-pg/PgClient"))

/**
 * Decode like `@effect/sql-pg`: int8 always as bigint (PGlite would give a number when it fits), calendar
 * dates as text, timestamps as instants whatever the JavaScript engine, intervals as their three parts.
 * PGlite derives each array type's parser from its element's.
 */
const parsersOf = (types: typeof import("@electric-sql/pglite").types): ParserOptions => ({
  [types.INT8]: (text: string) => BigInt(text),
  [types.DATE]: (text: string) => text,
  [types.TIMESTAMP]: parseTimestamp,
  [types.TIMESTAMPTZ]: parseTimestamp,
  [types.INTERVAL]: parseInterval
})

const attempt = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, SqlError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new SqlError({ reason: classifySqlState(cause, "PGlite: Query failed", operation) }) })

type RowTransform = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

/**
 * The driver under `SqlClient`. Its methods stay plain functions: they run once per statement, inside the span
 * that `SqlClient` opens for every statement.
 */
const makeConnection = (pg: PGlite): SqlConnection.Connection & { readonly [BlobCopy]: BlobCopier } => {
  const query = (sql: string, params: ReadonlyArray<unknown>, rowMode: "object" | "array") =>
    attempt("execute", () => pg.query<Record<string, unknown>>(sql, [...params], { rowMode }))
  const rows = (sql: string, params: ReadonlyArray<unknown>, transformRows: RowTransform) =>
    Effect.map(query(sql, params, "object"), (result) =>
      transformRows === undefined ? result.rows : transformRows(result.rows))
  // One command per call, as on the server, which parses every statement as a (unnamed) prepared one: PGlite's
  // `exec` would run each command of a string, so a name or revision could smuggle a second statement in.
  const unprepared = (sql: string, params: ReadonlyArray<unknown>, rowMode: "object" | "array") =>
    Effect.map(query(sql, params, rowMode), (result) => result.rows)
  // COPY ... FROM '/dev/blob' (`PgCopy.copyIn`): PGlite writes the blob to that file before the statement runs.
  const copyFromBlob: BlobCopier = (statement, data) =>
    Effect.map(
      attempt("copy", () => pg.query(statement, [], { blob: new Blob([data]) })),
      (result) => result.affectedRows ?? 0
    )
  return {
    [BlobCopy]: copyFromBlob,
    execute: rows,
    executeRaw: (sql, params) => query(sql, params, "object"),
    executeStream: (sql, params, transformRows) =>
      Stream.unwrap(Effect.map(rows(sql, params, transformRows), (all) => Stream.fromIterable(all))),
    executeValues: (sql, params) =>
      Effect.map(query(sql, params, "array"), (result) => result.rows as unknown as ReadonlyArray<ReadonlyArray<unknown>>),
    executeValuesUnprepared: (sql, params) =>
      Effect.map(unprepared(sql, params, "array"), (values) => values as unknown as ReadonlyArray<ReadonlyArray<unknown>>),
    executeUnprepared: (sql, params, transformRows) =>
      Effect.map(unprepared(sql, params, "object"), (all) => {
        const objects = all as ReadonlyArray<Record<string, unknown>>
        return transformRows === undefined ? objects : transformRows(objects)
      })
  }
}

const escapeIdentifier = Statement.defaultEscape("\"")

const PgJson = Statement.custom<PgClient.PgCustom>("PgJson")

/** The PostgreSQL dialect compiler, binding JSON fragments as text (PGlite parses it server-side). */
const compiler = Statement.makeCompiler<PgClient.PgCustom>({
  dialect: "pg",
  placeholder: (index) => `$${index}`,
  onIdentifier: (value) => escapeIdentifier(value),
  onRecordUpdate: (placeholders, valueAlias, valueColumns, values, returning) => [
    `(values ${placeholders}) AS ${valueAlias}${valueColumns}${returning ? ` RETURNING ${returning[0]}` : ""}`,
    returning ? values.flat().concat(returning[1]) : values.flat()
  ],
  onCustom: (custom, placeholder) => [placeholder(undefined), [JSON.stringify(custom.paramA)]]
})

const openPglite = (config: PgliteClientConfig): Effect.Effect<PGlite, SqlError | LazyImportError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.flatMap(pgliteModule, ({ PGlite, types }) =>
      attempt("connect", async () => {
        // One options object: PGlite ignores the second argument when the first is not a string.
        const pg = new PGlite({
          parsers: parsersOf(types),
          startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${config.sharedBuffers ?? EMBEDDED_SHARED_BUFFERS}`],
          ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
          ...(config.loadDataDir === undefined ? {} : { loadDataDir: config.loadDataDir })
        })
        await pg.waitReady
        return pg
      })),
    (pg) =>
      attempt("close", () => pg.close()).pipe(
        Effect.catch((error) => Effect.logWarning("Closing the embedded database failed", error))
      )
  )

/** Creates a database in `dataDir` (PGlite's `initdb`) and closes it cleanly, as a template to copy. */
export const initializeDataDirectory = Effect.fn("PgliteClient.initializeDataDirectory")(function*(
  dataDir: string
): Effect.fn.Return<void, SqlError | LazyImportError, Scope.Scope> {
  yield* openPglite({ dataDir })
}, Effect.scoped)

/**
 * Opens PGlite and builds a `PgClient` over it. The database closes (and, on disk, flushes) when the scope
 * closes.
 */
export const make = Effect.fn("PgliteClient.make")(function*(
  config: PgliteClientConfig
): Effect.fn.Return<PgClient.PgClient, SqlError | LazyImportError, Scope.Scope | Reactivity.Reactivity> {
  const PgClientModule = yield* pgClientModule
  const pg = yield* openPglite(config)
  const connection = makeConnection(pg)
  const permit = yield* Semaphore.make(1)
  const lease = Effect.as(permit.takeScoped(1), connection)

  const client = yield* SqlClient.make({
    acquirer: lease,
    transactionAcquirer: lease,
    borrower: (use) => permit.withPermits(1)(use(connection)),
    compiler,
    driver: "pglite",
    spanAttributes: [["db.system.name", "postgresql"], ["db.namespace", config.dataDir ?? "memory"]],
    isTransaction: () => pg.isInTransaction()
  })

  const listen = Effect.fn("PgliteClient.listen")(function*(channel: string) {
    const notifications = yield* Queue.unbounded<PgConnection.Notification, SqlError>()
    yield* Effect.acquireRelease(
      attempt("listen", () =>
        pg.listen(channel, (payload) => {
          Queue.offerUnsafe(notifications, { processId: 0, channel, payload })
        })),
      (unlisten) => Effect.ignore(attempt("unlisten", () => unlisten()))
    )
    return notifications as Queue.Dequeue<PgConnection.Notification, SqlError>
  })

  const notify = (channel: string, payload: string) =>
    Effect.asVoid(client`SELECT pg_notify(${channel}, ${payload})`)

  return Object.assign(client, {
    [PgClientModule.TypeId]: PgClientModule.TypeId,
    config: {},
    json: (value: unknown) => Statement.fragment([PgJson(value, undefined, undefined)]),
    listen,
    notify
  }) satisfies PgClient.PgClient
})

/** Provides the embedded database as both `PgClient` (for drizzle) and `SqlClient`. */
export const layer = (
  config: PgliteClientConfig
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError | LazyImportError> =>
  Layer.unwrap(Effect.map(pgClientModule, (module) => module.layerFrom(make(config))))
