/**
 * The canonical form: one rendering per value (dates, decimals, bigints, enums, optional and absent), hash
 * exclusion at any depth, storage references by uid, and the values refused with the field that holds them.
 */
import { assert, describe, it } from "@effect/vitest"
import * as BigDecimal from "effect/BigDecimal"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import {
  type AnyDataNodeConfiguration,
  type AnyStorageTable,
  canonicalConfiguration,
  canonicalJson,
  ConfigurationHashError,
  configurationStorageReferences,
  DataNodeConfiguration,
  hashExcluded,
  StorageNotBoundError,
  StorageReference
} from "../../src/index.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { Prices } from "../../storage/Prices.ts"
import { DAILY_METRICS_UID, Leg, PRICES_UID } from "./fixtures/SpreadConfig.ts"

const uids = new Map<AnyStorageTable, string>([[Prices, PRICES_UID], [DailyMetrics, DAILY_METRICS_UID]])

/** The canonical JSON text of a configuration, with both example tables bound. */
const canonical = (configuration: AnyDataNodeConfiguration): string =>
  Result.getOrThrow(canonicalJson(Result.getOrThrow(canonicalConfiguration(configuration, uids))))

const failureOf = (configuration: AnyDataNodeConfiguration) => {
  const result = canonicalConfiguration(configuration, uids)
  return Result.isFailure(result) ? result.failure : assert.fail("rendered")
}

const d = <S extends Schema.Top>(schema: S): S["Rebuild"] => schema.annotate({ description: "Described." })

class Values extends DataNodeConfiguration<Values>("Values")({
  at: Schema.optionalKey(d(Schema.Date)),
  instant: Schema.optionalKey(d(Schema.DateTimeUtc)),
  zoned: Schema.optionalKey(d(Schema.DateTimeZoned)),
  amount: Schema.optionalKey(d(Schema.BigDecimal)),
  count: Schema.optionalKey(d(Schema.BigInt)),
  ratio: Schema.optionalKey(d(Schema.Finite)),
  maybe: Schema.optional(d(Schema.String)),
  nullable: Schema.optionalKey(d(Schema.NullOr(Schema.String))),
  option: Schema.optionalKey(d(Schema.Option(Schema.String))),
  side: Schema.optionalKey(d(Schema.Enum({ Buy: "buy", Sell: "sell", Neutral: 0 }))),
  extras: Schema.optionalKey(d(Schema.Unknown)),
  loose: Schema.optionalKey(d(Schema.Number))
}) {}

const render = (fields: ConstructorParameters<typeof Values>[0]) => canonical(new Values(fields))

