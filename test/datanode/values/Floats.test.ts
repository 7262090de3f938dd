/**
 * The float family through row validation: float64 takes finite numbers (-0 kept) as text that reads back as
 * the same double; float32 also refuses what a real cannot hold. Moved from RowValidation.test.ts, assertions
 * unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import {
  columnCases,
  encoded,
  refusal
} from "../fixtures/RowValidationFixtures.ts"

describe("float64 (double precision): finite numbers, -0 kept", () => {
  columnCases("float64", {
    takes: [
      [1.5, "1.5"],
      [0, "0"],
      [-0, "-0"],
      [0.07, "0.07"],
      [-12.3, "-12.3"],
      [100, "100"],
      [0.1 + 0.2, "0.30000000000000004"],
      [1e300, "1e+300"],
      [5e-324, "5e-324"],
      [Number.MAX_SAFE_INTEGER, "9007199254740991"]
    ],
    refuses: [
      [Number.NaN, "invalid-value"],
      [Number.POSITIVE_INFINITY, "invalid-value"],
      [Number.NEGATIVE_INFINITY, "invalid-value"],
      ["1.5", "wrong-type"],
      [2n, "wrong-type"],
      [true, "wrong-type"]
    ]
  })

  it("expects a finite number", () => assert.strictEqual(refusal("float64", Number.NaN).expected, "a finite number"))
})

describe("float32 (real): finite and non-zero as a real", () => {
  columnCases("float32", {
    takes: [
      [1.5, "1.5"],
      [-0, "-0"],
      [3.4028234663852886e38, "3.4028234663852886e+38"],
      [1.4e-45, "1.4e-45"]
    ],
    refuses: [
      [3.5e38, "out-of-range"],
      [-3.5e38, "out-of-range"],
      [1e-46, "out-of-range"],
      [Number.NaN, "invalid-value"],
      [Number.POSITIVE_INFINITY, "invalid-value"],
      ["1.5", "wrong-type"]
    ]
  })
})

describe("properties", () => {
  it.prop(
    "a finite float64 is written as text that reads back as the same double",
    { value: Schema.Finite },
    ({ value }) => {
      const text = encoded("float64", value)
      assert.isTrue(Object.is(Number(text), value), `${value} written as ${text}`)
    }
  )
})
