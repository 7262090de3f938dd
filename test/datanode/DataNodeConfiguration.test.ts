/**
 * Declaring configurations: the SDK's built-in `offsetStart`, required descriptions, the fields refused (each
 * error naming its field), strict decoding of unknown fields, and the JSON Schema for docs and tools.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import {
  computeUpdateHash,
  ConfigurationDefinitionError,
  configurationJsonSchema,
  type ConfigurationProblem,
  DataNodeConfiguration,
  hashExcluded,
  isDataNodeConfiguration,
  isDataNodeConfigurationClass
} from "../../src/index.ts"
import { Leg, SpreadConfig } from "./fixtures/SpreadConfig.ts"

const described = <S extends Schema.Top>(schema: S): S["Rebuild"] => schema.annotate({ description: "Described." })

/** The problems a declaration is refused with, as `field: reason`. */
const problemsOf = (declare: () => unknown): ReadonlyArray<string> => {
  const result = Result.try(declare)
  if (Result.isSuccess(result)) return assert.fail("the declaration was accepted")
  assert.instanceOf(result.failure, ConfigurationDefinitionError)
  return (result.failure as ConfigurationDefinitionError).problems.map(
    (problem: ConfigurationProblem) => `${problem.field}: ${problem.reason}`
  )
}

const decodeMessage = (input: unknown, options?: SchemaAST.ParseOptions): string => {
  const result = Schema.decodeUnknownResult(Leg, options)(input)
  return Result.isFailure(result) ? result.failure.message : assert.fail("decoded")
}

