/**
 * The integer family through row validation: int16 and int32 in range from numbers or bigints, int64 from
 * safe numbers, bigints and decimal strings. Moved from RowValidation.test.ts, assertions unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { entityKeyOf } from "../../../src/index.ts"
import {
  columnCases,
  encoded,
  positions,
  refusal
} from "../fixtures/RowValidationFixtures.ts"

describe("integers", () => {
  describe("int16 (smallint)", () => {
    columnCases("int16", {
      takes: [[32767, "32767"], [-32768, "-32768"], [-0, "0"], [7n, "7"], [-32768n, "-32768"]],
      refuses: [
        [32768, "out-of-range"],
        [-32769, "out-of-range"],
        [32768n, "out-of-range"],
        [1.5, "invalid-value"],
        [Number.NaN, "invalid-value"],
        ["7", "wrong-type"],
        [true, "wrong-type"]
      ]
    })
  })

  describe("int32 (integer)", () => {
    columnCases("int32", {
      takes: [[2147483647, "2147483647"], [-2147483648, "-2147483648"], [2147483647n, "2147483647"]],
      refuses: [
        [2147483648, "out-of-range"],
        [-2147483649n, "out-of-range"],
        [0.5, "invalid-value"],
        [Number.POSITIVE_INFINITY, "invalid-value"],
        ["1", "wrong-type"]
      ]
    })
  })

  describe("int64 (bigint): safe numbers, bigints and decimal strings", () => {
    columnCases("int64", {
      takes: [
        [Number.MAX_SAFE_INTEGER, "9007199254740991"],
        [Number.MIN_SAFE_INTEGER, "-9007199254740991"],
        [9223372036854775807n, "9223372036854775807"],
        [-9223372036854775808n, "-9223372036854775808"],
        ["9223372036854775807", "9223372036854775807"],
        ["-9223372036854775808", "-9223372036854775808"],
        ["+0042", "42"],
        ["-0", "0"],
        ["0000000000000000000000001", "1"]
      ],
      refuses: [
        [2 ** 53, "out-of-range"],
        [9223372036854775808n, "out-of-range"],
        [-9223372036854775809n, "out-of-range"],
        ["9223372036854775808", "out-of-range"],
        ["-9223372036854775809", "out-of-range"],
        ["100000000000000000000", "out-of-range"],
        [1.5, "invalid-value"],
        ["1.5", "invalid-value"],
        ["1e3", "invalid-value"],
        ["0x10", "invalid-value"],
        [" 1", "invalid-value"],
        ["", "invalid-value"],
        [Number.NaN, "invalid-value"],
        [true, "wrong-type"]
      ]
    })

    it("says an unsafe number has lost digits already", () => {
      assert.include(refusal("int64", 2 ** 53).hint, "give a bigint or a decimal string")
    })
  })
})

describe("properties", () => {
  it.prop(
    "an int64 bigint is written as its decimal text, and keys an entity like the same number or text",
    { value: Schema.BigInt.check(Schema.isBetweenBigInt({ minimum: -(2n ** 63n), maximum: 2n ** 63n - 1n })) },
    ({ value }) => {
      assert.strictEqual(encoded("int64", value), value.toString())
      const shape = positions
      const entity = { account: 1, book: value, asset: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", live: true, weight: "0" }
      const key = Result.getOrThrow(entityKeyOf(shape, entity))
      assert.strictEqual(Result.getOrThrow(entityKeyOf(shape, { ...entity, book: value.toString() })), key)
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
        assert.strictEqual(Result.getOrThrow(entityKeyOf(shape, { ...entity, book: Number(value) })), key)
      }
    }
  )
})
