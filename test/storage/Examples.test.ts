/**
 * Spec 002's "Validation Tests To Add", for the example storage tables: they import without a database,
 * their contracts list the columns the DataNodes write, the grain and time index are right, factories are
 * memoized, identities hash apart, and foreign keys stay in the drizzle tables but out of the contracts.
 */
import { assert, describe, it } from "@effect/vitest"
import { getTableConfig } from "drizzle-orm/pg-core"
import * as Result from "effect/Result"
import { computeMetaTableContractHash, tableContract } from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { AccountLimit } from "../../storage/AccountLimit.ts"
import { AccountPositions } from "../../storage/AccountPositions.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { observationStorage } from "../../storage/ObservationStorage.ts"
import { Prices } from "../../storage/Prices.ts"

const columnsOf = (storage: Parameters<typeof tableContract>[0]) => tableContract(storage).columns.map((column) => column.name)

describe("example storage tables", () => {
  it("import without any database (this file provides none)", () => {
    for (const storage of [Account, AccountLimit, AccountPositions, DailyMetrics, Prices, observationStorage("x")]) {
      assert.isString(storage.metadata.tableName)
    }
  })

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
