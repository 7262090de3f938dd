/**
 * Advisory locks: one key scheme (purpose, database, name); on the server a session lock held on a connection
 * of its own until the scope closes, one blocking wait bounded by the timeout, an error naming the holder
 * (pid, application name, since when), and an interrupted wait that leaves nothing held. On the embedded
 * database nothing is taken (one session, owned by the process under its directory lock).
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Result from "effect/Result"
import * as Scope from "effect/Scope"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import { describe, it } from "vitest"
import { advisoryLockKey, advisoryLockKeySql, holdAdvisoryLock } from "../../src/db/AdvisoryLock.ts"
import { describeBackends, describeServer } from "../support/TestDatabase.ts"

/** The pids of the sessions that hold the advisory lock `key`, as pg_locks reports it. */
const holders = (key: readonly [number, number]) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly pid: number }>`
      SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${key[0]} AND objid = ${key[1]} AND objsubid = 2 AND granted`
    return rows.map((row) => row.pid)
  })

const currentDatabase = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ readonly name: string }>`SELECT current_database() AS name`, ([row]) => row!.name))

/** A scope the test closes itself, closed anyway when the test ends (so a failing test releases what it holds). */
const testScope = Effect.acquireRelease(Scope.make(), (scope) => Scope.close(scope, Exit.void))

describe("advisoryLockKey", () => {
  it("differs by purpose, database and name, and is two positive int4s", () => {
    const keys = [
      advisoryLockKey("migrations", "db1", "p"),
      advisoryLockKey("owner-role", "db1", "p"),
      advisoryLockKey("migrations", "db2", "p"),
      advisoryLockKey("migrations", "db1", "q")
    ]
    assert.strictEqual(new Set(keys.map((key) => key.join(","))).size, 4)
    for (const [first, second] of keys) {
      assert.isTrue(first >= 0 && first <= 0x7fffffff && second >= 0 && second <= 0x7fffffff)
    }
    assert.deepStrictEqual(advisoryLockKey("migrations", "db1", "p"), keys[0])
  })
})

describeBackends("holdAdvisoryLock", (it) => {
  it.effect("holds the lock on a connection of its own until the scope closes (nothing on the embedded database)", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const key = advisoryLockKey("migrations", yield* currentDatabase, "tests:lock-scope")
      const scope = yield* testScope
      yield* Scope.provide(holdAdvisoryLock("migrations", "tests:lock-scope", { timeoutSeconds: 1 }), scope)
      const [own] = yield* sql<{ readonly pid: number }>`SELECT pg_backend_pid() AS pid`
      const held = yield* holders(key)
      if (sql.driver === "pglite") {
        assert.deepStrictEqual(held, [])
      } else {
        assert.strictEqual(held.length, 1)
        assert.notStrictEqual(held[0], own?.pid, "the lock is on a connection the caller's statements do not use")
        // What the caller runs cannot release it.
        yield* sql`SELECT pg_advisory_unlock_all()`
        assert.strictEqual((yield* holders(key)).length, 1)
      }
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* holders(key), [])
    }))
})

describeServer("advisoryLockKeySql", (it) => {
  it.effect("computes on the server the key advisoryLockKey computes here", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const name of ["mt_mig_abc123", "ünïcode ✓", "with 'quote'"]) {
        const [first, second] = advisoryLockKeySql("credential-holder", "", "name")
        const [row] = yield* sql.unsafe<{ readonly first: number; readonly second: number }>(
          `SELECT ${first} AS first, ${second} AS second FROM (SELECT $1::text AS name) AS given`,
          [name]
        )
        assert.deepStrictEqual([row?.first, row?.second], [...advisoryLockKey("credential-holder", "", name)], name)
      }
    }))
})

describeServer("holdAdvisoryLock between sessions", (it) => {
  it.effect("waits in one blocking call, gives up naming the holder, and gets the lock once it is free", () =>
    TestClock.withLive(Effect.gen(function*() {
      const name = "tests:lock-contention"
      const key = advisoryLockKey("migrations", yield* currentDatabase, name)
      const holderScope = yield* testScope
      yield* Scope.provide(
        holdAdvisoryLock("migrations", name, { timeoutSeconds: 1, applicationName: "tests holder" }),
        holderScope
      )
      const [holderPid] = yield* holders(key)

      for (const timeoutSeconds of [0, 1]) {
        const refused = yield* Effect.result(Effect.scoped(holdAdvisoryLock("migrations", name, { timeoutSeconds })))
        assert.isTrue(Result.isFailure(refused))
        if (Result.isFailure(refused) && refused.failure._tag === "AdvisoryLockTimeoutError") {
          const failure = refused.failure
          assert.deepStrictEqual(failure.key, [...key])
          assert.strictEqual(failure.waitedSeconds, timeoutSeconds)
          assert.strictEqual(failure.holder?.pid, holderPid)
          assert.strictEqual(failure.holder?.applicationName, "tests holder")
          assert.match(failure.holder?.since ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
          assert.include(failure.message, `held by database process ${holderPid} ("tests holder", since `)
        } else {
          assert.fail(`expected an AdvisoryLockTimeoutError, got ${String(refused)}`)
        }
      }
      assert.deepStrictEqual(yield* holders(key), [holderPid], "the waiters left nothing held")

      // A waiter interrupted while it waits takes nothing with it, even once the lock comes free.
      const waiter = yield* Effect.forkChild(Effect.scoped(holdAdvisoryLock("migrations", name, { timeoutSeconds: 30 })))
      yield* Effect.sleep("300 millis")
      yield* Fiber.interrupt(waiter)
      yield* Scope.close(holderScope, Exit.void)
      yield* Effect.sleep("300 millis")
      assert.deepStrictEqual(yield* holders(key), [])

      yield* Effect.scoped(Effect.gen(function*() {
        yield* holdAdvisoryLock("migrations", name, { timeoutSeconds: 0 })
        assert.strictEqual((yield* holders(key)).length, 1)
      }))
      assert.deepStrictEqual(yield* holders(key), [])
    })))
})
