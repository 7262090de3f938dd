/**
 * The embedded database on disk: a new one is a copy of the template and says so, data survives a restart,
 * one process at a time, stale locks are taken over, and a data directory from another PGlite minor is
 * refused before PGlite touches it.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { Database } from "../../src/db/Database.ts"
import { PGLITE_VERSION } from "../../src/db/EmbeddedDataDirectory.ts"
import { scratchDirectory } from "../support/scratch.ts"

const scratchProject = () => scratchDirectory("embedded")

const embedded = (dataDir: string, messages?: Array<string>) =>
  Database.layerEmbedded(dataDir, { onProgress: (message) => Effect.sync(() => void messages?.push(message)) }).pipe(
    Layer.provide(NodeFileSystem.layer)
  )

/** The pid of a process that has exited, so that nothing runs under it. */
const deadPid = (): number => {
  const child = NodeChildProcess.spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"])
  return Number(child.stdout.toString())
}

describe("embedded database on disk", () => {
  it.effect("is made from the template, saying so, keeps its data across a restart and ignores itself in git", () =>
    Effect.gen(function*() {
      const dataDir = NodePath.join(scratchProject(), ".metatables", "pgdata")
      const messages: Array<string> = []
      yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE kept (value text)`
        yield* sql`INSERT INTO kept VALUES ('still here')`
      }).pipe(Effect.provide(embedded(dataDir, messages)))
      // The global setup made the template, so nothing but the copy is announced.
      assert.deepStrictEqual(messages, [`Creating the embedded database in ${dataDir}`])
      assert.isFalse(NodeFs.existsSync(`${dataDir}.lock`), "the lock is released on close")

      const rows = yield* Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ readonly value: string }>`SELECT value FROM kept`
      }).pipe(Effect.provide(embedded(dataDir, messages)))
      assert.deepStrictEqual(rows, [{ value: "still here" }])
      assert.strictEqual(messages.length, 1, "opening an existing database announces nothing")
      assert.include(NodeFs.readFileSync(NodePath.join(dataDir, "..", ".gitignore"), "utf8"), "*")
      assert.deepStrictEqual(JSON.parse(NodeFs.readFileSync(`${dataDir}.json`, "utf8")), {
        format: 1,
        pglite: PGLITE_VERSION
      })
    }))

  it.effect("refuses a second opener while the first holds it, naming the holder", () =>
    Effect.gen(function*() {
      const dataDir = NodePath.join(scratchProject(), ".metatables", "pgdata")
      const error = yield* Effect.gen(function*() {
        yield* Database
        return yield* Effect.flip(Effect.provide(Database, embedded(dataDir)))
      }).pipe(Effect.provide(embedded(dataDir)))
      assert.strictEqual(error._tag, "DatabaseConnectionError")
      if (error._tag === "DatabaseConnectionError") {
        assert.strictEqual(error.reason, "locked")
        assert.include(error.message, `in use by process ${process.pid}`)
        assert.include(error.message, `${dataDir}.lock`)
      }
    }))

  it.effect("takes over a lock left by a process that no longer runs", () =>
    Effect.gen(function*() {
      const dataDir = NodePath.join(scratchProject(), ".metatables", "pgdata")
      NodeFs.mkdirSync(NodePath.dirname(dataDir), { recursive: true })
      NodeFs.writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: deadPid(), host: NodeOs.hostname() }))
      const database = yield* Effect.provide(Database, embedded(dataDir))
      assert.strictEqual(database.backend, "pglite")
    }))

  it.effect("refuses a data directory written by another PGlite minor, before opening it", () =>
    Effect.gen(function*() {
      const dataDir = NodePath.join(scratchProject(), ".metatables", "pgdata")
      NodeFs.mkdirSync(dataDir, { recursive: true })
      NodeFs.writeFileSync(`${dataDir}.json`, JSON.stringify({ format: 1, pglite: "0.2.17" }))
      const error = yield* Effect.flip(Effect.provide(Database, embedded(dataDir)))
      assert.strictEqual(error._tag, "DatabaseConnectionError")
      if (error._tag === "DatabaseConnectionError") {
        assert.strictEqual(error.reason, "incompatible-data-directory")
        assert.include(error.message, "PGlite 0.2.17")
        assert.include(error.message, `PGlite ${PGLITE_VERSION}`)
      }
      assert.deepStrictEqual(NodeFs.readdirSync(dataDir), [], "PGlite never ran initdb there")
      assert.isFalse(NodeFs.existsSync(`${dataDir}.lock`), "the lock is released after the refusal")
    }))

  it("pins the PGlite version that is installed", () => {
    const installed = JSON.parse(
      NodeFs.readFileSync(NodePath.join("node_modules", "@electric-sql", "pglite", "package.json"), "utf8")
    ) as { readonly version: string }
    assert.strictEqual(PGLITE_VERSION, installed.version)
  })
})
