/**
 * PostgreSQL advisory locks, the only ones metatables takes: one key scheme for every purpose, one blocking
 * wait bounded by `lock_timeout` (no polling), and an error that names who holds the lock.
 *
 * A key is two int4s from the SHA-256 of `metatables/<purpose>/<database>/<name>`, so locks of different
 * purposes or databases never collide, and `pg_locks` shows the key as `classid`, `objid` (`objsubid` 2).
 *
 * `holdAdvisoryLock` takes a session lock on a connection of its own, reserved for nothing else and released
 * when the caller's scope closes: work done under the lock runs on other connections, so nothing it runs
 * (`pg_advisory_unlock_all()` included) can release the lock. The embedded database has one session, owned
 * by this process under its directory lock; there is no one to exclude and no second connection to hold a
 * lock on, so nothing is taken there. `advisoryTransactionLock` takes a lock until the current transaction
 * ends.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"
import { describeSqlFailure } from "./SqlFailure.ts"
import { quoteLiteral } from "./SqlText.ts"

/** The two int4 keys of `pg_advisory_lock(int4, int4)`, as `pg_locks` shows them (`classid`, `objid`). */
export type AdvisoryLockKey = readonly [number, number]

/**
 * What a lock protects: a provider's migrations, the creation of a provider's owner role, a migration
 * credential while its holder lives (that one is server-wide: its database is `""`, so a sweep from any
 * database can find it in `pg_locks`), or the start of a node's run (a transaction lock: one start at a time
 * sees whether another run of the node is live).
 */
export type AdvisoryLockPurpose = "migrations" | "owner-role" | "credential-holder" | "node-run"

/** Two positive int4s from the SHA-256 of the purpose, the database and the name. */
export const advisoryLockKey = (purpose: AdvisoryLockPurpose, database: string, name: string): AdvisoryLockKey => {
  const digest = NodeCrypto.createHash("sha256").update(`metatables/${purpose}/${database}/${name}`).digest()
  return [digest.readUInt32BE(0) & 0x7fffffff, digest.readUInt32BE(4) & 0x7fffffff]
}

/**
 * `advisoryLockKey` computed by the server, for a name that is a SQL expression (a column, say): two int4
 * expressions, equal to the key's two halves, to compare with `pg_locks.classid` and `objid`. `purpose` and
 * `database` are written as literals.
 */
export const advisoryLockKeySql = (
  purpose: AdvisoryLockPurpose,
  database: string,
  nameExpression: string
): readonly [string, string] => {
  const digest = `encode(sha256(convert_to(${quoteLiteral(`metatables/${purpose}/${database}/`)} || (${nameExpression}), 'UTF8')), 'hex')`
  const half = (from: number) => `(('x' || substr(${digest}, ${from}, 8))::bit(32)::int4 & 2147483647)`
  return [half(1), half(9)]
}

/** The session that held a lock when a waiter gave up, as `pg_locks` and `pg_stat_activity` show it. */
export const AdvisoryLockHolder = Schema.Struct({
  pid: Schema.Number,
  /** Its `application_name` (empty when it set none). */
  applicationName: Schema.String,
  /** When it last started a statement or went idle: for a session idle under its lock, when it took it. */
  since: Schema.NullOr(Schema.String)
})
export type AdvisoryLockHolder = typeof AdvisoryLockHolder.Type

/** Describes the holder for a message: `database process 123 ("metatables", since 2026-…)`. */
export const describeHolder = (holder: AdvisoryLockHolder | null): string =>
  holder === null
    ? "a session that has since let it go"
    : `database process ${holder.pid} (${holder.applicationName === "" ? "no application name" : `"${holder.applicationName}"`}` +
      `${holder.since === null ? "" : `, since ${holder.since}`})`

/** Another session held the lock for longer than the caller would wait. */
export class AdvisoryLockTimeoutError extends Schema.TaggedError<AdvisoryLockTimeoutError>()(
  "AdvisoryLockTimeoutError",
  {
    purpose: Schema.Literals(["migrations", "owner-role", "credential-holder", "node-run"]),
    name: Schema.String,
    key: Schema.Tuple([Schema.Number, Schema.Number]),
    waitedSeconds: Schema.Number,
    /** The session that held it when we gave up, if one still did. */
    holder: Schema.NullOr(AdvisoryLockHolder)
  }
) {
  override get message(): string {
    return `Gave up after waiting ${this.waitedSeconds} seconds for the ${this.purpose} lock of ${this.name} ` +
      `(advisory lock ${this.key.join(", ")}), held by ${describeHolder(this.holder)}.`
  }
}

