/**
 * The relational-table.v1 contract of the example tables: its shape (decoded strictly with its Schema), the
 * SDK's layout (golden documents from fixtures/naming_reference.py), the data type tokens, the time-indexed
 * profile, what it leaves out (indexes, foreign keys), and contracts stored in the earlier layout.
 */
import { assert, describe, it } from "@effect/vitest"
import { jsonb, numeric, timestamp, uuid } from "drizzle-orm/pg-core"
import { getTableConfig } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  type AnyStorageTable,
  contractGrain,
  contractServerDefault,
  decodeTableContract,
  PlatformTimeIndexMetaTable,
  type TableContract,
  tableContract
} from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { AccountPositions } from "../../storage/AccountPositions.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { Prices } from "../../storage/Prices.ts"

const fixture = (name: string): unknown =>
  JSON.parse(NodeFs.readFileSync(NodePath.join(import.meta.dirname, "fixtures", name), "utf8"))

/** A time-index table in a named schema, with a custom time index, a uuid dimension and an upper-case cadence. */
class Readings extends PlatformTimeIndexMetaTable<Readings>()({
  name: "sdk_parity__readings",
  schema: "parity",
  namespace: "tests",
  identifier: "tests.readings",
  description: "Readings for the contract golden.",
  timeIndex: "observed_at",
  indexNames: ["observed_at", "sensor"],
  cadence: " 15M ",
  columns: {
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    sensor: uuid().notNull(),
    reading: numeric({ precision: 12, scale: 4 })
  },
  columnInfo: {
    observedAt: { label: "Observed at", description: "When the reading was taken." },
    sensor: { label: "Sensor", description: "The sensor that took it." },
    reading: { label: "Reading", description: "The value read." }
  }
}) {}

/** A time-index table whose cadence is `""`, which means none. */
class Events extends PlatformTimeIndexMetaTable<Events>()({
  name: "sdk_parity__events",
  namespace: "tests",
  identifier: "tests.events",
  description: "Events for the contract golden.",
  cadence: "",
  columns: { timeIndex: timestamp("time_index", { withTimezone: true }).notNull(), payload: jsonb() },
  columnInfo: {
    timeIndex: { label: "Time", description: "When it happened." },
    payload: { label: "Payload", description: "What happened." }
  }
}) {}

/** The contract without what only metatables records (`authoring.metatables`). */
const sdkFields = (contract: TableContract) => {
  const { metatables: _, ...authoring } = contract.authoring
  return { ...contract, authoring }
}

describe("tableContract", () => {
  it("describes every column of a relational table", () => {
    const contract = tableContract(Account)
    assert.strictEqual(contract.version, "relational-table.v1")
    assert.deepStrictEqual(contract.physical, { schema: "public", table_name: "sdk_examples__account" })
    // The SDK writes table_kind and the time-indexed profile on time-indexed tables only.
    assert.notProperty(contract, "table_kind")
    assert.notProperty(contract.authoring, "time_indexed")
    assert.deepStrictEqual(contract.constraints, [])
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
    // The SDK's server_default is gen_random_uuid() on a UUID primary key only; the real default is ours.
    assert.notProperty(byName.status, "server_default")
    assert.strictEqual(contractServerDefault(contract, "status"), "'active'")
    assert.deepStrictEqual(contract.authoring.metatables, {
      server_defaults: { uid: "gen_random_uuid()", status: "'active'" }
    })
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
    assert.deepStrictEqual(contract.authoring.time_indexed, {
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

  it("leaves the cadence out when the table has none", () => {
    const contract = tableContract(Events)
    assert.deepStrictEqual(contract.authoring.time_indexed, { time_index_name: "time_index", index_names: ["time_index"] })
    assert.deepStrictEqual(contractGrain(contract), ["time_index"])
    assert.isUndefined(contractGrain(tableContract(Account)))
  })
})

describe("tableContract, in the SDK's layout", () => {
  const golden = (fixture("naming_cases.json") as {
    readonly tableContract: ReadonlyArray<{ readonly args: readonly [string]; readonly ok: unknown }>
  }).tableContract
  const tables: Record<string, AnyStorageTable> = {
    sdk_examples__account: Account,
    sdk_examples__daily_metrics: DailyMetrics,
    sdk_parity__readings: Readings,
    sdk_parity__events: Events
  }
  for (const testCase of golden) {
    it(testCase.args[0], () => {
      const contract = tableContract(tables[testCase.args[0]]!)
      assert.deepStrictEqual(sdkFields(contract), testCase.ok as never)
      // Key order too: the document reads like the SDK's.
      assert.strictEqual(JSON.stringify(sdkFields(contract)), JSON.stringify(testCase.ok))
    })
  }
})

describe("contracts stored in the earlier layout", () => {
  const legacy = fixture("legacy_contracts.json") as Record<"account" | "dailyMetrics", Record<string, unknown>>
  const withoutModelName = (contract: TableContract): TableContract => ({
    ...contract,
    authoring: { ...contract.authoring, table_model: { kind: "drizzle" } }
  })

  it.effect("decode into the SDK's layout, the real server defaults kept", () =>
    Effect.gen(function*() {
      // What tableContract wrote before issue 16, as catalogs stored it.
      assert.deepStrictEqual(yield* decodeTableContract(legacy.account), withoutModelName(tableContract(Account)))
      assert.deepStrictEqual(yield* decodeTableContract(legacy.dailyMetrics), withoutModelName(tableContract(DailyMetrics)))
    }))

  it.effect("are still decoded strictly", () =>
    Effect.gen(function*() {
      const extra = yield* Effect.flip(decodeTableContract({ ...legacy.account, indexes: [] }))
      assert.include(String(extra), "indexes")
      const mixed = yield* Effect.flip(decodeTableContract({ ...legacy.account, constraints: [] }))
      assert.include(String(mixed), "constraints")
    }))
})
