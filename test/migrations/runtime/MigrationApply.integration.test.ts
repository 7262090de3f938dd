/**
 * Applying revisions on both backends: round trips leave the same schema, a failing revision leaves no
 * trace, the offline SQL is exactly what runs online, non-transactional and data-migration revisions, edited
 * applied revisions, and stamping without running revisions. Branches and dependencies: a labelled branch
 * whose revision depends on another branch's table upgrades and downgrades in order, offline SQL included, and
 * stamps record several targets or purge a table holding unknown revisions. On the server: concurrent
 * upgrades and the lock timeout.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import * as NodeFs from "node:fs"
import { inRunRole } from "../../../src/catalog/ProviderRoles.ts"
import { Database } from "../../../src/db/Database.ts"
import { applyMigration, readMigrationState, stampMigration } from "../../../src/migrations/runtime/MigrationApply.ts"
import { planMigration, renderPlanSql } from "../../../src/migrations/runtime/MigrationPlan.ts"
import { loadRevisions } from "../../../src/migrations/files/RevisionLoader.ts"
import { scratchDirectory, writeRevision } from "../../support/revisions.ts"
import { describeBackends, describeServer, resetDatabase, TestDatabase } from "../../support/TestDatabase.ts"

const versionTable = { schema: "public", table: "tests__alembic_version" }
const options = { providerKey: "tests:apply", versionTable }

/** 0001 creates a table, 0002 adds a column and an index, 0003 adds a second table. */
const writeChain = (directory: string) => {
  writeRevision(directory, {
    id: "0001",
    message: "create items",
    upgrade: ["CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)"],
    downgrade: ["DROP TABLE items"]
  })
  writeRevision(directory, {
    id: "0002",
    parents: ["0001"],
    message: "add price",
    upgrade: ["ALTER TABLE items ADD COLUMN price numeric(10,2) DEFAULT 0 NOT NULL", "CREATE INDEX ix_items_name ON items (name)"],
    downgrade: ["DROP INDEX ix_items_name", "ALTER TABLE items DROP COLUMN price"]
  })
  writeRevision(directory, {
    id: "0003",
    parents: ["0002"],
    message: "add tags",
    upgrade: ["CREATE TABLE tags (item_id int NOT NULL REFERENCES items (id), tag text NOT NULL)"],
    downgrade: ["DROP TABLE tags"]
  })
  return directory
}

const load = (directory: string) => loadRevisions([directory]).pipe(Effect.provide(NodeFileSystem.layer))

/** Every user table's columns and every index, for comparing schemas. */
const schemaShape = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const columns = yield* sql<{ readonly shape: string }>`
    SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable AS shape
    FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`
  const indexes = yield* sql<{ readonly shape: string }>`
    SELECT tablename || ':' || indexname AS shape FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`
  return [...columns, ...indexes].map((row) => row.shape)
})

const heads = readMigrationState(versionTable).pipe(Effect.map((state) => state.heads))

