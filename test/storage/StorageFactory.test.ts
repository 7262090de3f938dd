/**
 * Parameterized storage: the same arguments give the very same class; different ones, their own table.
 */
import { assert, describe, it } from "@effect/vitest"
import { text, uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable, schemaTableName, storageFactory } from "../../src/index.ts"
import { observationStorage } from "../../storage/ObservationStorage.ts"

describe("storageFactory", () => {
  it("returns the identical class for the same arguments", () => {
    assert.strictEqual(observationStorage("vendor-a"), observationStorage("vendor-a"))
    assert.strictEqual(observationStorage("vendor-a").table, observationStorage("vendor-a").table)
  })

  it("gives each identity its own table name and identifier", () => {
    const a = observationStorage("vendor-a")
    const b = observationStorage("vendor-b")
    assert.notStrictEqual(a, b)
    assert.strictEqual(a.metadata.tableName, "sdk_examples__observations__vendor_a")
    assert.strictEqual(b.metadata.tableName, "sdk_examples__observations__vendor_b")
    assert.notStrictEqual(a.key, b.key)
  })

  it("keys by the canonical form of the arguments, so argument objects compare by value", () => {
    let built = 0
    const factory = storageFactory((options: { readonly region: string; readonly tier: number }) => {
      built++
      class Regional extends PlatformManagedMetaTable<Regional>()({
        name: schemaTableName("tests", "regional", `${options.region}_${options.tier}`),
        namespace: "tests",
        identifier: `tests.regional.${options.region}.${options.tier}`,
        description: "Rows per region and tier.",
        columns: { uid: uuid().primaryKey(), note: text() },
        columnInfo: { uid: { label: "UID", description: "Key." }, note: { label: "Note", description: "Remark." } }
      }) {}
      return Regional
    })
    assert.strictEqual(factory({ region: "eu", tier: 1 }), factory({ tier: 1, region: "eu" }))
    assert.notStrictEqual(factory({ region: "eu", tier: 1 }), factory({ region: "eu", tier: 2 }))
    assert.strictEqual(built, 2)
  })
})
