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

/** A revision of a richer history: its parents, what it depends on, and the branch labels it declares. */
export interface HistoryEntry {
  readonly parents: ReadonlyArray<string>
  readonly dependsOn?: ReadonlyArray<string>
  readonly labels?: ReadonlyArray<string>
}

/** Revisions from `{ id: parents | entry }`, each from `versions/<id>.ts`. */
export const nodesOf = (
  entries: Readonly<Record<string, ReadonlyArray<string> | HistoryEntry>>
): Array<RevisionNode> =>
  Object.entries(entries).map(([id, entry]) => {
    const { dependsOn, labels, parents } = Array.isArray(entry)
      ? { parents: entry as ReadonlyArray<string>, dependsOn: undefined, labels: undefined }
      : entry as HistoryEntry
    return { id, parents, dependsOn, branchLabels: labels, source: `versions/${id}.ts` }
  })

export const historyOf = (entries: Readonly<Record<string, ReadonlyArray<string> | HistoryEntry>>): RevisionGraph =>
  Result.getOrThrow(RevisionGraph.make(nodesOf(entries)))

/**
 * Two independent histories; `n2` needs `a2` applied first without merging into it:
 * ```
 *   a1 - a2            (accounts)
 *          \ (depends)
 *   n1 ---- n2         (networking)
 * ```
 * `a2` is an effective head: once `n2` is applied, the version table records `n2` alone.
 */
export const dependent: Record<string, HistoryEntry> = {
  a1: { parents: [], labels: ["accounts"] },
  a2: { parents: ["a1"] },
  n1: { parents: [], labels: ["networking"] },
  n2: { parents: ["n1"], dependsOn: ["a2"] }
}

/**
 * The history of Alembic's branches documentation: a branch point with a labelled branch, and a second
 * labelled base whose last revision depends on the other history.
 * ```
 *            27c6 - d747                 (shoppingcart)
 *           /
 *   1975 --<
 *           \
 *            ae10 - 55af
 *                     \ (depends)
 *   3cac - 109e - 29f8 - 2a95            (networking)
 * ```
 */
export const alembicBranches: Record<string, HistoryEntry> = {
  "1975": { parents: [] },
  ae10: { parents: ["1975"] },
  "27c6": { parents: ["1975"], labels: ["shoppingcart"] },
  d747: { parents: ["27c6"] },
  "55af": { parents: ["ae10"] },
  "3cac": { parents: [], labels: ["networking"] },
  "109e": { parents: ["3cac"] },
  "29f8": { parents: ["109e"] },
  "2a95": { parents: ["29f8"], dependsOn: ["55af"] }
}
