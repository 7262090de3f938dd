/**
 * Storage references: which tables a field may hold, their encoding by catalog identifier, the declarations
 * refused, and the bindings they add to the update hash's requirements.
 */
import { assert, describe, it } from "@effect/vitest"
import { expectTypeOf } from "vitest"
import type * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import {
  computeUpdateHash,
  ConfigurationDefinitionError,
  type ConfigurationStorage,
  DataNodeConfiguration,
  StorageReference,
  type UpdateHashError
} from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { Prices } from "../../storage/Prices.ts"
import { Leg, type SpreadConfig } from "./fixtures/SpreadConfig.ts"

const reference = StorageReference(DailyMetrics, Prices)

describe("StorageReference", () => {
  it("holds one of its tables, encoded as the table's catalog identifier", () => {
    assert.strictEqual(Schema.decodeUnknownSync(reference)("sdk_examples.prices"), Prices)
    assert.strictEqual(Schema.encodeSync(reference)(DailyMetrics), "sdk_examples.daily_metrics")
    assert.isTrue(Schema.is(reference)(Prices))
    assert.isFalse(Schema.is(reference)(Account))
    assert.isFalse(Schema.is(reference)("sdk_examples.prices"))
  })

  it("refuses other tables and names the ones it accepts", () => {
    const result = Schema.decodeUnknownResult(reference)("sdk_examples.account")
    assert.isTrue(Result.isFailure(result))
    const constructed = Schema.decodeUnknownResult(Schema.toType(reference))(Account)
    assert.isTrue(Result.isFailure(constructed))
    if (Result.isFailure(constructed)) {
      assert.include(constructed.failure.message, 'one of the storage tables "sdk_examples.daily_metrics", "sdk_examples.prices"')
    }
  })

  it("refuses declarations without tables, with values that are not tables, or with repeated identifiers", () => {
    const problem = (declare: () => unknown): string => {
      const result = Result.try(declare)
      if (Result.isSuccess(result)) return assert.fail("accepted")
      assert.instanceOf(result.failure, ConfigurationDefinitionError)
      return (result.failure as ConfigurationDefinitionError).problems.map((p) => p.found).join("; ")
    }
    assert.include(problem(() => StorageReference()), "name at least one storage table")
    assert.include(problem(() => StorageReference(Prices, "sdk_examples.prices" as never)), "found string")
    assert.include(problem(() => StorageReference(Leg as never)), "found a function")
    assert.include(problem(() => StorageReference(Prices, Prices)), "must be unique: sdk_examples.prices")
  })

  it("makes the referenced tables' bindings the requirements of the update hash", () => {
    class Single extends DataNodeConfiguration<Single>("Single")({
      base: StorageReference(Prices).annotate({ description: "Prices read." }),
      optional: Schema.optionalKey(StorageReference(Account).annotate({ description: "Accounts read." }))
    }) {}
    class Plain extends DataNodeConfiguration<Plain>("Plain")({
      scope: Schema.String.annotate({ description: "Scope." })
    }) {}
    expectTypeOf<ConfigurationStorage<SpreadConfig>>().toEqualTypeOf<DailyMetrics | Prices>()
    expectTypeOf<ConfigurationStorage<Single>>().toEqualTypeOf<Prices | Account>()
    expectTypeOf<ConfigurationStorage<Plain>>().toEqualTypeOf<never>()
    expectTypeOf(computeUpdateHash({ kind: "PlainNode", configuration: new Plain({ scope: "x" }) }))
      .toEqualTypeOf<Effect.Effect<string, UpdateHashError, never>>()
  })
})
