/**
 * Hash namespaces: explicit per node, else ambient; inherited by the dependencies a node builds; conflicting
 * explicit values and blank names refused.
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

  it.effect("refuses blank names, explicit or ambient", () =>
    Effect.gen(function*() {
      const explicit = yield* Effect.flip(resolveHashNamespace(" "))
      assert.strictEqual(
        explicit.message,
        'A hash namespace must be a non-empty name (found " "); leave it unset for no namespace.'
      )
      const ambient = yield* Effect.flip(resolveHashNamespace().pipe(Effect.provideService(CurrentHashNamespace, "")))
      assert.strictEqual(ambient.reason, "blank")
      assert.strictEqual((yield* Effect.flip(Effect.void.pipe(withHashNamespace("")))).reason, "blank")
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