describe("DataNodeConfiguration", () => {
  it("declares a Schema.Class whose instances are configurations", () => {
    const leg = new Leg({ assetIdentifier: "AAPL", weight: 0.5, note: "long" })
    assert.instanceOf(leg, Leg)
    assert.strictEqual(leg.assetIdentifier, "AAPL")
    assert.isTrue(isDataNodeConfiguration(leg))
    assert.isTrue(isDataNodeConfigurationClass(Leg))
    assert.isFalse(isDataNodeConfiguration({ assetIdentifier: "AAPL" }))
    // The SDK's built-in offset_start comes first, as pydantic puts a base class's fields first.
    assert.deepStrictEqual(Object.keys(Leg.fields), ["offsetStart", "assetIdentifier", "weight", "note"])
  })

  it("accepts a description on the schema, its last check, its key or the member of an optional field", () => {
    class Described extends DataNodeConfiguration<Described>("Described")({
      plain: described(Schema.String),
      checked: described(Schema.Finite),
      onKey: Schema.String.annotateKey({ description: "On the key." }),
      optionalKey: Schema.optionalKey(described(Schema.Int)),
      optional: Schema.optional(described(Schema.String)),
      nullable: Schema.NullOr(described(Schema.String)),
      nested: described(Leg)
    }) {}
    assert.isTrue(isDataNodeConfigurationClass(Described))
  })

  it("refuses every field without a description, naming each", () => {
    assert.deepStrictEqual(
      problemsOf(() =>
        DataNodeConfiguration<never>("Undocumented")({
          sourceScope: Schema.String,
          offsetStart: Schema.optionalKey(Schema.Date),
          blank: Schema.String.annotate({ description: "  " }),
          ok: described(Schema.String)
        })
      ),
      ["sourceScope: missing-description", "offsetStart: missing-description", "blank: missing-description"]
    )
  })

  it("explains each problem in the error message", () => {
    const result = Result.try(() => DataNodeConfiguration<never>("Undocumented")({ sourceScope: Schema.String }))
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(
        (result.failure as Error).message,
        'DataNode configuration "Undocumented" is not valid:\n' +
          "  - sourceScope: every configuration field needs a description; annotate it, as in " +
          'Schema.String.annotate({ description: "...", examples: [...] })'
      )
    }
  })

  it("refuses the legacy SDK extras, at any depth", () => {
    assert.deepStrictEqual(
      problemsOf(() =>
        DataNodeConfiguration<never>("Legacy")({
          a: Schema.String.annotate({ description: "A.", update_only: true }),
          b: Schema.String.annotate({ description: "B.", runtime_only: true }),
          c: Schema.String.annotate({ description: "C.", ignore_from_storage_hash: true }),
          d: Schema.String.annotate({ description: "D.", hash_excluded: true }),
          rows: described(Schema.Array(Schema.Struct({ label: Schema.String.annotate({ updateOnly: true }) })))
        })
      ),
      [
        "a: legacy-annotation",
        "b: legacy-annotation",
        "c: legacy-annotation",
        "d: legacy-annotation",
        "rows[*].label: legacy-annotation"
      ]
    )
  })

  it("refuses output storage tables, data-source uids and backend uids or hashes, at any depth", () => {
    assert.deepStrictEqual(
      problemsOf(() =>
        DataNodeConfiguration<never>("Backend")({
          storage_table: described(Schema.String),
          storageTable: described(Schema.String),
          data_source_uid: described(Schema.String),
          dataSourceId: described(Schema.String),
          metaTableUid: described(Schema.String),
          storage_hash: described(Schema.String),
          nested: described(Schema.Struct({ tableUid: Schema.String, updateHash: Schema.String }))
        })
      ),
      [
        "storage_table: storage-table-field",
        "storageTable: storage-table-field",
        "data_source_uid: data-source-uid",
        "dataSourceId: data-source-uid",
        "metaTableUid: backend-identity",
        "storage_hash: backend-identity",
        "nested.tableUid: backend-identity",
        "nested.updateHash: backend-identity"
      ]
    )
  })

  it("keeps domain identifiers that only look like uids", () => {
    class Domain extends DataNodeConfiguration<Domain>("Domain")({
      assetUid: described(Schema.String),
      seriesId: described(Schema.String),
      accountUid: described(Schema.String),
      tableName: described(Schema.String)
    }) {}
    assert.isTrue(isDataNodeConfigurationClass(Domain))
  })

  it("refuses hashExcluded on items instead of fields, and values other than booleans", () => {
    assert.deepStrictEqual(
      problemsOf(() =>
        DataNodeConfiguration<never>("Excluded")({
          items: described(Schema.Array(hashExcluded(Schema.String))),
          byRegion: described(Schema.Record(Schema.String, hashExcluded(Schema.Finite))),
          either: described(Schema.Union([hashExcluded(Schema.String), Schema.Finite])),
          odd: Schema.String.annotate({ description: "Odd.", hashExcluded: "yes" as never }),
          fine: Schema.optional(hashExcluded(described(Schema.String))),
          nested: described(Schema.Struct({ label: hashExcluded(Schema.String) }))
        })
      ),
      [
        "items[*]: misplaced-hash-excluded",
        "byRegion[*]: misplaced-hash-excluded",
        "either: misplaced-hash-excluded",
        "odd: invalid-hash-excluded"
      ]
    )
  })

  it("cannot be extended, and says how to compose instead", () => {
    const extend = (Leg as unknown as { extend: (identifier: string) => unknown }).extend
    const result = Result.try(() => extend.call(Leg, "Wider"))
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.include((result.failure as Error).message, "{ ...Base.fields, ... }")
  })
})

describe("the built-in offsetStart", () => {
  class Scope extends DataNodeConfiguration<Scope>("Scope")({
    sourceScope: Schema.String.annotate({ description: "Stable upstream scope selected by this updater." })
  }) {}
  const hashOf = (configuration: Scope) => computeUpdateHash({ kind: "ScopeNode", configuration })

  it("is in every configuration, optional, absent by default, with the SDK's description", () => {
    const scope = new Scope({ sourceScope: "default_scope" })
    assert.notProperty(scope, "offsetStart")
    assert.deepStrictEqual(new Scope({ sourceScope: "x", offsetStart: new Date(0) }).offsetStart, new Date(0))
    assert.strictEqual(
      Schema.resolveAnnotations(Scope.fields.offsetStart)?.description,
      "Optional first-run fallback start date. This affects updater bootstrap behavior and participates in " +
        "update hashing."
    )
    const json = Schema.decodeUnknownSync(Schema.toCodecJson(Scope))({
      sourceScope: "x",
      offsetStart: "2024-01-01T00:00:00.000Z"
    })
    assert.deepStrictEqual(json.offsetStart, new Date("2024-01-01T00:00:00.000Z"))
  })

  it.effect("enters the update hash, so setting it makes another identity", () =>
    Effect.gen(function*() {
      const unset = yield* hashOf(new Scope({ sourceScope: "x" }))
      const set = yield* hashOf(new Scope({ sourceScope: "x", offsetStart: new Date("2024-01-01T00:00:00Z") }))
      assert.notStrictEqual(set, unset)
      // Absent is the default: a configuration that never sets it keeps the hash it had before the field existed
      // (printed by computeUpdateHash before issue 16 added it).
      assert.strictEqual(unset, "scopenode_adb6bd675dd1d4d69a8a3140d556c450")
    }))

  it("may be declared again, to describe it in the configuration's own words", () => {
    assert.strictEqual(
      Schema.resolveAnnotations(SpreadConfig.fields.offsetStart)?.description,
      "Optional first-run lower bound for this updater."
    )
  })
})

