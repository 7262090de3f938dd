/**
 * Canonical JSON: one rendering per value (RFC 8785 key order and number form), and a precise refusal of
 * anything JSON cannot represent exactly.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import { canonicalJson } from "../../src/index.ts"

const render = (value: unknown) => Result.getOrThrow(canonicalJson(value))

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops whitespace", () => {
    assert.strictEqual(render({ b: 1, a: { d: [3, { z: null, y: true }], c: "x" } }), '{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}')
  })

  it("orders keys by UTF-16 code units (the example of RFC 8785 section 3.2.3)", () => {
    const value = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }
    assert.strictEqual(
      render(value),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
  })

  it("gives each number its one shortest form", () => {
    assert.strictEqual(render([1.0, -0, 1e21, 1e-7, 0.1 + 0.2, 100, 4.5e-324]), "[1,0,1e+21,1e-7,0.30000000000000004,100,5e-324]")
  })

  it("is the same for equal values built in different orders", () => {
    assert.strictEqual(render({ x: 1, y: [1, 2] }), render({ y: [1, 2], x: 1 }))
  })

  it.each([
    [{ a: [1, Number.NaN] }, "$.a[1]", "NaN"],
    [{ a: { "b c": Number.POSITIVE_INFINITY } }, '$.a["b c"]', "Infinity"],
    [{ when: new Date(0) }, "$.when", "a Date"],
    [{ big: 1n }, "$.big", "the bigint 1n"],
    [{ nothing: undefined }, "$.nothing", "undefined"],
    [[new Map()], "$[0]", "an instance of Map"]
  ])("refuses %o at %s", (value, path, found) => {
    const result = canonicalJson(value)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure.path, path)
      assert.strictEqual(result.failure.found, found)
      assert.include(result.failure.message, path)
    }
  })
})
