/**
 * PostgreSQL session advisory locks: taken by key on one reserved connection, waiting up to a limit for
 * another holder, and released by a finalizer when the caller's scope closes, even on failure or interruption.
 * A session lock belongs to its connection, so everything it protects runs on that same connection.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"

/** The two int4 keys of `pg_advisory_lock(int4, int4)`, as `pg_locks` shows them (`classid`, `objid`). */
export type AdvisoryLockKey = readonly [number, number]

/** Two positive int4s from the SHA-256 of `name`, so that `pg_locks` shows them as they are. */
const keyOf = (name: string): AdvisoryLockKey => {
  const digest = NodeCrypto.createHash("sha256").update(name).digest()
  return [digest.readUInt32BE(0) & 0x7fffffff, digest.readUInt32BE(4) & 0x7fffffff]
}

/** The key of the lock a migration of the provider `providerKey` holds while it applies (or stamps). */
export const advisoryLockKeys = (providerKey: string): AdvisoryLockKey => keyOf(`metatables/migrations/${providerKey}`)

/** Another session held the lock for longer than the caller would wait. */
export class AdvisoryLockTimeoutError extends Schema.TaggedError<AdvisoryLockTimeoutError>()(
  "AdvisoryLockTimeoutError",
  {
    key: Schema.Tuple([Schema.Number, Schema.Number]),
    waitedSeconds: Schema.Number,
    /** The database process that held it when we gave up, if it still did. */
    holderPid: Schema.NullOr(Schema.Number)
  }
) {
  override get message(): string {
    return `Gave up after waiting ${this.waitedSeconds} seconds for the advisory lock (${this.key.join(", ")})` +
      (this.holderPid === null ? "" : `, held by database process ${this.holderPid}`) + "."
  }
}

export interface AdvisoryLockOptions {
  /** How long to wait for another holder before failing. */
  readonly waitSeconds: number
  /** How long to sleep between attempts (default 200 milliseconds). */
  readonly retryInterval?: Duration.Input | undefined
}

const query = <A>(connection: SqlConnection.Connection, sql: string, params: ReadonlyArray<unknown>) =>
  connection.executeUnprepared(sql, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

/**
 * Takes the session advisory lock `key` on `connection`, trying again until `waitSeconds` have passed (then
 * naming the process that holds it); once taken, a finalizer of the current scope releases it.
 */
export const takeAdvisoryLock = Effect.fn("AdvisoryLock.takeAdvisoryLock")(function*(
  connection: SqlConnection.Connection,
  key: AdvisoryLockKey,
  options: AdvisoryLockOptions
): Effect.fn.Return<void, AdvisoryLockTimeoutError | SqlError, Scope.Scope> {
  const [first, second] = key
  const retryInterval = options.retryInterval ?? Duration.millis(200)
  const deadline = (yield* Clock.currentTimeMillis) + options.waitSeconds * 1000
  while (true) {
    const [row] = yield* query<{ readonly locked: boolean }>(
      connection,
      "SELECT pg_try_advisory_lock($1, $2) AS locked",
      [first, second]
    )
    if (row?.locked === true) {
      return yield* Effect.addFinalizer(() =>
        Effect.ignore(query(connection, "SELECT pg_advisory_unlock($1, $2)", [first, second]))
      )
    }
    if ((yield* Clock.currentTimeMillis) >= deadline) {
      const [holder] = yield* query<{ readonly pid: number }>(
        connection,
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 " +
          "AND granted LIMIT 1",
        [first, second]
      )
      return yield* new AdvisoryLockTimeoutError({
        key: [first, second],
        waitedSeconds: options.waitSeconds,
        holderPid: holder?.pid ?? null
      })
    }
    yield* Effect.sleep(retryInterval)
  }
})
