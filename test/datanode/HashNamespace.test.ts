/**
 * Hash namespaces: explicit per node, else ambient; inherited by the dependencies a node builds; conflicting
 * explicit values refused, blank names taken for none (as the SDK takes them).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import {
  computeUpdateHash,
  CurrentHashNamespace,
  DataNodeConfiguration,
  HashNamespaceError,
  inheritHashNamespace,
  resolveHashNamespace,
  withHashNamespace
} from "../../src/index.ts"

class Scope extends DataNodeConfiguration<Scope>("Scope")({
  scope: Schema.String.annotate({ description: "Upstream scope." })
}) {}

describe("resolveHashNamespace", () => {
  it.effect("is the explicit value, else the ambient one, else none", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* resolveHashNamespace())
      assert.isUndefined(yield* resolveHashNamespace(undefined))
      assert.strictEqual(yield* resolveHashNamespace("node").pipe(withHashNamespace("ambient")), "node")
      assert.strictEqual(yield* resolveHashNamespace(undefined).pipe(withHashNamespace("ambient")), "ambient")
      assert.strictEqual(yield* resolveHashNamespace("same", undefined, "same"), "same")
    }))

  it.effect("trims names, as the SDK does", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* resolveHashNamespace(" same", "same\t"), "same")
      assert.strictEqual(yield* resolveHashNamespace().pipe(withHashNamespace(" ambient ")), "ambient")
      assert.strictEqual(yield* CurrentHashNamespace.pipe(withHashNamespace("a"), withHashNamespace(" a ")), "a")
      assert.strictEqual(
        yield* resolveHashNamespace().pipe(Effect.provideService(CurrentHashNamespace, " direct ")),
        "direct"
      )
    }))

  it.effect("refuses two different explicit values", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(resolveHashNamespace("a", "b"))
      assert.instanceOf(error, HashNamespaceError)
      assert.strictEqual(
        error.message,
        'Conflicting hash namespaces "a" and "b": set a hash namespace explicitly in one place (on the node, or ' +
          "one withHashNamespace around the run)."
      )
    }))

  it.effect("takes a blank name for none, explicit or ambient, as the SDK adds only a non-empty one", () =>
    Effect.gen(function*() {
      assert.isUndefined(yield* resolveHashNamespace(" "))
      assert.isUndefined(yield* resolveHashNamespace("", undefined))
      assert.strictEqual(yield* resolveHashNamespace(" ", "a"), "a")
      assert.strictEqual(yield* resolveHashNamespace("").pipe(withHashNamespace(" b ")), "b")
      assert.isUndefined(yield* resolveHashNamespace().pipe(Effect.provideService(CurrentHashNamespace, " ")))
      assert.isUndefined(yield* resolveHashNamespace().pipe(withHashNamespace("")))
      const nested = yield* Effect.flip(CurrentHashNamespace.pipe(withHashNamespace(""), withHashNamespace("a")))
      assert.deepStrictEqual(nested.values, ["a", ""])
    }))

  it.effect("gives a node with a blank namespace the update hash of one without", () =>
    Effect.gen(function*() {
      const plain = yield* computeUpdateHash({ kind: "ScopeNode", configuration: new Scope({ scope: "x" }) })
      const blank = yield* computeUpdateHash({ kind: "ScopeNode", configuration: new Scope({ scope: "x" }), hashNamespace: "  " })
      assert.strictEqual(blank, plain)
      const other = yield* computeUpdateHash({ kind: "ScopeNode", configuration: new Scope({ scope: "x" }), hashNamespace: "b" })
      assert.notStrictEqual(other, plain)
    }))
})

describe("withHashNamespace", () => {
  it.effect("sets the ambient namespace, and refuses a different one inside it", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* CurrentHashNamespace.pipe(withHashNamespace("a"), withHashNamespace("a")), "a")
      const error = yield* Effect.flip(CurrentHashNamespace.pipe(withHashNamespace("b"), withHashNamespace("a")))
      assert.deepStrictEqual(error.values, ["a", "b"])
    }))
})

describe("inheritHashNamespace", () => {
  it.effect("gives the dependencies a node builds the namespace it resolved", () =>
    Effect.gen(function*() {
      const dependency = computeUpdateHash({ kind: "ScopeNode", configuration: new Scope({ scope: "upstream" }) })
      // The parent sets its namespace explicitly; the ambient one differs and must not reach the dependency.
      const parentNamespace = yield* resolveHashNamespace("parent").pipe(withHashNamespace("ambient"))
      const inherited = yield* dependency.pipe(inheritHashNamespace(parentNamespace), withHashNamespace("ambient"))
      const explicit = yield* computeUpdateHash({
        kind: "ScopeNode",
        configuration: new Scope({ scope: "upstream" }),
        hashNamespace: "parent"
      })
      assert.strictEqual(inherited, explicit)
      assert.notStrictEqual(inherited, yield* dependency)
      assert.notStrictEqual(inherited, yield* dependency.pipe(withHashNamespace("ambient")))
    }))
})
