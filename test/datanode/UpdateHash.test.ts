/**
 * The update hash: its literal value for a fixed configuration (computed independently in Python), its shape,
 * what changes it and what never does, storage references resolved through bindings, and properties over
 * generated configurations.
 */
import { assert, describe, it } from "@effect/vitest"
import { expectTypeOf } from "vitest"
import * as BigDecimal from "effect/BigDecimal"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/testing/TestClock"
import {
  computeNodeIdentity,
  computeUpdateHash,
  ConfigurationHashError,
  CurrentHashNamespace,
  DataNodeConfiguration,
  hashExcluded,
  StorageNotBoundError,
  type UpdateHashError,
  updateHashOf
} from "../../src/index.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { Prices } from "../../storage/Prices.ts"
import {
  bindingOf,
  boundTables,
  DAILY_METRICS_UID,
  fixedSpread,
  Leg,
  Method,
  PRICES_UID,
  SpreadConfig
} from "./fixtures/SpreadConfig.ts"

const hashOf = (configuration: SpreadConfig, options: { readonly kind?: string; readonly hashNamespace?: string } = {}) =>
  computeUpdateHash({
    kind: options.kind ?? "SpreadNode",
    configuration,
    hashNamespace: options.hashNamespace ?? "backtest"
  }).pipe(Effect.provide(boundTables))

type Changes<T> = { readonly [K in keyof T]?: T[K] | undefined }
type SpreadFields = ConstructorParameters<typeof SpreadConfig>[0]

/** `fields` with `changes` applied; a change to `undefined` leaves the field out. */
const withChanges = <T extends object>(fields: T, changes: Changes<T>): T =>
  Object.fromEntries(Object.entries({ ...fields, ...changes }).filter(([, value]) => value !== undefined)) as T

/** `fixedSpread()` with some fields replaced or left out. */
const spread = (changes: Changes<SpreadFields>) => new SpreadConfig(withChanges<SpreadFields>({ ...fixedSpread() }, changes))

