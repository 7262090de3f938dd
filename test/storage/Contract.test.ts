/**
 * The relational-table.v1 contract of the example tables: its shape (decoded strictly with its Schema),
 * the data type tokens, the time-indexed profile, and what it leaves out (indexes, foreign keys).
 */
import { assert, describe, it } from "@effect/vitest"
import { getTableConfig } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import { decodeTableContract, tableContract } from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { AccountPositions } from "../../storage/AccountPositions.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { Prices } from "../../storage/Prices.ts"

describe("tableContract", () => {
  it("describes every column of a relational table", () => {
    const contract = tableContract(Account)
    assert.strictEqual(contract.version, "relational-table.v1")
    assert.deepStrictEqual(contract.physical, { schema: "public", table_name: "sdk_examples__account" })
    assert.strictEqual(contract.table_kind, "relational")
    assert.isNull(contract.time_indexed)
    assert.deepStrictEqual(contract.columns.map((column) => column.name), [
      "uid",
      "account_code",
      "name",
      "region",
      "status",
      "notes"
    ])
    assert.deepStrictEqual(contract.columns[0], {
      name: "uid",
      data_type: "uuid",
      backend_type: "UUID",
      nullable: false,
      primary_key: true,
      unique: false,
      server_default: "gen_random_uuid()",
      label: "Account UID",
      description: "Stable account identifier referenced by dependent tables."
    })
    const byName = Object.fromEntries(contract.columns.map((column) => [column.name, column]))
    assert.deepStrictEqual(
      [byName.account_code?.data_type, byName.account_code?.backend_type, byName.account_code?.unique],
      ["string", "VARCHAR(64)", true]
    )
    assert.strictEqual(byName.status?.server_default, "'active'")
    assert.strictEqual(byName.notes?.nullable, true)
  })

  it("maps column types to the SDK's tokens", () => {
    const tokens = Object.fromEntries(tableContract(Prices).columns.map((column) => [column.name, column.data_type]))
    assert.deepStrictEqual(tokens, {
      time_index: "timestamp with time zone",
      asset_identifier: "string",
      open: "float64",
      high: "float64",
      low: "float64",
      close: "float64",
      volume: "int64"
    })
  })

  it("carries the time-indexed profile", () => {
    const contract = tableContract(DailyMetrics)
    assert.strictEqual(contract.table_kind, "time_indexed")
    assert.deepStrictEqual(contract.time_indexed, {
      time_index_name: "time_index",
      index_names: ["time_index", "entity_identifier"],
      cadence: "1d"
    })
  })

  it("leaves indexes and foreign keys to migrations, while the drizzle table keeps them", () => {
    const contract = tableContract(AccountPositions) as Record<string, unknown>
    for (const key of ["indexes", "foreign_keys", "index_names", "storage_layout", "physical_index_plan"]) {
      assert.notProperty(contract, key)
    }
    const config = getTableConfig(AccountPositions.table)
    assert.strictEqual(config.foreignKeys.length, 1)
    assert.strictEqual(config.foreignKeys[0]?.onDelete, "restrict")
    assert.isAtLeast(config.indexes.length, 2)
  })

  it.effect("round-trips through its Schema, and the Schema refuses unknown fields and other versions", () =>
    Effect.gen(function*() {
      const contract = tableContract(AccountPositions)
      assert.deepStrictEqual(yield* decodeTableContract(JSON.parse(JSON.stringify(contract))), contract)
      const extra = yield* Effect.flip(decodeTableContract({ ...contract, indexes: [] }))
      assert.include(String(extra), "indexes")
      const otherVersion = yield* Effect.flip(decodeTableContract({ ...contract, version: "relational-table.v2" }))
      assert.include(String(otherVersion), "relational-table.v1")
    }))
})
