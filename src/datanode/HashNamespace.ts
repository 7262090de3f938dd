/**
 * Hash namespaces: a name mixed into update hashes so that the same nodes can run side by side under
 * separate identities (a test run, a branch). A node's own explicit namespace wins; otherwise the ambient one
 * applies, and a running node passes its namespace on to the dependencies it builds. A namespace separates
 * update identities only: storage identity is the bound table's catalog uid, never the namespace. Names are
 * trimmed, as the Python SDK trims them, so `" backtest "` and `"backtest"` are one namespace, and a blank
 * one means none, as the SDK adds only a non-empty namespace to the hash.
 *
 * ```ts
 * program.pipe(withHashNamespace("backtest-2024"))
 * ```
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { isBlank } from "../storage/internal/isBlank.ts"
import { HashNamespaceError } from "./HashNamespaceError.ts"

/** The ambient hash namespace, `undefined` for none. */
export const CurrentHashNamespace = Context.Reference<string | undefined>("metatables/datanode/CurrentHashNamespace", {
  defaultValue: () => undefined
})

/** A namespace as given: trimmed, and `undefined` (none) when blank. */
const normalize = (namespace: string | undefined): string | undefined =>
  namespace === undefined || isBlank(namespace) ? undefined : namespace.trim()

/**
 * Runs `effect` with `namespace` as the ambient hash namespace (a blank one: none). Nesting it inside a
 * different namespace is a conflict, not an override: the outer scope asked for its namespace explicitly too.
 */
export const withHashNamespace = (namespace: string) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | HashNamespaceError, R> =>
  Effect.gen(function*() {
    const requested = normalize(namespace)
    const current = normalize(yield* CurrentHashNamespace)
    if (current !== undefined && current !== requested) {
      return yield* new HashNamespaceError({ reason: "conflict", values: [current, requested ?? ""] })
    }
    return yield* Effect.provideService(effect, CurrentHashNamespace, requested)
  })

/**
 * Runs `effect` (a node's dependencies being built or run) under the namespace its parent node resolved,
 * replacing the ambient one: dependencies inherit their parent's namespace, explicit or not.
 */
export const inheritHashNamespace = (namespace: string | undefined) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, CurrentHashNamespace, namespace)

/**
 * A node's hash namespace: its explicit value (given in one or more places, which must agree; a blank one
 * is not a value), else the ambient one, else none. Untraced: it compares strings and reads the context, for every node of a graph
 * walk, inside the span of the step that asks (computing a node's identity).
 */
export const resolveHashNamespace = Effect.fnUntraced(function*(
  ...explicit: ReadonlyArray<string | undefined>
): Effect.fn.Return<string | undefined, HashNamespaceError> {
  const given = explicit.map(normalize).filter((namespace): namespace is string => namespace !== undefined)
  const distinct = [...new Set(given)]
  if (distinct.length > 1) return yield* new HashNamespaceError({ reason: "conflict", values: distinct })
  if (distinct[0] !== undefined) return distinct[0]
  return normalize(yield* CurrentHashNamespace)
})
