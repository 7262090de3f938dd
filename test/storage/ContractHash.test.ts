/**
 * What changes the contract hash and what does not: built from one base table and one variant per row. Also
 * the namespaces of the payload as the SDK takes them (golden cases from fixtures/naming_reference.py), and the
 * example tables' hashes as catalogs recorded them before the contract followed the SDK's layout.
 */
import { assert, describe, it } from "@effect/vitest"
import { doublePrecision, index, integer, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import * as Result from "effect/Result"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  type AnyStorageTable,
  computeMetaTableContractHash,
  type ContractHashOptions,
  contractHashPayload,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable
} from "../../src/index.ts"
import { exampleTables } from "../../storage/index.ts"
import { observationStorage } from "../../storage/ObservationStorage.ts"

class Parent extends PlatformManagedMetaTable<Parent>()({
  name: "tests__parent",
  namespace: "tests",
  identifier: "tests.parent",
  description: "Referenced rows.",
  columns: { uid: uuid().primaryKey(), code: text().notNull() },
  columnInfo: { uid: { label: "UID", description: "Key." }, code: { label: "Code", description: "Code." } }
}) {}

interface Variant {
  readonly name?: string
  readonly identifier?: string
  readonly description?: string
  readonly valueLabel?: string
  readonly valueType?: "double" | "integer"
  readonly valueNotNull?: boolean
  readonly extraColumn?: boolean
  readonly grain?: ReadonlyArray<string>
  readonly cadence?: string
  readonly indexName?: string
  readonly indexColumns?: "entity" | "entity+value"
  readonly onDelete?: "restrict" | "cascade"
  readonly reference?: "uid" | "none"
}

/** A time-index table whose every hashed (and unhashed) feature can be varied. */
const table = (variant: Variant = {}): AnyStorageTable => {
  const value = variant.valueType === "integer" ? integer() : doublePrecision()
  const reference = variant.reference === "none"
    ? uuid("parent_uid")
    : uuid("parent_uid").references(() => Parent.table.uid, { onDelete: variant.onDelete ?? "restrict" })
  class Variable extends PlatformTimeIndexMetaTable<Variable>()({
    name: variant.name ?? "tests__variable",
    namespace: "tests",
    identifier: variant.identifier ?? "tests.variable",
    description: variant.description ?? "Rows for the hash tests.",
    indexNames: variant.grain ?? ["time_index", "entity"],
    cadence: variant.cadence ?? "1d",
    columns: {
      timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
      entity: varchar({ length: 32 }).notNull(),
      value: variant.valueNotNull === true ? value.notNull() : value,
      parentUid: reference,
      ...(variant.extraColumn === true ? { note: text() } : {})
    },
    columnInfo: {
      timeIndex: { label: "Time", description: "When." },
      entity: { label: "Entity", description: "Who." },
      value: { label: variant.valueLabel ?? "Value", description: "How much." },
      parentUid: { label: "Parent", description: "Parent row." },
      ...(variant.extraColumn === true ? { note: { label: "Note", description: "Remark." } } : {})
    } as never,
    constraints: (columns) => [
      index(variant.indexName).on(
        ...(variant.indexColumns === "entity+value" ? [columns.entity, columns.value] : [columns.entity]) as [never]
      )
    ]
  }) {}
  return Variable
}

const hash = (storage: AnyStorageTable, options: Partial<ContractHashOptions> = {}) =>
  Result.getOrThrow(computeMetaTableContractHash(storage, { namespace: "tests", ...options }))

const baseline = hash(table())