describe("DataNodeConfiguration decoding", () => {
  const input = { assetIdentifier: "AAPL", weight: 0.5, note: "long" }

  it("decodes its fields and nothing else", () => {
    assert.deepStrictEqual(Schema.decodeUnknownSync(Leg)(input), new Leg(input))
  })

  it("rejects unknown fields whatever the parse options, naming them", () => {
    const message =
      `Unknown field "records": configuration "Leg" has the fields offsetStart, assetIdentifier, weight, note\n` +
      '  at ["records"]'
    assert.strictEqual(decodeMessage({ ...input, records: 3 }), message)
    assert.strictEqual(decodeMessage({ ...input, records: 3 }, { onExcessProperty: "ignore" }), message)
    assert.include(decodeMessage({ ...input, update_only: true }), 'Unknown field "update_only"')
    const json = Schema.decodeUnknownResult(Schema.toCodecJson(SpreadConfig))({ legs: [{ ...input, extra: 1 }] })
    assert.isTrue(Result.isFailure(json))
  })

  it("round-trips through JSON, storage references by identifier", () => {
    const codec = Schema.toCodecJson(SpreadConfig)
    const json = {
      sourceScope: "default_scope",
      baseStorage: "sdk_examples.prices",
      windowDays: 20,
      notional: "1.5",
      maxRows: "10",
      method: "mean",
      legs: [input],
      limits: { emea: 10 },
      region: null,
      displayLabel: "Spread"
    }
    const decoded = Schema.decodeUnknownSync(codec)(json)
    assert.deepStrictEqual(Schema.encodeSync(codec)(decoded), json)
  })
})

describe("configurationJsonSchema", () => {
  const document = configurationJsonSchema(SpreadConfig)
  const definitions = document["$defs"] as Record<string, Record<string, unknown>>
  const spread = definitions["SpreadConfigEncoded"]!
  const properties = spread["properties"] as Record<string, Record<string, unknown>>

  it("is a draft 2020-12 document whose configuration objects are closed", () => {
    assert.strictEqual(document["$schema"], "https://json-schema.org/draft/2020-12/schema")
    assert.strictEqual(document["$ref"], "#/$defs/SpreadConfigEncoded")
    assert.strictEqual(spread["additionalProperties"], false)
    assert.isUndefined(spread["allOf"])
    assert.strictEqual(definitions["LegEncoded"]?.["additionalProperties"], false)
    assert.strictEqual(definitions["LegEncoded"]?.["description"], "One leg of a spread.")
    assert.deepStrictEqual(spread["required"], [
      "sourceScope",
      "baseStorage",
      "windowDays",
      "notional",
      "maxRows",
      "method",
      "legs",
      "limits",
      "region",
      "displayLabel"
    ])
  })

  it("describes every field, with its examples as JSON", () => {
    for (const [name, field] of Object.entries(SpreadConfig.fields)) {
      assert.strictEqual(properties[name]?.["description"], Schema.resolveAnnotations(field)?.description, name)
    }
    assert.deepStrictEqual(properties["sourceScope"]?.["examples"], ["default_scope", "regional_scope"])
    assert.deepStrictEqual(properties["offsetStart"]?.["examples"], ["2024-01-01T00:00:00.000Z"])
    assert.deepStrictEqual(properties["baseStorage"]?.["enum"], ["sdk_examples.daily_metrics", "sdk_examples.prices"])
  })
})