describe("computeUpdateHash", () => {
  it.effect("matches the independent Python computation of a fixed configuration", () =>
    Effect.gen(function*() {
      // Both literals were printed by `python3 test/datanode/fixtures/update_hash_reference.py`, which builds the
      // same payload from the canonical-form rules with Python's datetime, decimal, json and hashlib.
      const identity = yield* computeNodeIdentity({
        kind: "SpreadNode",
        configuration: fixedSpread(),
        hashNamespace: "backtest"
      }).pipe(Effect.provide(boundTables))
      assert.strictEqual(
        identity.canonicalJson,
        '{"configuration":{"baseStorage":{"storage_uid":"6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b"},"legs":[' +
          '{"assetIdentifier":"AAPL","weight":0.5},{"assetIdentifier":"MSFT","weight":-0.25}],"limits":' +
          '{"eu-west":1000,"us-east":2500},"maxRows":"9007199254740993","method":"median","notional":"1250000.5",' +
          '"offsetStart":"2024-01-02T02:04:05.678Z","region":null,"sourceScope":"Zürich desk","windowDays":20},' +
          '"hash_namespace":"backtest","kind":"SpreadNode","version":1}'
      )
      assert.strictEqual(identity.updateHash, "spreadnode_99083f10a0a97838d0caf5bdc5c5d050")
      assert.deepStrictEqual(identity.storage, [
        { field: "baseStorage", identifier: "sdk_examples.prices", uid: PRICES_UID }
      ])
      assert.strictEqual(identity.hashNamespace, "backtest")
    }))

  it("is the kind as an identifier, cut to 30 characters, then 32 hex digits: a PostgreSQL identifier", () => {
    const postgresIdentifier = /^[a-z_][a-z0-9_]{0,62}$/
    const short = updateHashOf("SpreadNode", "{}")
    assert.match(short, /^spreadnode_[0-9a-f]{32}$/)
    const long = updateHashOf("AVeryLongDataNodeKindNameThatGoesOnAndOn", "{}")
    assert.match(long, /^averylongdatanodekindnamethatg_[0-9a-f]{32}$/)
    assert.strictEqual(long.length, 63)
    // A cut that ends in `_` loses it, as in the SDK.
    assert.match(updateHashOf("Daily_Metrics_Node_For_Region__Europe", "{}"), /^daily_metrics_node_for_region_[0-9a-f]{32}$/)
    // Kinds that are not identifiers still give identifiers.
    assert.match(updateHashOf("2-Factor Node", "{}"), /^t_2_factor_node_[0-9a-f]{32}$/)
    for (const hash of [short, long, updateHashOf("2-Factor Node", "{}")]) assert.match(hash, postgresIdentifier)
  })

  it.effect("is the same however an equal configuration was built", () =>
    Effect.gen(function*() {
      const baseline = yield* hashOf(fixedSpread())
      const json = Schema.encodeSync(Schema.toCodecJson(SpreadConfig))(fixedSpread()) as Record<string, unknown>
      const reversed = Object.fromEntries(Object.entries(json).reverse())
      const decoded = Schema.decodeUnknownSync(Schema.toCodecJson(SpreadConfig))(reversed)
      assert.strictEqual(yield* hashOf(decoded), baseline)
      assert.strictEqual(yield* hashOf(spread({ limits: { "eu-west": 1000, "us-east": 2500 } })), baseline)
      assert.strictEqual(yield* hashOf(spread({ notional: BigDecimal.fromStringUnsafe("1250000.5000") })), baseline)
      assert.strictEqual(
        yield* hashOf(spread({ offsetStart: DateTime.toDateUtc(DateTime.makeUnsafe("2024-01-02T02:04:05.678Z")) })),
        baseline
      )
    }))

  it.effect.each<[string, Changes<SpreadFields>]>([
    ["the source scope", { sourceScope: "Zurich desk" }],
    ["the referenced storage table", { baseStorage: DailyMetrics }],
    ["an optional field left out", { offsetStart: undefined }],
    ["a date by one millisecond", { offsetStart: new Date("2024-01-02T02:04:05.679Z") }],
    ["an integer", { windowDays: 21 }],
    ["a decimal", { notional: BigDecimal.fromStringUnsafe("1250000.51") }],
    ["a bigint", { maxRows: 9007199254740992n }],
    ["an enum value", { method: Method.Mean }],
    ["a nested configuration's field", { legs: [new Leg({ assetIdentifier: "AAPL", weight: 0.5, note: "long leg" })] }],
    ["the order of array items", {
      legs: [
        new Leg({ assetIdentifier: "MSFT", weight: -0.25, note: "short leg" }),
        new Leg({ assetIdentifier: "AAPL", weight: 0.5, note: "long leg" })
      ]
    }],
    ["a record value", { limits: { "us-east": 2500, "eu-west": 1001 } }],
    ["a record key", { limits: { "us-east": 2500, "eu-central": 1000 } }],
    ["null becoming a value", { region: "EMEA" }]
  ])("changes with %s", ([, changes]) =>
    Effect.gen(function*() {
      assert.notStrictEqual(yield* hashOf(spread(changes)), yield* hashOf(fixedSpread()))
    }))

  it.effect("changes with the kind, the hash namespace and the bound uid of a referenced table", () =>
    Effect.gen(function*() {
      const baseline = yield* hashOf(fixedSpread())
      assert.notStrictEqual(yield* hashOf(fixedSpread(), { kind: "OtherSpreadNode" }), baseline)
      assert.notStrictEqual(yield* hashOf(fixedSpread(), { hashNamespace: "live" }), baseline)
      const rebound = yield* computeUpdateHash({
        kind: "SpreadNode",
        configuration: fixedSpread(),
        hashNamespace: "backtest"
      }).pipe(
        Effect.provide(Layer.mergeAll(
          Layer.succeed(Prices, bindingOf(Prices, "11111111-2222-4333-8444-555555555555")),
          Layer.succeed(DailyMetrics, bindingOf(DailyMetrics, DAILY_METRICS_UID))
        ))
      )
      assert.notStrictEqual(rebound, baseline)
    }))

  it.effect("never changes with hash-excluded fields, at any depth", () =>
    Effect.gen(function*() {
      const baseline = yield* hashOf(fixedSpread())
      assert.strictEqual(yield* hashOf(spread({ displayLabel: "something else entirely" })), baseline)
      assert.strictEqual(
        yield* hashOf(spread({
          legs: [
            new Leg({ assetIdentifier: "AAPL", weight: 0.5, note: "edited" }),
            new Leg({ assetIdentifier: "MSFT", weight: -0.25, note: "" })
          ]
        })),
        baseline
      )
    }))

  it.effect("does not depend on the clock or the environment", () =>
    Effect.gen(function*() {
      const baseline = yield* hashOf(fixedSpread())
      yield* TestClock.adjust("400 days")
      process.env["GIT_BRANCH"] = "feature/other"
      assert.strictEqual(yield* hashOf(fixedSpread()), baseline)
      delete process.env["GIT_BRANCH"]
    }))

  it.effect("uses the ambient hash namespace when the node sets none, and its own when it does", () =>
    Effect.gen(function*() {
      const withoutNamespace = computeUpdateHash({ kind: "SpreadNode", configuration: fixedSpread() }).pipe(
        Effect.provide(boundTables)
      )
      const ambient = yield* withoutNamespace.pipe(Effect.provideService(CurrentHashNamespace, "backtest"))
      assert.strictEqual(ambient, yield* hashOf(fixedSpread()))
      const none = yield* withoutNamespace
      assert.notStrictEqual(none, ambient)
      const explicit = yield* hashOf(fixedSpread(), { hashNamespace: "live" }).pipe(
        Effect.provideService(CurrentHashNamespace, "backtest")
      )
      assert.strictEqual(explicit, yield* hashOf(fixedSpread(), { hashNamespace: "live" }))
    }))

  it.effect("requires the bindings of the referenced tables, and says to migrate when one is missing", () =>
    Effect.gen(function*() {
      const program = computeUpdateHash({ kind: "SpreadNode", configuration: fixedSpread() })
      expectTypeOf(program).toEqualTypeOf<Effect.Effect<string, UpdateHashError, Prices | DailyMetrics>>()
      // Erase the requirement, as a caller holding an untyped configuration would, to reach the runtime check.
      const error = yield* Effect.flip(program as Effect.Effect<string, UpdateHashError>)
      assert.instanceOf(error, StorageNotBoundError)
      assert.strictEqual(
        error.message,
        'Storage table "sdk_examples.prices" (public.sdk_examples__prices), referenced by configuration field ' +
          "baseStorage, is not bound, so the configuration cannot be hashed by its catalog uid. Run " +
          "`metatables migrations upgrade` to register it, then run the node through the engine (startEngine), which " +
          "binds active tables."
      )
    }))

  it.effect("refuses a binding to a failed or deleted catalog row", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        computeUpdateHash({ kind: "SpreadNode", configuration: fixedSpread() }).pipe(
          Effect.provide(Layer.mergeAll(
            Layer.succeed(Prices, bindingOf(Prices, PRICES_UID, "deleted")),
            Layer.succeed(DailyMetrics, bindingOf(DailyMetrics, DAILY_METRICS_UID))
          ))
        )
      )
      assert.instanceOf(error, StorageNotBoundError)
      assert.include(error.message, 'is bound to a catalog row whose status is "deleted"')
      assert.include(error.message, "`metatables migrations upgrade`")
    }))

  it.effect("refuses a configuration that is not a DataNodeConfiguration, naming the node", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(computeUpdateHash({ kind: "SpreadNode", configuration: { sourceScope: "x" } as never }))
      assert.instanceOf(error, ConfigurationHashError)
      assert.strictEqual(
        error.message,
        'The configuration of DataNode "SpreadNode" is a plain object, not a DataNodeConfiguration instance; ' +
          'declare its class with DataNodeConfiguration<Self>("Name")({ ... }).'
      )
    }))

  it.effect("refuses a blank kind", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(hashOf(fixedSpread(), { kind: " " }))
      assert.instanceOf(error, ConfigurationHashError)
      assert.strictEqual(error.message, 'A DataNode kind is required to compute an update hash (found " ").')
    }))
})

