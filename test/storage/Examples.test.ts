/**
 * Spec 002's "Validation Tests To Add", for the example storage tables: they import without a database (shown
 * in a fresh process, beside a control module that does open databases), their contracts list the columns the
 * DataNodes write, the grain and time index are right, factories are memoized, identities hash apart, and
 * foreign keys stay in the drizzle tables but out of the contracts.
 */
import { assert, describe, it } from "@effect/vitest"
import { getTableConfig } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as NodeFs from "node:fs"
import * as NodeNet from "node:net"
import * as NodePath from "node:path"
import { computeMetaTableContractHash, tableContract } from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { AccountLimit } from "../../storage/AccountLimit.ts"
import { AccountPositions } from "../../storage/AccountPositions.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { observationStorage } from "../../storage/ObservationStorage.ts"
import { Prices } from "../../storage/Prices.ts"
import { repositoryRoot, runProcess, scratchProject } from "../support/cli.ts"

const columnsOf = (storage: Parameters<typeof tableContract>[0]) => tableContract(storage).columns.map((column) => column.name)

/** What importing `modules` in a fresh process did: WebAssembly it compiled, connections, `.metatables`. */
const importInFreshProcess = (modules: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    // A TCP server standing in for PostgreSQL at DATABASE_URL: it counts connections and closes each at once.
    let connections = 0
    const server = yield* Effect.acquireRelease(
      Effect.callback<NodeNet.Server>((resume) => {
        const server = NodeNet.createServer((socket) => {
          connections += 1
          socket.destroy()
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as NodeNet.AddressInfo
    // The embedded database would go to .metatables in the project around the working directory.
    const project = yield* Effect.acquireRelease(
      Effect.sync(scratchProject),
      (directory) => Effect.sync(() => NodeFs.rmSync(directory, { recursive: true, force: true }))
    )
    const harness = NodePath.join(import.meta.dirname, "fixtures", "importWithoutDatabase.ts")
    const run = yield* Effect.promise(() =>
      runProcess(process.execPath, [harness, ...modules.map((module) => NodePath.join(repositoryRoot, module))], {
        cwd: project,
        env: { DATABASE_URL: `postgres://probe@127.0.0.1:${port}/probe` }
      })
    )
    assert.strictEqual(run.exitCode, 0, run.stderr)
    const report: { readonly webAssembly: ReadonlyArray<string> } = JSON.parse(run.stdout)
    return {
      webAssembly: report.webAssembly,
      connections,
      metatables: NodeFs.existsSync(NodePath.join(project, ".metatables"))
    }
  }).pipe(Effect.scoped)

describe("example storage tables", () => {
  it("import without any database (this file provides none)", () => {
    for (const storage of [Account, AccountLimit, AccountPositions, DailyMetrics, Prices, observationStorage("x")]) {
      assert.isString(storage.metadata.tableName)
    }
  })

  it.effect("import in a fresh process without opening a database: no PGlite, no connection, no .metatables", () =>
    Effect.gen(function*() {
      const examples = yield* importInFreshProcess(["storage/index.ts", "storage/ObservationStorage.ts"])
      assert.deepStrictEqual(examples, { webAssembly: [], connections: 0, metatables: false })
      // The same check on a module that opens the server and the embedded database as it is imported.
      const control = yield* importInFreshProcess(["test/storage/fixtures/opensDatabaseAtImport.ts"])
      assert.isAbove(control.connections, 0, "the control's server connection is seen")
      assert.isTrue(control.metatables, "the control's embedded database directory is seen")
      assert.isNotEmpty(control.webAssembly, "the control's PGlite is seen")
    }))

  it("have contracts whose columns are what their DataNodes write", () => {
    assert.deepStrictEqual(columnsOf(DailyMetrics), ["time_index", "entity_identifier", "value"])
    assert.deepStrictEqual(columnsOf(Prices), ["time_index", "asset_identifier", "open", "high", "low", "close", "volume"])
    assert.deepStrictEqual(columnsOf(AccountPositions), [
      "time_index",
      "account_uid",
      "asset_identifier",
      "quantity",
      "market_value"
    ])
  })

  it("declare grains that start with a UTC time index", () => {
    for (const storage of [DailyMetrics, Prices, AccountPositions, observationStorage("x")]) {
      const profile = storage.metadata.timeIndexed!
      assert.strictEqual(profile.indexNames[0], profile.timeIndexName)
      const timeColumn = tableContract(storage).columns.find((column) => column.name === profile.timeIndexName)
      assert.strictEqual(timeColumn?.data_type, "timestamp with time zone")
      assert.isFalse(timeColumn?.nullable)
    }
    assert.deepStrictEqual(Prices.metadata.timeIndexed?.indexNames, ["time_index", "asset_identifier"])
    assert.deepStrictEqual(AccountPositions.metadata.timeIndexed?.indexNames, ["time_index", "account_uid", "asset_identifier"])
  })

  it("memoize parameterized storage and hash its identities apart", () => {
    assert.strictEqual(observationStorage("vendor-a"), observationStorage("vendor-a"))
    const hashOf = (variant: string) =>
      Result.getOrThrow(computeMetaTableContractHash(observationStorage(variant), { namespace: "example-data" }))
    assert.notStrictEqual(hashOf("vendor-a"), hashOf("vendor-b"))
  })

  it("keep foreign keys in the drizzle tables and out of the contracts", () => {
    for (const [storage, action] of [[AccountPositions, "restrict"], [AccountLimit, "cascade"]] as const) {
      const [foreignKey] = getTableConfig(storage.table).foreignKeys
      assert.strictEqual(getTableConfig(foreignKey!.reference().foreignTable).name, "sdk_examples__account")
      assert.strictEqual(foreignKey!.onDelete, action)
      assert.notProperty(tableContract(storage), "foreign_keys")
      assert.isFalse(JSON.stringify(tableContract(storage)).includes("sdk_examples__account\""))
    }
  })
})
