/**
 * The text family through row validation: lengths counted in code points, char without a length holding
 * one, no U+0000 and no lone surrogates. Moved from RowValidation.test.ts, assertions unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  columnCases,
  refusal
} from "../fixtures/RowValidationFixtures.ts"

describe("strings", () => {
  describe("varchar(3): at most 3 characters, counted in code points", () => {
    columnCases("code", {
      takes: [
        ["abc", "abc"],
        ["", ""],
        ["ééé", "ééé"],
        ["😀😀😀", "😀😀😀"],
        ["\"'\\", "\"'\\"]
      ],
      refuses: [
        ["abcd", "too-long"],
        ["😀😀😀😀", "too-long"],
        ["a\u0000", "invalid-value"],
        ["\ud800", "invalid-value"],
        ["\udc00a", "invalid-value"],
        ["a\ud83d", "invalid-value"],
        [5, "wrong-type"],
        [["a"], "wrong-type"]
      ]
    })

    it("says how long the string is, in characters", () => {
      const error = refusal("code", "😀😀😀😀")
      assert.strictEqual(error.found, "\"😀😀😀😀\" (a string of 4 characters)")
      assert.strictEqual(error.expected, "a string of at most 3 characters")
    })

    it("explains U+0000 and lone surrogates", () => {
      assert.strictEqual(refusal("code", "a\u0000").hint, "PostgreSQL text cannot hold U+0000")
      assert.strictEqual(refusal("code", "\ud800").hint, "a lone surrogate cannot be stored as UTF-8")
    })
  })

  describe("char without a length: char(1) to PostgreSQL", () => {
    columnCases("letter", {
      takes: [["a", "a"], ["é", "é"]],
      refuses: [["ab", "too-long"]]
    })
  })

  describe("char(4)", () => {
    columnCases("padded", {
      takes: [["ab", "ab"], ["abcd", "abcd"]],
      refuses: [["abcde", "too-long"]]
    })
  })

  describe("text", () => {
    columnCases("note", {
      takes: [["x".repeat(100_000), "x".repeat(100_000)], ["😀", "😀"], ["NULL", "NULL"]],
      refuses: [["\u0000", "invalid-value"], ["\udfff", "invalid-value"], [Symbol("s"), "wrong-type"]]
    })
  })
})