describe("computeMetaTableContractHash", () => {
  it("is deterministic and shaped mt_<namespace>_<32 hex digits>", () => {
    assert.strictEqual(hash(table()), baseline)
    assert.match(baseline, /^mt_tests_[0-9a-f]{32}$/)
    assert.match(hash(table(), { namespace: "A Very Long Namespace With Many Words In It" }), /^mt_a_very_long_namespace_with_[0-9a-f]{32}$/)
  })

  it.each<[string, () => string]>([
    ["the table name", () => hash(table({ name: "tests__renamed" }))],
    ["an added column", () => hash(table({ extraColumn: true }))],
    ["a column type", () => hash(table({ valueType: "integer" }))],
    ["nullability", () => hash(table({ valueNotNull: true }))],
    ["the index shape", () => hash(table({ indexColumns: "entity+value" }))],
    ["the foreign-key shape", () => hash(table({ reference: "none" }))],
    ["the foreign-key action", () => hash(table({ onDelete: "cascade" }))],
    ["the grain", () => hash(table({ grain: ["time_index"] }))],
    ["the cadence", () => hash(table({ cadence: "1h" }))],
    ["the namespace", () => hash(table(), { namespace: "other" })],
    ["the schema", () => hash(table(), { schema: "analytics" })],
    ["the hash namespace", () => hash(table(), { hashNamespace: "branch-a" })],
    ["an extra component", () => hash(table(), { extraComponents: { source: "vendor-a" } })]
  ])("changes with %s", (_, variant) => {
    assert.notStrictEqual(variant(), baseline)
  })

  it.each<[string, () => string]>([
    ["column labels", () => hash(table({ valueLabel: "Amount" }))],
    ["the description", () => hash(table({ description: "Other words." }))],
    ["the identifier", () => hash(table({ identifier: "tests.elsewhere" }))],
    ["index names", () => hash(table({ indexName: "my_named_index" }))],
    ["an explicit public schema", () => hash(table(), { schema: "public" })],
    ["an empty schema", () => hash(table(), { schema: "" })],
    ["spaces around the namespace", () => hash(table(), { namespace: " tests " })],
    ["an empty hash namespace", () => hash(table(), { hashNamespace: "" })]
  ])("does not change with %s", (_, variant) => {
    assert.strictEqual(variant(), baseline)
  })

  it("refuses extra components that would replace a reserved key", () => {
    for (const key of ["namespace", "schema", "table_storage_identity", "hash_namespace"]) {
      const result = computeMetaTableContractHash(table(), { namespace: "tests", extraComponents: { [key]: "x" } })
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) assert.include(result.failure.message, `may not replace the reserved key ${key}`)
    }
  })

  it("refuses extra components that JSON cannot represent, naming where", () => {
    const result = computeMetaTableContractHash(table(), {
      namespace: "tests",
      extraComponents: { window: { start: new Date(0) } }
    })
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.include(result.failure.message, "extraComponents .window.start: a Date is not JSON")
  })

  it("differs between the identities of a parameterized storage factory", () => {
    assert.notStrictEqual(
      hash(observationStorage("vendor-a"), { namespace: "example-data" }),
      hash(observationStorage("vendor-b"), { namespace: "example-data" })
    )
  })
})

describe("contractHashPayload", () => {
  const golden = (JSON.parse(
    NodeFs.readFileSync(NodePath.join(import.meta.dirname, "fixtures", "naming_cases.json"), "utf8")
  ) as {
    readonly hashNamespace: ReadonlyArray<{
      readonly args: readonly [string, string | null]
      readonly ok: { readonly namespace: string; readonly hash_namespace?: string }
    }>
  }).hashNamespace

  for (const testCase of golden) {
    it(`takes the namespaces ${JSON.stringify(testCase.args)} as the SDK does`, () => {
      const [namespace, hashNamespace] = testCase.args
      const payload = contractHashPayload(table(), { namespace, hashNamespace: hashNamespace ?? undefined })
      const { hash_namespace, namespace: trimmed } = payload as typeof payload & { readonly hash_namespace?: string }
      assert.deepStrictEqual(
        { namespace: trimmed, ...(hash_namespace === undefined ? {} : { hash_namespace }) },
        testCase.ok
      )
    })
  }

  it("gives the example tables the hashes catalogs recorded before the contract followed the SDK's layout", () => {
    // Printed by computeMetaTableContractHash before issue 16 changed the contract document: catalog rows
    // finalized then keep matching their models, so startEngine keeps attaching them.
    const recorded: Record<string, string> = {
      sdk_examples__account: "mt_sdk_examples_47af97b07f4f859ad66ef109bb1a5685",
      sdk_examples__account_limit: "mt_sdk_examples_ee8d2220a4c524368d7ada9fa35d3df2",
      sdk_examples__daily_metrics: "mt_example_data_d037db0e13dac7c81cb9c55844389ee1",
      sdk_examples__account_positions: "mt_positions_122e355b55114295a6ef57ce10827f8f",
      sdk_examples__prices: "mt_market_data_385ba4af566a14e948f8d30b983edfd2",
      sdk_examples__observations__vendor_a: "mt_example_data_01d9e13afbd166e1c4b3607f3b1382ef",
      sdk_examples__asset_returns: "mt_market_data_4f3bdaae27609cb1fa4403c0c32e85c3",
      sdk_examples__asset_volatility: "mt_market_data_e3941d9346c4a51f500bbf3d441ef34c"
    }
    assert.deepStrictEqual(
      Object.fromEntries(exampleTables.map((storage) => [
        storage.metadata.tableName,
        hash(storage, { namespace: storage.metadata.namespace })
      ])),
      recorded
    )
  })
})
