/**
 * Session advisory locks: taken on one connection under the key the server shows, released when the scope
 * closes, and on the server, a second session that gives up names the holder and gets the lock once it is free.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlConnection from "effect/sql/SqlConnection"
import type { SqlError } from "effect/sql/SqlError"
import { advisoryLockKeys, takeAdvisoryLock } from "../../src/db/AdvisoryLock.ts"
import { describeBackends, describeServer } from "../support/TestDatabase.ts"

const query = <A>(connection: SqlConnection.Connection, sql: string, params: ReadonlyArray<unknown> = []) =>
  connection.executeUnprepared(sql, params, undefined) as Effect.Effect<ReadonlyArray<A>, SqlError>

/** The pids of the sessions that hold the advisory lock `key`, as pg_locks reports it. */
const holders = (key: readonly [number, number]) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly pid: number }>`
      SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${key[0]} AND objid = ${key[1]} AND objsubid = 2 AND granted`
    return rows.map((row) => row.pid)
  })

/** A scope the test closes itself, closed anyway when the test ends (so a failing test releases what it holds). */
const testScope = Effect.acquireRelease(Scope.make(), (scope) => Scope.close(scope, Exit.void))

const backendPid = (connection: SqlConnection.Connection) =>
  Effect.map(query<{ readonly pid: number }>(connection, "SELECT pg_backend_pid() AS pid"), (rows) => rows[0]?.pid)

describeBackends("takeAdvisoryLock", (it) => {
  it.effect("holds the lock under its key on the connection until the scope closes", () =>
    Effect.scoped(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const key = advisoryLockKeys("tests:lock-scope")
      const scope = yield* testScope
      const connection = yield* Scope.provide(sql.reserve, scope)
      yield* Scope.provide(takeAdvisoryLock(connection, key, { waitSeconds: 1 }), scope)
      const pid = yield* backendPid(connection)
      const [held] = yield* query<{ readonly pid: number }>(
        connection,
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 " +
          "AND granted",
        [key[0], key[1]]
      )
      assert.strictEqual(held?.pid, pid)
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* holders(key), [])
    })))
})

describeServer("takeAdvisoryLock between sessions", (it) => {
  it.effect("gives up naming the holder's process, and gets the lock once the holder's scope closes", () =>
    Effect.scoped(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const key = advisoryLockKeys("tests:lock-contention")
      const holderScope = yield* testScope
      const holder = yield* Scope.provide(sql.reserve, holderScope)
      yield* Scope.provide(takeAdvisoryLock(holder, key, { waitSeconds: 1 }), holderScope)
      const holderPid = yield* backendPid(holder)

      yield* Effect.scoped(Effect.gen(function*() {
        const waiter = yield* sql.reserve
        const refused = yield* Effect.result(takeAdvisoryLock(waiter, key, { waitSeconds: 0 }))
        assert.isTrue(Result.isFailure(refused))
        if (Result.isFailure(refused)) {
          assert.strictEqual(refused.failure._tag, "AdvisoryLockTimeoutError")
          if (refused.failure._tag === "AdvisoryLockTimeoutError") {
            assert.deepStrictEqual(refused.failure.key, [...key])
            assert.strictEqual(refused.failure.holderPid, holderPid)
            assert.strictEqual(refused.failure.waitedSeconds, 0)
          }
        }
        assert.deepStrictEqual(yield* holders(key), [holderPid])

        yield* Scope.close(holderScope, Exit.void)
        yield* takeAdvisoryLock(waiter, key, { waitSeconds: 0 })
        assert.deepStrictEqual(yield* holders(key), [yield* backendPid(waiter)])
      }))
      assert.deepStrictEqual(yield* holders(key), [])
    })))
})
