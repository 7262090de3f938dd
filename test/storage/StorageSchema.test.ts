/**
 * The drizzle-kit model of storage tables refuses bad schemas with an error instead of letting drizzle-kit
 * end the process and print on stdout, and names check constraints by the SDK's convention.
 */
import { assert, describe, it } from "@effect/vitest"
import { sql } from "drizzle-orm"
import { check, index, integer, pgTable } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { PlatformManagedMetaTable, storageSchemaSnapshot } from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"

describe("storageSchemaSnapshot", () => {
  it.effect("names a check constraint ck__<table>__<name>, as the SDK's convention does", () =>
    Effect.gen(function*() {
      class Limits extends PlatformManagedMetaTable<Limits>()({
        name: "tests__limits",
        namespace: "tests",
        identifier: "tests.limits",
        description: "Limits with a check.",
        columns: { amount: integer().notNull() },
        columnInfo: { amount: { label: "Amount", description: "The limit." } },
        constraints: (t) => [check("Positive Amount", sql`${t.amount} > 0`)]
      }) {}
      const snapshot = yield* storageSchemaSnapshot([Limits])
      const checks = snapshot.ddl.filter((entity) => entity.entityType === "checks")
      assert.deepStrictEqual(checks.map((entity) => entity.name), ["ck__tests__limits__positive_amount"])
    }))

  it.effect("counts the same table given twice once", () =>
    Effect.gen(function*() {
      const snapshot = yield* storageSchemaSnapshot([Account, Account, Account.table])
      assert.strictEqual(snapshot.ddl.filter((entity) => entity.entityType === "tables").length, 1)
    }))

  it.effect("refuses two different tables with one name", () =>
    Effect.gen(function*() {
      const twin = pgTable("sdk_examples__account", { id: integer() })
      const error = yield* Effect.flip(storageSchemaSnapshot([Account, twin]))
      assert.include(error.message, "different table definitions share the name public.sdk_examples__account")
    }))

  it.effect("turns drizzle-kit's refusal into an error with its report, printing nothing", () =>
    Effect.gen(function*() {
      const first = pgTable("ss_first", { id: integer() }, (table) => [index("same_name").on(table.id)])
      const second = pgTable("ss_second", { id: integer() }, (table) => [index("same_name").on(table.id)])
      const printed: Array<unknown> = []
      const log = console.log
      console.log = (...args: Array<unknown>) => printed.push(args)
      const error = yield* Effect.flip(storageSchemaSnapshot([first, second])).pipe(
        Effect.ensuring(Effect.sync(() => (console.log = log)))
      )
      assert.strictEqual(error._tag, "SchemaSnapshotError")
      assert.include(error.message, "same_name")
      assert.deepStrictEqual(printed, [])
      assert.strictEqual(console.log, log, "console.log is restored")
    }))

  it.effect("keeps overlapping calls apart, a refused one beside accepted ones, touching no global", () =>
    Effect.gen(function*() {
      const refused = [
        pgTable("ov_first", { id: integer() }, (table) => [index("ov_same").on(table.id)]),
        pgTable("ov_second", { id: integer() }, (table) => [index("ov_same").on(table.id)])
      ]
      const accepted = [Account, pgTable("ov_other", { id: integer() }, (table) => [index("ov_other_id").on(table.id)])]
      const exit = process.exit
      const log = console.log
      const printed: Array<unknown> = []
      const collect = (...args: Array<unknown>) => printed.push(args)
      console.log = collect
      const calls = [refused, accepted, refused, accepted].map((tables) => Effect.result(storageSchemaSnapshot(tables)))
      const [results, logDuring] = yield* Effect.all(calls, { concurrency: "unbounded" }).pipe(
        Effect.map((results) => [results, console.log] as const),
        Effect.ensuring(Effect.sync(() => (console.log = log)))
      )
      assert.strictEqual(logDuring, collect, "console.log was left alone")
      assert.strictEqual(process.exit, exit, "process.exit was left alone")
      assert.deepStrictEqual(printed, [])
      for (const [index, result] of results.entries()) {
        if (index % 2 === 0) {
          assert.isTrue(Result.isFailure(result))
          if (Result.isFailure(result)) {
            assert.strictEqual(result.failure._tag, "SchemaSnapshotError")
            assert.include(result.failure.message, "There's a duplicate index name 'ov_same'")
          }
        } else {
          assert.isTrue(Result.isSuccess(result))
          if (Result.isSuccess(result)) {
            const names = result.success.ddl.filter((entity) => entity.entityType === "tables").map((entity) => entity.name)
            assert.deepStrictEqual(names, ["sdk_examples__account", "ov_other"])
          }
        }
      }
    }))
})