describe("canonicalConfiguration", () => {
  it("renders dates and zoned times as the same UTC instant, with milliseconds", () => {
    const expected = '{"at":"2024-01-02T02:04:05.678Z"}'
    assert.strictEqual(render({ at: new Date("2024-01-02T03:04:05.678+01:00") }), expected)
    assert.strictEqual(
      render({ instant: DateTime.makeUnsafe("2024-01-02T02:04:05.678Z") }),
      '{"instant":"2024-01-02T02:04:05.678Z"}'
    )
    assert.strictEqual(
      render({ zoned: DateTime.makeZonedUnsafe(new Date("2024-01-02T02:04:05.678Z"), { timeZone: "Asia/Tokyo" }) }),
      '{"zoned":"2024-01-02T02:04:05.678Z"}'
    )
  })

  it("renders decimals normalized in positional notation, and bigints, as strings", () => {
    const amount = (text: string) => render({ amount: BigDecimal.fromStringUnsafe(text) })
    assert.strictEqual(amount("1.50"), '{"amount":"1.5"}')
    assert.strictEqual(amount("1.5"), amount("1.500"))
    assert.strictEqual(amount("1e3"), '{"amount":"1000"}')
    assert.strictEqual(amount("-0.00120"), '{"amount":"-0.0012"}')
    assert.strictEqual(amount("0.000"), '{"amount":"0"}')
    assert.strictEqual(render({ count: 12345678901234567890n }), '{"count":"12345678901234567890"}')
    assert.strictEqual(render({ count: -1n }), '{"count":"-1"}')
  })

  it("renders each number one way and enums by value", () => {
    assert.strictEqual(render({ ratio: -0 }), '{"ratio":0}')
    assert.strictEqual(render({ ratio: 1e21 }), '{"ratio":1e+21}')
    assert.strictEqual(render({ ratio: 0.1 + 0.2 }), '{"ratio":0.30000000000000004}')
    assert.strictEqual(render({ side: "sell" }), '{"side":"sell"}')
    assert.strictEqual(render({ side: 0 }), '{"side":0}')
  })

  it("leaves absent and undefined fields out, and keeps null as a value", () => {
    assert.strictEqual(render({}), "{}")
    assert.strictEqual(render({ maybe: undefined }), "{}")
    assert.strictEqual(render({ maybe: "x" }), '{"maybe":"x"}')
    assert.strictEqual(render({ nullable: null }), '{"nullable":null}')
    assert.strictEqual(render({ option: Option.none() }), '{"option":null}')
    assert.strictEqual(render({ option: Option.some("x") }), '{"option":"x"}')
  })

  it("does not depend on key order, in records and plain objects alike", () => {
    assert.strictEqual(render({ extras: { b: 1, a: { d: 2, c: 3 } } }), render({ extras: { a: { c: 3, d: 2 }, b: 1 } }))
    assert.strictEqual(render({ extras: { b: 1, a: [2] } }), '{"extras":{"a":[2],"b":1}}')
  })

  it("leaves hash-excluded fields out at any depth", () => {
    class Item extends DataNodeConfiguration<Item>("Item")({
      kept: d(Schema.String),
      dropped: hashExcluded(d(Schema.String))
    }) {}
    class Outer extends DataNodeConfiguration<Outer>("Outer")({
      item: d(Item),
      items: d(Schema.Array(Item)),
      byName: d(Schema.Record(Schema.String, Item)),
      structs: d(Schema.Array(Schema.Struct({ kept: Schema.Finite, dropped: hashExcluded(Schema.String) }))),
      note: Schema.optional(hashExcluded(d(Schema.String))),
      tables: hashExcluded(d(StorageReference(Prices)))
    }) {}
    const item = (dropped: string) => new Item({ kept: "k", dropped })
    const outer = (dropped: string) =>
      new Outer({
        item: item(dropped),
        items: [item(dropped), item(dropped)],
        byName: { a: item(dropped) },
        structs: [{ kept: 1, dropped }],
        note: dropped,
        tables: Prices
      })
    assert.strictEqual(
      canonical(outer("x")),
      '{"byName":{"a":{"kept":"k"}},"item":{"kept":"k"},"items":[{"kept":"k"},{"kept":"k"}],"structs":[{"kept":1}]}'
    )
    assert.strictEqual(canonical(outer("y")), canonical(outer("x")))
    // An excluded reference needs no binding.
    assert.deepStrictEqual(Result.getOrThrow(configurationStorageReferences(outer("x"))), [])
  })

  it("renders storage references as their bound uid, and fails without one", () => {
    class Reads extends DataNodeConfiguration<Reads>("Reads")({
      base: d(StorageReference(DailyMetrics, Prices)),
      others: d(Schema.Array(StorageReference(DailyMetrics, Prices)))
    }) {}
    const reads = new Reads({ base: Prices, others: [DailyMetrics, Prices] })
    assert.strictEqual(
      canonical(reads),
      `{"base":{"storage_uid":"${PRICES_UID}"},"others":[{"storage_uid":"${DAILY_METRICS_UID}"},` +
        `{"storage_uid":"${PRICES_UID}"}]}`
    )
    assert.deepStrictEqual(
      Result.getOrThrow(configurationStorageReferences(reads)).map(({ field, table }) => [field, table]),
      [["base", Prices], ["others[0]", DailyMetrics], ["others[1]", Prices]]
    )
    const unbound = canonicalConfiguration(reads, new Map([[Prices, PRICES_UID]]))
    assert.isTrue(Result.isFailure(unbound))
    if (Result.isFailure(unbound)) {
      assert.instanceOf(unbound.failure, StorageNotBoundError)
      assert.strictEqual((unbound.failure as StorageNotBoundError).field, "others[0]")
    }
  })

  it("refuses a storage table held as plain configuration, naming the field", () => {
    const error = failureOf(new Values({ extras: { nested: [{ table: Prices }] } }))
    assert.instanceOf(error, ConfigurationHashError)
    assert.strictEqual(
      error.message,
      'The field extras.nested[0].table of configuration "Values" holds the storage table "sdk_examples.prices" ' +
        "as plain configuration. A node's output table is not configuration; to read another table, declare the " +
        "field with StorageReference(Table), which is hashed by the table's bound catalog uid."
    )
  })

  it("refuses values without a canonical form, naming the field", () => {
    const found = (fields: ConstructorParameters<typeof Values>[0]) => {
      const error = failureOf(new Values(fields))
      assert.instanceOf(error, ConfigurationHashError)
      return [(error as ConfigurationHashError).field, (error as ConfigurationHashError).found]
    }
    assert.deepStrictEqual(found({ loose: Number.NaN }), ["loose", "NaN"])
    assert.deepStrictEqual(found({ loose: Number.POSITIVE_INFINITY }), ["loose", "Infinity"])
    assert.deepStrictEqual(found({ extras: { site: new URL("https://example.com") } }), ["extras.site", "an instance of URL"])
    assert.deepStrictEqual(found({ extras: [1, undefined] }), ["extras[1]", "undefined"])
    assert.deepStrictEqual(found({ extras: { "odd key": () => 1 } }), ['extras["odd key"]', "a function"])
    assert.include(failureOf(new Values({ loose: Number.NaN })).message, "which has no canonical form")
  })

  it("refuses what is not a configuration", () => {
    const result = canonicalConfiguration({ sourceScope: "x" } as never, uids)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.include(result.failure.message, "not a DataNodeConfiguration instance")
  })

  it("renders a nested configuration like any other", () => {
    class Holder extends DataNodeConfiguration<Holder>("Holder")({ leg: d(Leg) }) {}
    assert.strictEqual(
      canonical(new Holder({ leg: new Leg({ assetIdentifier: "AAPL", weight: 0.5, note: "n" }) })),
      '{"leg":{"assetIdentifier":"AAPL","weight":0.5}}'
    )
  })
})
