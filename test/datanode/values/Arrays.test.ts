/**
 * The array family through row validation: nested to the declared dimensions, rectangular, elements the
 * element type takes or null, written as an array literal. Moved from RowValidation.test.ts, assertions
 * unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  columnCases,
  refusal
} from "../fixtures/RowValidationFixtures.ts"

describe("arrays: nested to the declared dimensions, rectangular, elements or null", () => {
  columnCases("tags", {
    takes: [
      [["a", null, "b \"q\" \\"], "{\"a\",NULL,\"b \\\"q\\\" \\\\\"}"],
      [[], "{}"],
      [["NULL", ""], "{\"NULL\",\"\"}"],
      [[null], "{NULL}"]
    ],
    refuses: [
      ["a", "wrong-type"],
      [[1], "wrong-type"],
      [[undefined], "invalid-value"],
      [["a\u0000"], "invalid-value"],
      [[["a"]], "wrong-type"]
    ]
  })

  columnCases("codes", { takes: [[["ab", "c"], "{\"ab\",\"c\"}"]], refuses: [[["ab", "abc"], "too-long"]] })

  columnCases("grid", {
    takes: [
      [[[1, 2], [3, 4]], "{{\"1\",\"2\"},{\"3\",\"4\"}}"],
      [[[1, null]], "{{\"1\",NULL}}"],
      [[], "{}"]
    ],
    refuses: [
      [[[1, 2], [3]], "invalid-value"],
      [[[]], "invalid-value"],
      [[1, 2], "wrong-type"],
      [[[1], 2], "wrong-type"],
      [[[1], [2.5]], "invalid-value"],
      [[[1], [2 ** 31]], "out-of-range"],
      [[["1"]], "wrong-type"]
    ]
  })

  it("says where the bad element is and what each element must be", () => {
    const error = refusal("grid", [[1], [2 ** 31]])
    assert.strictEqual(error.found, "2147483648 (a number) at [1][0]")
    assert.include(error.hint, "each element must be an integer from -2147483648 to 2147483647")
    assert.strictEqual(refusal("codes", ["ab", "abc"]).found, "\"abc\" (a string of 3 characters) at [1]")
    assert.strictEqual(refusal("grid", [[1, 2], [3]]).hint, "a PostgreSQL array must be rectangular")
    assert.strictEqual(refusal("grid", [[1, 2], [3]]).found, "sub-arrays of 2 and 1 items")
  })
})