describeBackends("applyMigration", (it) => {
  it.effect("upgrades to head, downgrades to base and upgrades again to the same schema", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const loaded = yield* load(writeChain(scratchDirectory()))
      const progress: Array<string> = []
      const first = yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, {
        ...options,
        onStep: (step) => Effect.sync(() => progress.push(`${step.direction} ${step.revision}`))
      })
      assert.deepStrictEqual(first.applied.map((step) => step.revision), ["0001", "0002", "0003"])
      assert.deepStrictEqual(progress, ["up 0001", "up 0002", "up 0003"])
      assert.deepStrictEqual(yield* heads, ["0003"])
      const atHead = yield* schemaShape

      const down = yield* applyMigration({ loaded, direction: "downgrade", target: "base" }, options)
      assert.deepStrictEqual(down.applied.map((step) => `${step.direction} ${step.revision}`), ["down 0003", "down 0002", "down 0001"])
      assert.deepStrictEqual(yield* heads, [])
      const bare = yield* schemaShape
      assert.isFalse(bare.some((shape) => shape.startsWith("items") || shape.startsWith("tags")))

      yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, options)
      assert.deepStrictEqual(yield* schemaShape, atHead)
      const again = yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, options)
      assert.deepStrictEqual(again.applied, [])

      yield* applyMigration({ loaded, direction: "downgrade", target: "-1" }, options)
      assert.deepStrictEqual(yield* heads, ["0002"])
      const state = yield* readMigrationState(versionTable)
      assert.deepStrictEqual(state.ledger.map((entry) => entry.revision), ["0001", "0002"])
      assert.deepStrictEqual(state.ledger[0]?.checksum, loaded.revisions.get("0001")?.checksum)
    }))

  it.effect("stamps the version table and ledger to a target without running any revision", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const loaded = yield* load(writeChain(scratchDirectory()))
      const stamped = yield* stampMigration({ loaded, target: "0002" }, options)
      assert.deepStrictEqual(stamped, { from: [], to: ["0002"] })
      assert.deepStrictEqual(yield* heads, ["0002"])
      const state = yield* readMigrationState(versionTable)
      assert.deepStrictEqual(state.ledger.map((entry) => entry.revision), ["0001", "0002"])
      assert.strictEqual(state.ledger[1]?.checksum, loaded.revisions.get("0002")?.checksum)
      const sql = yield* SqlClient.SqlClient
      const [items] = yield* sql<{ readonly found: boolean }>`SELECT to_regclass('items') IS NOT NULL AS found`
      assert.isFalse(items?.found, "no revision ran")

      const back = yield* stampMigration({ loaded, target: "base" }, options)
      assert.deepStrictEqual(back, { from: ["0002"], to: [] })
      assert.deepStrictEqual(yield* heads, [])
      assert.deepStrictEqual((yield* readMigrationState(versionTable)).ledger, [])
    }))

  it.effect("rolls a failing revision back and names the revision, the statement and the database's message", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeChain(scratchDirectory())
      writeRevision(directory, {
        id: "0004",
        parents: ["0003"],
        message: "broken",
        upgrade: ["CREATE TABLE half_done (id int)", "ALTER TABLE items ADD COLUMN name text"],
        downgrade: ["DROP TABLE half_done"]
      })
      const loaded = yield* load(directory)
      const error = yield* Effect.flip(applyMigration({ loaded, direction: "upgrade", target: "head" }, options))
      assert.strictEqual(error._tag, "MigrationStepError")
      if (error._tag === "MigrationStepError") {
        assert.strictEqual(error.revision, "0004")
        assert.strictEqual(error.statementNumber, 2)
        assert.match(error.detail, /column "name" of relation "items" already exists \(SQLSTATE 42701\)/)
        assert.deepStrictEqual(error.heads, ["0003"])
        assert.include(error.message, "Revision 0004")
        assert.include(error.message, "failed upgrading at statement 2")
        assert.include(error.message, "It was rolled back; the version table stays at 0003.")
      }
      assert.deepStrictEqual(yield* heads, ["0003"])
      const sql = yield* SqlClient.SqlClient
      const [leftover] = yield* sql<{ readonly found: boolean }>`SELECT to_regclass('half_done') IS NOT NULL AS found`
      assert.isFalse(leftover?.found)
      const state = yield* readMigrationState(versionTable)
      assert.notInclude(state.ledger.map((entry) => entry.revision), "0004")
    }))

  it.effect("upgrades and downgrades branches whose revisions depend on each other, as the offline SQL says", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      // accounts: a1 creates accounts, a2 adds a key; networking: n1 creates hosts, n2 references accounts,
      // so it depends on a2 without merging the branches.
      const directory = scratchDirectory()
      writeRevision(directory, {
        id: "a1",
        branchLabels: ["accounts"],
        upgrade: ["CREATE TABLE accounts (id int NOT NULL)"],
        downgrade: ["DROP TABLE accounts"]
      })
      writeRevision(directory, {
        id: "a2",
        parents: ["a1"],
        upgrade: ["ALTER TABLE accounts ADD PRIMARY KEY (id)"],
        downgrade: ["ALTER TABLE accounts DROP CONSTRAINT accounts_pkey"]
      })
      writeRevision(directory, {
        id: "n1",
        branchLabels: ["networking"],
        upgrade: ["CREATE TABLE hosts (name text PRIMARY KEY)"],
        downgrade: ["DROP TABLE hosts"]
      })
      writeRevision(directory, {
        id: "n2",
        parents: ["n1"],
        dependsOn: ["a2"],
        upgrade: ["ALTER TABLE hosts ADD COLUMN account_id int REFERENCES accounts (id)"],
        downgrade: ["ALTER TABLE hosts DROP COLUMN account_id"]
      })
      const loaded = yield* load(directory)
      const printed = (currentHeads: ReadonlyArray<string>, direction: "upgrade" | "downgrade", target: string) =>
        Effect.map(
          Effect.fromResult(planMigration({ loaded, currentHeads, direction, target, versionTable })),
          (plan) => renderPlanSql(plan, { lockTimeout: "10s" }).split("\n").filter((line) => line !== "" && !line.startsWith("--"))
        )
      const run = (direction: "upgrade" | "downgrade", target: string) =>
        Effect.gen(function*() {
          const executed: Array<string> = []
          const result = yield* applyMigration({ loaded, direction, target }, {
            ...options,
            onStatement: (sql) => Effect.sync(() => executed.push(...sql.split("\n")))
          })
          return { steps: result.applied.map((step) => step.revision), executed }
        })

      const expectedUp = yield* printed([], "upgrade", "networking@head")
      const up = yield* run("upgrade", "networking@head")
      assert.deepStrictEqual(up.steps, ["a1", "a2", "n1", "n2"])
      assert.deepStrictEqual(up.executed, expectedUp)
      assert.deepStrictEqual(yield* heads, ["n2"])

      const expectedDown = yield* printed(["n2"], "downgrade", "accounts@base")
      const down = yield* run("downgrade", "accounts@base")
      assert.deepStrictEqual(down.steps, ["n2", "a2", "a1"])
      assert.deepStrictEqual(down.executed, expectedDown)
      assert.deepStrictEqual(yield* heads, ["n1"])
      const sql = yield* SqlClient.SqlClient
      const [tables] = yield* sql<{ readonly accounts: boolean; readonly hosts: boolean }>`
        SELECT to_regclass('accounts') IS NOT NULL AS accounts, to_regclass('hosts') IS NOT NULL AS hosts`
      assert.deepStrictEqual(tables, { accounts: false, hosts: true })

      assert.deepStrictEqual((yield* run("upgrade", "accounts@+1")).steps, ["a1"])
      assert.deepStrictEqual((yield* run("upgrade", "heads")).steps, ["a2", "n2"])
      assert.deepStrictEqual(yield* heads, ["n2"])
      assert.deepStrictEqual((yield* run("downgrade", "networking@-1")).steps, ["n2"])
      assert.deepStrictEqual(yield* heads, ["a2", "n1"])
    }))

  it.effect("stamps several targets together, and purges a version table that records unknown revisions", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeChain(scratchDirectory())
      writeRevision(directory, { id: "0101", branchLabels: ["extra"], upgrade: ["SELECT 1"] })
      const loaded = yield* load(directory)
      assert.deepStrictEqual(yield* stampMigration({ loaded, target: ["0002", "extra@head"] }, options), {
        from: [],
        to: ["0002", "0101"]
      })
      assert.deepStrictEqual(yield* stampMigration({ loaded, target: "0001" }, options), {
        from: ["0002", "0101"],
        to: ["0001", "0101"]
      })
      assert.deepStrictEqual(
        (yield* readMigrationState(versionTable)).ledger.map((entry) => entry.revision),
        ["0001", "0101"]
      )
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`INSERT INTO "public"."tests__alembic_version" ("version_num") VALUES ('lost')`)
      const refused = yield* Effect.flip(stampMigration({ loaded, target: "0003" }, options))
      assert.include(refused.message, `The database is at revision "lost", which no revision file defines`)
      const purged = yield* stampMigration({ loaded, target: "0003", purge: true }, options)
      assert.deepStrictEqual(purged, { from: ["0001", "0101", "lost"], to: ["0003"] })
      assert.deepStrictEqual(yield* heads, ["0003"])
      assert.deepStrictEqual(
        (yield* readMigrationState(versionTable)).ledger.map((entry) => entry.revision),
        ["0001", "0002", "0003"]
      )
    }))

  it.effect("executes exactly the statements the offline SQL shows", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const loaded = yield* load(writeChain(scratchDirectory()))
      const offline = yield* Effect.fromResult(
        planMigration({ loaded, currentHeads: [], direction: "upgrade", target: "head", versionTable })
      )
      const printed = renderPlanSql(offline, { lockTimeout: "10s" }).split("\n")
        .filter((line) => line !== "" && !line.startsWith("--"))
      const executed: Array<string> = []
      yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, {
        ...options,
        onStatement: (sql) => Effect.sync(() => executed.push(...sql.split("\n")))
      })
      assert.deepStrictEqual(executed, printed)

      const backward = yield* Effect.fromResult(
        planMigration({ loaded, currentHeads: ["0003"], direction: "downgrade", target: "0001", versionTable })
      )
      const printedDown = renderPlanSql(backward, { lockTimeout: "10s" }).split("\n")
        .filter((line) => line !== "" && !line.startsWith("--"))
      const executedDown: Array<string> = []
      yield* applyMigration({ loaded, direction: "downgrade", target: "0001" }, {
        ...options,
        onStatement: (sql) => Effect.sync(() => executedDown.push(...sql.split("\n")))
      })
      assert.deepStrictEqual(executedDown, printedDown)
    }))

  it.effect("runs a non-transactional revision outside a transaction and records it only after it succeeds", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeChain(scratchDirectory())
      writeRevision(directory, {
        id: "0004",
        parents: ["0003"],
        message: "concurrent index",
        transactional: false,
        upgrade: ["CREATE INDEX CONCURRENTLY ix_tags_tag ON tags (tag)"],
        downgrade: ["DROP INDEX CONCURRENTLY ix_tags_tag"]
      })
      const loaded = yield* load(directory)
      yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, options)
      assert.deepStrictEqual(yield* heads, ["0004"])
      yield* applyMigration({ loaded, direction: "downgrade", target: "0003" }, options)
      assert.deepStrictEqual(yield* heads, ["0003"])
    }))

  it.effect("runs data migrations with the migration's connection, inside the revision's transaction", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeChain(scratchDirectory())
      writeRevision(directory, {
        id: "0004",
        parents: ["0003"],
        message: "seed",
        prelude: `import * as Effect from "effect/Effect"`,
        upgradeSource: `[
          "INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two')",
          (sql) => Effect.gen(function*() {
            const rows = yield* sql\`SELECT count(*) AS n FROM items\`
            yield* sql\`INSERT INTO tags (item_id, tag) VALUES (1, \${"count:" + rows[0].n})\`
          })
        ]`,
        downgradeSource: `["DELETE FROM tags", "DELETE FROM items"]`
      })
      writeRevision(directory, {
        id: "0005",
        parents: ["0004"],
        message: "fails after data",
        prelude: `import * as Effect from "effect/Effect"`,
        upgradeSource: `[(sql) => sql\`INSERT INTO items (id, name) VALUES (3, 'three')\`, (sql) => Effect.fail(new Error("the data does not add up"))]`
      })
      const loaded = yield* load(directory)
      const error = yield* Effect.flip(applyMigration({ loaded, direction: "upgrade", target: "head" }, options))
      assert.strictEqual(error._tag, "MigrationStepError")
      if (error._tag === "MigrationStepError") {
        assert.strictEqual(error.revision, "0005")
        assert.strictEqual(error.statementNumber, 2)
        assert.strictEqual(error.detail, "the data does not add up")
      }
      const sql = yield* SqlClient.SqlClient
      const tags = yield* sql<{ readonly tag: string }>`SELECT tag FROM tags`
      assert.deepStrictEqual(tags, [{ tag: "count:2" }])
      const items = yield* sql<{ readonly id: number }>`SELECT id FROM items ORDER BY id`
      assert.deepStrictEqual(items.map((row) => row.id), [1, 2], "the failed revision's insert was rolled back")
      assert.deepStrictEqual(yield* heads, ["0004"])
    }))

  it.effect("refuses to go on over applied revisions whose files were edited, until the edit is accepted", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeChain(scratchDirectory())
      const loaded = yield* load(directory)
      yield* applyMigration({ loaded, direction: "upgrade", target: "0002" }, options)
      const path = loaded.revisions.get("0001")!.source
      NodeFs.appendFileSync(path, "\n// edited after it was applied\n")
      const edited = yield* load(directory)
      const refused = yield* Effect.flip(applyMigration({ loaded: edited, direction: "upgrade", target: "head" }, options))
      assert.strictEqual(refused._tag, "ChangedRevisionError")
      assert.include(refused.message, `0001 (${path}): its file's SHA-256 is ${edited.revisions.get("0001")!.checksum.slice(0, 12)}`)
      assert.include(refused.message, "`metatables migrations upgrade --accept-changed 0001`")
      assert.deepStrictEqual(yield* heads, ["0002"], "nothing ran")
      const downgrade = yield* Effect.flip(applyMigration({ loaded: edited, direction: "downgrade", target: "base" }, options))
      assert.strictEqual(downgrade._tag, "ChangedRevisionError")

      const result = yield* applyMigration({ loaded: edited, direction: "upgrade", target: "head" }, {
        ...options,
        acceptChanged: ["0001"]
      })
      assert.deepStrictEqual(result.editedRevisions.map((entry) => [entry.revision, entry.source]), [["0001", path]])
      assert.strictEqual(result.editedRevisions[0]?.appliedChecksum, loaded.revisions.get("0001")?.checksum)
      assert.deepStrictEqual(yield* heads, ["0003"])
      const ledger = (yield* readMigrationState(versionTable)).ledger
      assert.strictEqual(ledger.find((entry) => entry.revision === "0001")?.checksum, edited.revisions.get("0001")!.checksum)
      // Accepted once, the file is the applied one again.
      const again = yield* applyMigration({ loaded: edited, direction: "upgrade", target: "head" }, options)
      assert.deepStrictEqual(again.editedRevisions, [])
    }))
})

