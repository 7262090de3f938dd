/**
 * Reading one kind of entity out of a drizzle-kit snapshot: only that kind, in snapshot order, and nothing
 * from an empty snapshot.
 */
import { assert, describe, it } from "@effect/vitest"
import { integer, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import { emptySnapshot } from "../../../src/migrations/Autogenerate.ts"
import { snapshotEntities } from "../../../src/migrations/files/SnapshotEntities.ts"
import { storageSchemaSnapshot } from "../../../src/storage/StorageSchema.ts"

const items = pgTable("snap__items", {
  id: integer().primaryKey(),
  name: text().notNull(),
  code: text()
}, (table) => [uniqueIndex("uix__snap__items__code").on(table.code)])

const tags = pgTable("snap__tags", { itemId: integer("item_id").notNull(), tag: text().notNull() })

describe("snapshotEntities", () => {
  it.effect("returns the entities of one kind only, in snapshot order", () =>
    Effect.gen(function*() {
      const snapshot = yield* storageSchemaSnapshot([items, tags])
      const columns = snapshotEntities(snapshot, "columns")
      assert.deepStrictEqual(
        columns.map((column) => `${column.table}.${column.name}`),
        snapshot.ddl.filter((entity) => entity.entityType === "columns").map((entity) => `${entity.table}.${entity.name}`)
      )
      assert.sameMembers(columns.map((column) => `${column.table}.${column.name}`), [
        "snap__items.id",
        "snap__items.name",
        "snap__items.code",
        "snap__tags.item_id",
        "snap__tags.tag"
      ])
      assert.sameMembers(snapshotEntities(snapshot, "tables").map((table) => table.name), ["snap__items", "snap__tags"])
      assert.deepStrictEqual(snapshotEntities(snapshot, "pks").map((key) => key.columns), [["id"]])
      assert.deepStrictEqual(snapshotEntities(snapshot, "indexes").map((index) => index.name), ["uix__snap__items__code"])
      assert.deepStrictEqual(snapshotEntities(snapshot, "fks"), [])
    }))

  it.effect("finds nothing in an empty snapshot", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(snapshotEntities(yield* emptySnapshot, "tables"), [])
    }))
})
