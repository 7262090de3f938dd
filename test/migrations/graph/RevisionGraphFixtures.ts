/**
 * Revision histories built in memory for the graph tests, drawn beside each one, and helpers to unwrap results.
 */
import { assert } from "@effect/vitest"
import * as Result from "effect/Result"
import { RevisionGraph, type RevisionNode } from "../../../src/migrations/graph/RevisionGraph.ts"
import type { RevisionGraphError, RevisionGraphErrorReason } from "../../../src/migrations/graph/RevisionGraphError.ts"

/** Revisions from `{ id: parents }`, each from `versions/<id>.ts`. */
export const revisionsOf = (parents: Readonly<Record<string, ReadonlyArray<string>>>): Array<RevisionNode> =>
  Object.entries(parents).map(([id, list]) => ({ id, parents: list, source: `versions/${id}.ts` }))

export const graphOf = (parents: Readonly<Record<string, ReadonlyArray<string>>>): RevisionGraph =>
  Result.getOrThrow(RevisionGraph.make(revisionsOf(parents)))

/** The success, failing the test with the error's message otherwise. */
export const success = <A, E extends { readonly message: string }>(result: Result.Result<A, E>): A =>
  Result.isSuccess(result) ? result.success : assert.fail(`expected a success, got: ${result.failure.message}`)

/** The failure, failing the test if there is none. */
export const failure = <A, E>(result: Result.Result<A, E>): E =>
  Result.isFailure(result) ? result.failure : assert.fail(`expected a failure, got: ${JSON.stringify(result.success)}`)

/** The error's tag and its reason's, to assert both at once. */
export const tagsOf = (error: RevisionGraphError): readonly [string, string] => [error._tag, error.reason._tag]

/** The error's reason, failing the test unless it is tagged `tag`. */
export const reasonOf = <const T extends RevisionGraphErrorReason["_tag"]>(
  error: RevisionGraphError,
  tag: T
): Extract<RevisionGraphErrorReason, { readonly _tag: T }> =>
  error.reason._tag === tag
    ? error.reason as Extract<RevisionGraphErrorReason, { readonly _tag: T }>
    : assert.fail(`expected a ${tag} reason, got ${error.reason._tag}: ${error.message}`)

/** a - b - c - d */
export const linear = { a: [], b: ["a"], c: ["b"], d: ["c"] }

/**
 * ```
 *     b1 - b2
 *    /
 *   a
 *    \
 *     c1
 * ```
 */
export const branched = { a: [], b1: ["a"], b2: ["b1"], c1: ["a"] }

/**
 * ```
 *     b1 - b2
 *    /        \
 *   a          m - n
 *    \        /
 *     c1 ----
 * ```
 */
export const merged = { a: [], b1: ["a"], b2: ["b1"], c1: ["a"], m: ["b2", "c1"], n: ["m"] }

/**
 * ```
 *     b
 *    / \
 *   a   d - e
 *    \ /
 *     c
 * ```
 */
export const diamond = { a: [], b: ["a"], c: ["a"], d: ["b", "c"], e: ["d"] }

/** x1 - x2 and, independently, y1 - y2: two bases, two heads. */
export const twoHistories = { x1: [], x2: ["x1"], y1: [], y2: ["y1"] }
