/**
 * The numeric family through row validation: rounded half away from zero to the declared scale, checked
 * against the precision, plain notation with the display scale of an unconstrained numeric kept, within what
 * PostgreSQL reads. Moved from RowValidation.test.ts, assertions unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  columnCases,
  refusal
} from "../fixtures/RowValidationFixtures.ts"

describe("numeric", () => {
  describe("numeric(6, 2): rounded half away from zero to the scale, precision checked", () => {
    columnCases("amount", {
      takes: [
        ["12.345", "12.35"],
        ["-12.345", "-12.35"],
        ["12.344", "12.34"],
        ["12", "12.00"],
        [12.5, "12.50"],
        [1.005, "1.01"],
        [5n, "5.00"],
        ["1e3", "1000.00"],
        ["1.5E-1", "0.15"],
        ["9999.994", "9999.99"],
        ["-9999.99", "-9999.99"],
        ["0.004", "0.00"],
        ["-0.004", "0.00"],
        ["0.005", "0.01"],
        ["0.0005", "0.00"],
        ["-0", "0.00"],
        [".5", "0.50"],
        ["5.", "5.00"],
        ["+7", "7.00"],
        ["0009.50", "9.50"],
        ["1e-16383", "0.00"]
      ],
      refuses: [
        ["9999.995", "out-of-range"],
        // PostgreSQL reads the text as an unconstrained numeric first, and refuses these before rounding.
        ["1e-16384", "out-of-range"],
        ["0.5e-16383", "out-of-range"],
        ["10000", "out-of-range"],
        [-10000n, "out-of-range"],
        ["1e4", "out-of-range"],
        ["abc", "invalid-value"],
        ["", "invalid-value"],
        [".", "invalid-value"],
        ["1e", "invalid-value"],
        ["1,5", "invalid-value"],
        ["NaN", "invalid-value"],
        ["Infinity", "invalid-value"],
        [Number.NaN, "invalid-value"],
        [Number.NEGATIVE_INFINITY, "invalid-value"],
        [true, "wrong-type"]
      ]
    })

    it("says how many integer digits fit", () => {
      assert.strictEqual(
        refusal("amount", "10000").expected,
        "a number with at most 4 digits before the decimal point (numeric(6, 2))"
      )
    })
  })

  describe("numeric(4): scale 0", () => {
    columnCases("whole", {
      takes: [["12.5", "13"], ["-12.5", "-13"], ["12.49", "12"], ["9999.4", "9999"], [0.5, "1"]],
      refuses: [["9999.5", "out-of-range"], [99999, "out-of-range"]]
    })
  })

  describe("numeric(5, -2): rounded to hundreds", () => {
    columnCases("hundreds", {
      takes: [["1249", "1200"], ["1250", "1300"], ["-1250", "-1300"], ["49", "0"], ["9999949.99", "9999900"]],
      refuses: [["9999950", "out-of-range"]]
    })
  })

  describe("numeric(3, 5): smaller than 0.01", () => {
    columnCases("tiny", {
      takes: [["0.00999", "0.00999"], ["0.000001", "0.00000"], ["-0.009994", "-0.00999"]],
      refuses: [["0.01", "out-of-range"], ["0.009995", "out-of-range"]]
    })

    it("says the bound", () => {
      assert.strictEqual(refusal("tiny", "0.01").expected, "a number smaller than 1e-2 in magnitude (numeric(3, 5))")
    })
  })

  describe("unconstrained: plain notation, display scale kept", () => {
    columnCases("ratio", {
      takes: [
        ["12.50", "12.50"],
        ["-0.00", "0.00"],
        ["1e3", "1000"],
        ["1.5e-3", "0.0015"],
        ["-1.50E+2", "-150"],
        ["1.500e1", "15.00"],
        [1e21, "1000000000000000000000"],
        [1e-7, "0.0000001"],
        [0.1 + 0.2, "0.30000000000000004"],
        [123456789012345678901234567890n, "123456789012345678901234567890"],
        ["0." + "0".repeat(16382) + "1", "0." + "0".repeat(16382) + "1"],
        ["1e131071", "1" + "0".repeat(131071)],
        ["0e999999999", "0"],
        ["0e+0000000000001", "0"]
      ],
      refuses: [
        ["1" + "0".repeat(131072), "out-of-range"],
        ["1e131072", "out-of-range"],
        ["0." + "0".repeat(16383) + "1", "out-of-range"],
        // PostgreSQL keeps a zero's display scale too, and refuses it past 16383 digits.
        ["0e-20000", "out-of-range"],
        ["1e1234567890", "out-of-range"],
        ["0e1073741824", "out-of-range"],
        ["NaN", "invalid-value"]
      ]
    })
  })
})