export interface AdvisoryLockOptions {
  /** How long to wait for another holder before failing; 0 tries once. */
  readonly timeoutSeconds: number
  /** What the session shows as `application_name` while it holds the lock (so a waiter can name it). */
  readonly applicationName?: string | undefined
}

const query = <A>(connection: SqlConnection.Connection, sql: string, params: ReadonlyArray<unknown> = []) =>
  connection.executeUnprepared(sql, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

/** The session holding `key` in the current database, if any. */
const holderOf = (connection: SqlConnection.Connection, key: AdvisoryLockKey) =>
  Effect.map(
    query<{ readonly pid: number; readonly applicationName: string | null; readonly since: string | null }>(
      connection,
      "SELECT l.pid, a.application_name AS \"applicationName\", " +
        "to_char(COALESCE(a.xact_start, a.state_change) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS since " +
        "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid " +
        "WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) " +
        "AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted LIMIT 1",
      [key[0], key[1]]
    ),
    ([row]): AdvisoryLockHolder | null =>
      row === undefined ? null : { pid: row.pid, applicationName: row.applicationName ?? "", since: row.since }
  )

const currentDatabase = (connection: SqlConnection.Connection) =>
  Effect.map(query<{ readonly name: string }>(connection, "SELECT current_database() AS name"), ([row]) => row?.name ?? "")

/**
 * Holds the session advisory lock `(purpose, name)` of the current database on a connection reserved for it
 * alone, until the caller's scope closes (on success, failure or interruption). One blocking call waits at most
 * `timeoutSeconds` (`lock_timeout`); past it, the error names the holder. Nothing is taken on the embedded
 * database (see the module's header).
 */
export const holdAdvisoryLock = Effect.fn("AdvisoryLock.holdAdvisoryLock")(function*(
  purpose: AdvisoryLockPurpose,
  name: string,
  options: AdvisoryLockOptions
): Effect.fn.Return<void, AdvisoryLockTimeoutError | SqlError, SqlClient.SqlClient | Scope.Scope> {
  const sql = yield* SqlClient.SqlClient
  if (sql.driver === "pglite") return
  const connection = yield* sql.reserve
  const key = advisoryLockKey(purpose, yield* currentDatabase(connection), name)
  // Registered before the wait: if the wait is interrupted, the connection still answers the lock call
  // first (one statement at a time), and this releases whatever it took before the connection goes back.
  yield* Effect.addFinalizer(() =>
    Effect.ignore(Effect.forEach(
      ["SELECT pg_advisory_unlock($1, $2)", "RESET lock_timeout", "RESET application_name"],
      (statement) => query(connection, statement, statement.includes("$1") ? [key[0], key[1]] : [])
    ))
  )
  if (options.applicationName !== undefined) {
    yield* query(connection, "SELECT set_config('application_name', $1, false)", [options.applicationName])
  }
  const timeoutMs = Math.max(0, Math.ceil(options.timeoutSeconds * 1000))
  const taken = timeoutMs === 0
    ? Effect.map(
      query<{ readonly locked: boolean }>(connection, "SELECT pg_try_advisory_lock($1, $2) AS locked", [key[0], key[1]]),
      ([row]) => row?.locked === true
    )
    : Effect.andThen(
      query(connection, `SET lock_timeout = ${timeoutMs}`),
      query(connection, "SELECT pg_advisory_lock($1, $2)", [key[0], key[1]])
    ).pipe(
      Effect.as(true),
      Effect.catchIf((error) => describeSqlFailure(error).code === "55P03", () => Effect.succeed(false))
    )
  if (yield* taken) return
  return yield* new AdvisoryLockTimeoutError({
    purpose,
    name,
    key,
    waitedSeconds: options.timeoutSeconds,
    holder: yield* holderOf(connection, key)
  })
})

/**
 * Takes the advisory lock `(purpose, name)` of `database` until the current transaction ends, waiting as long
 * as the session's `lock_timeout` allows. Call it inside `sql.withTransaction`.
 */
export const advisoryTransactionLock = Effect.fn("AdvisoryLock.advisoryTransactionLock")(function*(
  purpose: AdvisoryLockPurpose,
  database: string,
  name: string
): Effect.fn.Return<void, SqlError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const [first, second] = advisoryLockKey(purpose, database, name)
  yield* sql`SELECT pg_advisory_xact_lock(${first}, ${second})`
})
