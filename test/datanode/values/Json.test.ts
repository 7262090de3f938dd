/**
 * The JSON family through row validation: JSON values that come back the same, with where inside a value
 * the problem is; jsonb's stricter strings. Moved from RowValidation.test.ts, assertions unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  columnCases,
  encoded,
  refusal,
  T1
} from "../fixtures/RowValidationFixtures.ts"

describe("json and jsonb: JSON values that come back the same", () => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic["self"] = cyclic
  const shared = { x: 1 }
  let deep: unknown = 1
  for (let level = 0; level < 1001; level++) deep = [deep]

  columnCases("doc", {
    takes: [
      [{ a: 1, b: [1, "x", null, true], c: { d: -2.5 } }, "{\"a\":1,\"b\":[1,\"x\",null,true],\"c\":{\"d\":-2.5}}"],
      [{ a: 1, gone: undefined }, "{\"a\":1}"],
      [Object.assign(Object.create(null) as object, { a: 1 }), "{\"a\":1}"],
      [[shared, shared], "[{\"x\":1},{\"x\":1}]"],
      ["text", "\"text\""],
      [1.5, "1.5"],
      [false, "false"],
      [[], "[]"],
      [{}, "{}"],
      [[null], "[null]"],
      // json keeps its text: an escaped U+0000 or lone surrogate is a valid json value.
      ["a\u0000", "\"a\\u0000\""],
      ["\ud800", "\"\\ud800\""]
    ],
    refuses: [
      [1n, "wrong-type"],
      [Number.NaN, "invalid-value"],
      [Number.POSITIVE_INFINITY, "invalid-value"],
      [new Date(T1), "wrong-type"],
      [new Map(), "wrong-type"],
      [() => 1, "wrong-type"],
      [Symbol("s"), "wrong-type"],
      [[undefined], "invalid-value"],
      [[1, , 3], "invalid-value"],
      [{ a: 1n }, "invalid-value"],
      [{ a: [Number.NaN] }, "invalid-value"],
      [{ a: new Date(T1) }, "invalid-value"],
      [{ toJSON: () => 1 }, "invalid-value"],
      [cyclic, "invalid-value"],
      [deep, "invalid-value"]
    ]
  })

  it("says where inside the value the problem is, and what it is", () => {
    const error = refusal("doc", { legs: [{ weight: 1 }, { "odd key": [Number.NaN] }] })
    assert.strictEqual(error.reason, "invalid-value")
    assert.strictEqual(error.found, "NaN at $.legs[1][\"odd key\"][0]")
    assert.strictEqual(error.expected, "a JSON value: plain objects, arrays, strings, finite numbers, booleans and null")
    assert.strictEqual(error.hint, "JSON has no NaN or Infinity")
    assert.strictEqual(refusal("doc", { a: { b: 1n } }).found, "a bigint at $.a.b")
    assert.strictEqual(refusal("doc", cyclic).found, "a cycle at $.self")
    assert.strictEqual(refusal("doc", [undefined]).hint, "JSON arrays cannot hold undefined: use null")
    assert.strictEqual(refusal("doc", new Date(T1)).hint, "store instants as strings (date.toISOString())")
  })

  it("stores a top-level null as SQL NULL", () => {
    assert.isNull(encoded("doc", null))
    assert.isNull(encoded("docb", null))
  })

  columnCases("docb", {
    takes: [[{ b: 2, a: 1 }, "{\"b\":2,\"a\":1}"], ["😀", "\"😀\""]],
    refuses: [
      ["a\u0000", "invalid-value"],
      ["\ud800", "invalid-value"],
      [{ a: ["\u0000"] }, "invalid-value"],
      [{ "a\u0000": 1 }, "invalid-value"],
      [{ "\udc00": 1 }, "invalid-value"]
    ]
  })
})
