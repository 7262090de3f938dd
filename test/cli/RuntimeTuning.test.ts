/**
 * The V8 flags the command line sets on Node before it loads anything (src/cli/RuntimeTuning.ts): what it
 * sets by default, and what it leaves to the user.
 */
import { assert, describe, it } from "@effect/vitest"
import { HEAP_GROWING_PERCENT, v8FlagsFor } from "../../src/cli/RuntimeTuning.ts"

describe("the command line's V8 flags", () => {
  it("keep PGlite's WebAssembly on the baseline compiler and the old generation's growth bounded by default", () => {
    assert.deepStrictEqual(v8FlagsFor([], {}), [
      "--no-wasm-tier-up",
      "--no-wasm-dynamic-tiering",
      `--heap-growing-percent=${HEAP_GROWING_PERCENT}`
    ])
  })

  it("leave V8's WebAssembly tiering alone under METATABLES_WASM_OPTIMIZE=1", () => {
    assert.deepStrictEqual(v8FlagsFor([], { METATABLES_WASM_OPTIMIZE: "1" }), [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`])
    assert.include(v8FlagsFor([], { METATABLES_WASM_OPTIMIZE: "0" }), "--no-wasm-tier-up")
  })

  it("leave the heap's growth to a value given on Node's command line, in either spelling", () => {
    for (const given of ["--heap-growing-percent=80", "--heap_growing_percent=80", "--heap-growing-percent"]) {
      assert.deepStrictEqual(v8FlagsFor(["--expose-gc", given], {}), ["--no-wasm-tier-up", "--no-wasm-dynamic-tiering"])
    }
    // A flag that merely starts alike is another flag.
    assert.include(v8FlagsFor(["--heap-growing-percentage=80"], {}), `--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  })
})