describeServer("applyMigration concurrency", (it) => {
  /** A second connection pool to the suite's database, like another process. */
  const otherProcess = Effect.map(TestDatabase, (database) =>
    Database.layerServer(database.url!, { maxConnections: 2 }))

  // Waiting for the lock takes real time, so these run on the live clock.
  it.effect("applies once when two upgrades race; the other waits, then finds nothing to do", () =>
    TestClock.withLive(Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeChain(scratchDirectory())
      writeRevision(directory, {
        id: "0004",
        parents: ["0003"],
        message: "slow",
        upgrade: ["SELECT pg_sleep(1)", "CREATE TABLE slow_done (id int)"],
        downgrade: ["DROP TABLE slow_done"]
      })
      const loaded = yield* load(directory)
      const layer = yield* otherProcess
      const run = (pool: Layer.Layer<SqlClient.SqlClient | Database, unknown>) =>
        applyMigration({ loaded, direction: "upgrade", target: "head" }, options).pipe(Effect.provide(pool))
      const [first, second] = yield* Effect.all([run(layer), run(yield* otherProcess)], { concurrency: 2 })
      const counts = [first.applied.length, second.applied.length].sort()
      assert.deepStrictEqual(counts, [0, 4])
      assert.deepStrictEqual(yield* heads, ["0004"])
    })))

  it.effect("gives up waiting for the lock after the timeout, naming the holder's process", () =>
    TestClock.withLive(Effect.gen(function*() {
      yield* resetDatabase
      const directory = writeRevision(scratchDirectory(), {
        id: "0001",
        upgrade: ["SELECT pg_sleep(3)"],
        downgrade: []
      })
      const loaded = yield* load(directory.replace(/\/[^/]+$/, ""))
      const holder = applyMigration({ loaded, direction: "upgrade", target: "head" }, options).pipe(
        Effect.provide(yield* otherProcess)
      )
      const waiter = Effect.andThen(
        Effect.sleep("500 millis"),
        applyMigration({ loaded, direction: "upgrade", target: "head" }, { ...options, lockWaitSeconds: 1 })
      )
      const [held, waited] = yield* Effect.all([Effect.result(holder), Effect.result(waiter)], { concurrency: 2 })
      assert.isTrue(Result.isSuccess(held))
      assert.isTrue(Result.isFailure(waited))
      if (Result.isFailure(waited)) {
        assert.strictEqual(waited.failure._tag, "MigrationLockTimeoutError")
        assert.match(waited.failure.message, /Another migration of tests:apply is running, held by database process \d+ \("metatables migrations tests:apply", since [^)]+\); gave up after waiting 1 seconds/)
      }
    })))
})

