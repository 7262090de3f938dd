/**
 * Faults inside apply leave nothing behind, on both backends and with a pool of one connection (so the next
 * user gets the very connection the revision ran on): a data step that throws, an interruption mid-revision
 * and a stamp that fails all leave no open transaction and nothing half-made. Non-transactional revisions
 * resume after the last statement that succeeded (repairing an invalid index left by a failed
 * `CREATE INDEX CONCURRENTLY`), and refuse to resume when what already ran has changed. On the server, the
 * migration lock is on a connection the revision does not use: `pg_advisory_unlock_all()` cannot release it.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Database } from "../../../src/db/Database.ts"
import {
  applyMigration,
  holdMigrationLock,
  readMigrationState,
  stampMigration
} from "../../../src/migrations/runtime/MigrationApply.ts"
import { loadRevisions } from "../../../src/migrations/files/RevisionLoader.ts"
import { scratchDirectory, writeRevision } from "../../support/revisions.ts"
import { describeBackends, describeServer, resetDatabase, TestDatabase } from "../../support/TestDatabase.ts"

const versionTable = { schema: "public", table: "faults__alembic_version" }
const options = { providerKey: "tests:faults", versionTable }

const load = (directory: string) => loadRevisions([directory]).pipe(Effect.provide(NodeFileSystem.layer))

/**
 * Runs `body` with a client of exactly one connection to the suite's database (on PGlite, the database's own
 * single connection), while the migration lock is held on the suite's pool; apply is told it is held.
 */
const withPoolOfOne = <A, E>(body: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const database = yield* TestDatabase
    if (database.backend === "pglite") return yield* body
    return yield* Effect.scoped(Effect.andThen(
      holdMigrationLock(options.providerKey),
      Effect.provide(body, Database.layerServer(database.url!, { maxConnections: 1 }) as Layer.Layer<SqlClient.SqlClient>)
    ))
  })

