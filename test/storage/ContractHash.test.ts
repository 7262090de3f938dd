/**
 * What changes the contract hash and what does not: built from one base table and one variant per row.
 */
import { assert, describe, it } from "@effect/vitest"
import { doublePrecision, index, integer, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import * as Result from "effect/Result"
import {
  type AnyStorageTable,
  computeMetaTableContractHash,
  type ContractHashOptions,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable
} from "../../src/index.ts"
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
    ["an empty schema", () => hash(table(), { schema: "" })]
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