describeServer("readMigrationState", (it) => {
  it.effect("reads on the transaction's connection, as the role the transaction switched to", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const loaded = yield* load(writeChain(scratchDirectory()))
      yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, options)
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ readonly database: string }>`SELECT current_database() AS database`
      const database = row!.database
      const reader = `mt_test_reader_${database}`.slice(0, 63)
      const outsider = `mt_test_outsider_${database}`.slice(0, 63)
      yield* sql.unsafe(`DROP ROLE IF EXISTS "${reader}"`)
      yield* sql.unsafe(`DROP ROLE IF EXISTS "${outsider}"`)
      yield* sql.unsafe(`CREATE ROLE "${reader}" NOLOGIN`)
      yield* sql.unsafe(`CREATE ROLE "${outsider}" NOLOGIN`)
      yield* sql.unsafe(`GRANT USAGE ON SCHEMA public TO "${reader}"`)
      yield* sql.unsafe(`GRANT SELECT ON public.tests__alembic_version, public.tests__alembic_version__ledger TO "${reader}"`)
      const asRole = (role: string) => sql.withTransaction(inRunRole(role, readMigrationState(versionTable)))
      const read = yield* Effect.result(asRole(reader))
      const refused = yield* Effect.result(asRole(outsider))
      yield* sql.unsafe(`REVOKE ALL ON public.tests__alembic_version, public.tests__alembic_version__ledger FROM "${reader}"`)
      yield* sql.unsafe(`REVOKE USAGE ON SCHEMA public FROM "${reader}"`)
      yield* sql.unsafe(`DROP ROLE "${reader}"`)
      yield* sql.unsafe(`DROP ROLE "${outsider}"`)
      assert.isTrue(Result.isSuccess(read), String(read))
      if (Result.isSuccess(read)) assert.deepStrictEqual(read.success.heads, ["0003"])
      // A superuser's own connection would read it: the refusal shows the read ran as the role.
      assert.isTrue(Result.isFailure(refused))
      if (Result.isFailure(refused)) assert.match(refused.failure.message, /permission denied/)
    }))
})