/** What the connection shows: whether a transaction is open on it, and whether `table` exists. */
const connectionState = (table: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    // SAVEPOINT works only inside a transaction block (outside, SQLSTATE 25P01).
    const savepoint = yield* Effect.result(sql.unsafe("SAVEPOINT connection_probe"))
    const [row] = yield* sql<{ readonly found: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS found`
    return { inTransaction: Result.isSuccess(savepoint), found: row!.found }
  })

const heads = readMigrationState(versionTable).pipe(Effect.map((state) => state.heads))

const base = (directory: string) =>
  writeRevision(directory, {
    id: "0001",
    message: "base",
    upgrade: ["CREATE TABLE items (id int PRIMARY KEY, v int NOT NULL)", "INSERT INTO items VALUES (1, 1), (2, 1)"],
    downgrade: ["DROP TABLE items"]
  })

describeBackends("apply faults with a pool of one", (it) => {
  it.effect("a data step that throws rolls the revision back and the connection comes back clean", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      base(directory)
      writeRevision(directory, {
        id: "0002",
        parents: ["0001"],
        message: "throws",
        upgradeSource: `["CREATE TABLE half_made (id int)", (sql) => { throw new Error("the data step threw") }]`
      })
      const loaded = yield* load(directory)
      const [error, after] = yield* withPoolOfOne(Effect.gen(function*() {
        const error = yield* Effect.flip(
          applyMigration({ loaded, direction: "upgrade", target: "head" }, { ...options, lockHeld: true })
        )
        return [error, yield* connectionState("half_made")] as const
      }))
      assert.strictEqual(error._tag, "MigrationStepError")
      if (error._tag === "MigrationStepError") {
        assert.strictEqual(error.revision, "0002")
        assert.strictEqual(error.statementNumber, 2)
        assert.strictEqual(error.detail, "the data step threw")
        assert.include(error.message, "It was rolled back; the version table stays at 0001.")
      }
      assert.deepStrictEqual(after, { inTransaction: false, found: false })
      assert.deepStrictEqual(yield* heads, ["0001"])
    }))

  it.effect("an interrupted revision rolls back and the connection comes back clean", () =>
    TestClock.withLive(Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      base(directory)
      const reached = NodePath.join(directory, "reached")
      writeRevision(directory, {
        id: "0002",
        parents: ["0001"],
        message: "waits",
        prelude: `import * as Effect from "effect/Effect"\nimport * as NodeFs from "node:fs"`,
        upgradeSource: `["CREATE TABLE half_made (id int)", "INSERT INTO items VALUES (3, 3)", (sql) => Effect.andThen(` +
          `Effect.sync(() => NodeFs.writeFileSync(${JSON.stringify(reached)}, "")), Effect.sleep("60 seconds"))]`
      })
      const loaded = yield* load(directory)
      const after = yield* withPoolOfOne(Effect.gen(function*() {
        const fiber = yield* Effect.forkChild(
          applyMigration({ loaded, direction: "upgrade", target: "head" }, { ...options, lockHeld: true })
        )
        while (!NodeFs.existsSync(reached)) yield* Effect.sleep("50 millis")
        yield* Fiber.interrupt(fiber)
        return yield* connectionState("half_made")
      }))
      assert.deepStrictEqual(after, { inTransaction: false, found: false })
      assert.deepStrictEqual(yield* heads, ["0001"])
      const sql = yield* SqlClient.SqlClient
      const items = yield* sql<{ readonly id: number }>`SELECT id FROM items ORDER BY id`
      assert.deepStrictEqual(items.map((row) => row.id), [1, 2])
    })))

  it.effect("a stamp that fails in its transaction changes nothing and the connection comes back clean", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      base(directory)
      writeRevision(directory, { id: "0002", parents: ["0001"], message: "second", upgrade: ["SELECT 1"] })
      const loaded = yield* load(directory)
      yield* stampMigration({ loaded, target: "0001" }, options)
      const sql = yield* SqlClient.SqlClient
      // The ledger refuses 0002's row: the stamp fails after it moved the heads, inside its transaction.
      yield* sql.unsafe(
        `ALTER TABLE "public"."faults__alembic_version__ledger" ADD CONSTRAINT not_0002 CHECK ("revision" <> '0002')`
      )
      const [error, after] = yield* withPoolOfOne(Effect.gen(function*() {
        const error = yield* Effect.flip(stampMigration({ loaded, target: "0002" }, { ...options, lockHeld: true }))
        return [error, yield* connectionState("items")] as const
      }))
      assert.strictEqual(error._tag, "MigrationDatabaseError")
      assert.include(error.message, "Could not stamp the version table")
      assert.deepStrictEqual(after, { inTransaction: false, found: false })
      assert.deepStrictEqual(yield* heads, ["0001"])
    }))
})

describeBackends("non-transactional revisions", (it) => {
  const concurrentIndex = (directory: string, last: string) =>
    writeRevision(directory, {
      id: "0002",
      parents: ["0001"],
      message: "unique v",
      transactional: false,
      upgrade: ["CREATE TABLE before_index (id int)", "CREATE UNIQUE INDEX CONCURRENTLY items_v_key ON items (v)", last],
      downgrade: []
    })

  it.effect("resume after the last statement that succeeded, repairing the invalid index a failed CONCURRENTLY left", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      base(directory)
      const path = concurrentIndex(directory, "CREATE TABLE after_index (id int)")
      const error = yield* Effect.flip(applyMigration({ loaded: yield* load(directory), direction: "upgrade", target: "head" }, options))
      assert.strictEqual(error._tag, "MigrationStepError")
      if (error._tag === "MigrationStepError") {
        assert.strictEqual(error.statementNumber, 2)
        assert.include(error.message, "It is not transactional: the statements before the failing one stay applied")
      }
      assert.deepStrictEqual(yield* heads, ["0001"])

      // The fix: the duplicate goes, and the last statement is corrected in the file.
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE items SET v = 2 WHERE id = 2`
      NodeFs.writeFileSync(path, NodeFs.readFileSync(path, "utf8").replace("after_index (id int)", "after_index (id bigint)"))
      const executed: Array<string> = []
      const result = yield* applyMigration({ loaded: yield* load(directory), direction: "upgrade", target: "head" }, {
        ...options,
        onStatement: (statement) => Effect.sync(() => executed.push(statement))
      })
      assert.deepStrictEqual(result.applied.map((step) => step.revision), ["0002"])
      assert.isFalse(executed.some((statement) => statement.includes("before_index")), "statement 1 is not run again")
      assert.deepStrictEqual(yield* heads, ["0002"])
      const [index] = yield* sql<{ readonly valid: boolean }>`
        SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_v_key'`
      assert.deepStrictEqual(index, { valid: true })
      const [progress] = yield* sql<{ readonly n: number }>`
        SELECT count(*)::int AS n FROM "public"."faults__alembic_version__progress"`
      assert.strictEqual(progress?.n, 0, "the finished revision's progress is forgotten")
    }))

  it.effect("refuse to resume when a statement that already ran has changed since", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      base(directory)
      const path = concurrentIndex(directory, "CREATE TABLE after_index (id int)")
      yield* Effect.flip(applyMigration({ loaded: yield* load(directory), direction: "upgrade", target: "head" }, options))
      NodeFs.writeFileSync(path, NodeFs.readFileSync(path, "utf8").replace("before_index (id int)", "before_index (id text)"))
      const error = yield* Effect.flip(
        applyMigration({ loaded: yield* load(directory), direction: "upgrade", target: "head" }, options)
      )
      assert.strictEqual(error._tag, "MigrationProgressError")
      assert.include(error.message, "Revision 0002")
      assert.include(error.message, "an earlier run stopped after its statement 1, but its first 1 statements have changed since")
      assert.deepStrictEqual(yield* heads, ["0001"])
    }))
})

describeServer("the migration lock", (it) => {
  it.effect("is on a connection the revision does not use: pg_advisory_unlock_all() in a revision cannot release it", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = scratchDirectory()
      writeRevision(directory, {
        id: "0001",
        message: "probe",
        upgrade: [
          "SELECT pg_advisory_unlock_all()",
          "CREATE TABLE lock_probe AS SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND granted " +
          "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()"
        ]
      })
      yield* applyMigration({ loaded: yield* load(directory), direction: "upgrade", target: "head" }, options)
      const sql = yield* SqlClient.SqlClient
      const [probe] = yield* sql<{ readonly held: number }>`SELECT held FROM lock_probe`
      assert.strictEqual(probe?.held, 1, "the lock was still held by another session after the revision released all of its own")
      const [left] = yield* sql<{ readonly n: number }>`
        SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
      assert.strictEqual(left?.n, 0, "released once apply ended")
    }))
})