class Generated extends DataNodeConfiguration<Generated>("Generated")({
  scope: Schema.String.annotate({ description: "Scope." }),
  window: Schema.Int.annotate({ description: "Window." }),
  ratio: Schema.Finite.annotate({ description: "Ratio." }),
  enabled: Schema.Boolean.annotate({ description: "Switch." }),
  method: Schema.Literals(["mean", "median", "last"]).annotate({ description: "Method." }),
  tags: Schema.Array(Schema.String).annotate({ description: "Tags." }),
  start: Schema.optionalKey(Schema.Date.annotate({ description: "Start." })),
  rows: Schema.BigInt.annotate({ description: "Rows." }),
  label: hashExcluded(Schema.String.annotate({ description: "Label." }))
}) {}

const HASHED_FIELDS = ["scope", "window", "ratio", "enabled", "method", "tags", "start", "rows"] as const

const generatedHash = (configuration: Generated) => computeUpdateHash({ kind: "GeneratedNode", configuration })

/** A field's JSON form, compared as text: the test's own notion of "the same value" (-0 and 0 agree). */
const jsonOf = (field: (typeof HASHED_FIELDS)[number], value: unknown): string =>
  value === undefined ? "absent" : JSON.stringify(Schema.encodeUnknownSync(Schema.toCodecJson(Generated.fields[field]))(value))

describe("computeUpdateHash properties", () => {
  it.effect.prop("equal configurations hash equal, whatever their key order", { configuration: Generated }, ({ configuration }) =>
    Effect.gen(function*() {
      const json = Schema.encodeSync(Schema.toCodecJson(Generated))(configuration) as Record<string, unknown>
      const rebuilt = Schema.decodeUnknownSync(Schema.toCodecJson(Generated))(
        Object.fromEntries(Object.entries(json).reverse())
      )
      assert.strictEqual(yield* generatedHash(rebuilt), yield* generatedHash(configuration))
    }))

  it.effect.prop("changing a hashed field changes the hash; changing an excluded one never does", {
    a: Generated,
    b: Generated
  }, ({ a, b }) =>
    Effect.gen(function*() {
      const baseline = yield* generatedHash(a)
      for (const field of HASHED_FIELDS) {
        const changed = yield* generatedHash(new Generated(withChanges<Generated>({ ...a }, { [field]: b[field] })))
        if (jsonOf(field, a[field]) === jsonOf(field, b[field])) assert.strictEqual(changed, baseline, field)
        else assert.notStrictEqual(changed, baseline, field)
      }
      assert.strictEqual(yield* generatedHash(new Generated(withChanges<Generated>({ ...a }, { label: b.label }))), baseline)
    }))
})
