/**
 * Platform-managed tables are registered by the migration lifecycle only.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { CurrentMigrationRegistration, registerMetaTable, type StorageBinding } from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { Prices } from "../../storage/Prices.ts"

const binding: StorageBinding = {
  uid: "0b9c1f3e-2d4a-4b6c-8e0f-1a2b3c4d5e6f",
  identifier: "sdk_examples.account",
  namespace: "sdk-examples",
  dataSourceUid: "default",
  schema: "public",
  tableName: "sdk_examples__account",
  status: "reserved"
}

describe("registerMetaTable", () => {
  it.effect("refuses outside the migration lifecycle and says to run the upgrade", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(registerMetaTable(Account))
      assert.strictEqual(error._tag, "MigrationManagedTableError")
      assert.strictEqual(
        error.message,
        'Platform-managed MetaTable "sdk_examples.account" (public.sdk_examples__account) is migration-managed ' +
          "and cannot be registered directly. Run `metatables migrations upgrade`."
      )
    }))

  it.effect("returns the lifecycle's binding inside it", () =>
    Effect.gen(function*() {
      const registered = yield* registerMetaTable(Account).pipe(
        Effect.provideService(CurrentMigrationRegistration, {
          providerKey: "sdk_examples:sdk-examples",
          bindings: new Map([["public.sdk_examples__account", binding]])
        })
      )
      assert.deepStrictEqual(registered, binding)
    }))

  it.effect("refuses a table outside the running provider's scope, naming the provider", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(registerMetaTable(Prices).pipe(
        Effect.provideService(CurrentMigrationRegistration, {
          providerKey: "sdk_examples:sdk-examples",
          bindings: new Map([["public.sdk_examples__account", binding]])
        })
      ))
      assert.include(error.message, "not in the scope of the migration provider sdk_examples:sdk-examples")
    }))
})
