/**
 * Targets as a user types them (`head`, `heads`, `base`, `+N`, `-N`, an id or a unique prefix of one, `ID+N`,
 * `ID-N`), parsed and then resolved against the graph and the database's current heads into the state the
 * history should be in: the heads that state would record.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { compareRevisionIds } from "./RevisionId.ts"
import { headsAfterDowngrade, headsAfterUpgrade, validateCurrentHeads } from "./RevisionHeads.ts"
import {
  AmbiguousPrefix,
  BelowBase,
  BranchesUp,
  MalformedTarget,
  MergeDown,
  MergeNeedsBranch,
  PastHead,
  RevisionGraphError,
  type RevisionGraphErrorReason,
  SeveralCurrentHeads,
  SeveralHeads,
  UnknownRevision
} from "./RevisionGraphError.ts"

/** A target that names one revision or base: what a relative step counts from. */
export type RevisionAnchor =
  | { readonly _tag: "Head" }
  | { readonly _tag: "Base" }
  /** A full id or a prefix of one, resolved against the graph. */
  | { readonly _tag: "Revision"; readonly id: string }

export type RevisionTarget =
  | RevisionAnchor
  | { readonly _tag: "Heads" }
  /** `steps` up (positive) or down (negative) from the database's current state or from an anchor. */
  | { readonly _tag: "Relative"; readonly from: RevisionAnchor | { readonly _tag: "Current" }; readonly steps: number }

/** A target resolved to a state of the history. */
export interface ResolvedRevisionTarget {
  /** The target as typed, for messages. */
  readonly target: string
  /** The heads of the target state, by id; empty for base. */
  readonly revisions: ReadonlyArray<string>
}

const relativePattern = /^(.*?)([+-])([0-9]+)$/u

const fail = (reason: RevisionGraphErrorReason) => Result.fail(new RevisionGraphError({ reason }))

/** The target `text` means, or a `MalformedTarget` error saying what is wrong with it. */
export const parseRevisionTarget = (text: string): Result.Result<RevisionTarget, RevisionGraphError> => {
  const target = text.trim()
  const malformed = (detail: string) => fail(new MalformedTarget({ target, detail }))
  if (target === "") return malformed("it is empty")
  if (target === "head") return Result.succeed({ _tag: "Head" })
  if (target === "heads") return Result.succeed({ _tag: "Heads" })
  if (target === "base") return Result.succeed({ _tag: "Base" })
  const relative = relativePattern.exec(target)
  // Revision ids never contain + or -, so any other use of them is a mistyped relative step.
  if (relative === null) {
    return /[+-]/u.test(target)
      ? malformed("+ and - must be followed by a number")
      : Result.succeed({ _tag: "Revision", id: target })
  }
  const [, anchor = "", sign, digits = ""] = relative
  const count = Number(digits)
  if (count === 0) return malformed("N must be at least 1")
  if (!Number.isSafeInteger(count)) return malformed("N is too large")
  const steps = sign === "-" ? -count : count
  if (anchor === "") return Result.succeed({ _tag: "Relative", from: { _tag: "Current" }, steps })
  if (anchor === "heads") return malformed("heads names several revisions; a relative step needs one")
  if (/[+-]/u.test(anchor)) return malformed("only one relative step is allowed")
  const from: RevisionAnchor = anchor === "head"
    ? { _tag: "Head" }
    : anchor === "base"
    ? { _tag: "Base" }
    : { _tag: "Revision", id: anchor }
  return Result.succeed({ _tag: "Relative", from, steps })
}

/** The text that parses back to `target`. */
export const formatRevisionTarget = (target: RevisionTarget): string => {
  switch (target._tag) {
    case "Head":
      return "head"
    case "Heads":
      return "heads"
    case "Base":
      return "base"
    case "Revision":
      return target.id
    case "Relative": {
      const step = `${target.steps < 0 ? "-" : "+"}${Math.abs(target.steps)}`
      return target.from._tag === "Current" ? step : `${formatRevisionTarget(target.from)}${step}`
    }
  }
}

/**
 * The exact id `id` names: itself when it is an id, else the one id it is a prefix of. An unknown id and an
 * ambiguous prefix (with its candidates) are errors; `target` is what the user typed, for the message.
 */
export const lookupRevision = (
  graph: RevisionGraph,
  id: string,
  target: string = id
): Result.Result<string, RevisionGraphError> => {
  if (graph.has(id)) return Result.succeed(id)
  const candidates = graph.idsStartingWith(id)
  const [only] = candidates
  if (only !== undefined && candidates.length === 1) return Result.succeed(only)
  return fail(
    candidates.length === 0
      ? new UnknownRevision({ target, revision: id })
      : new AmbiguousPrefix({ target, revision: id, candidates })
  )
}

/**
 * The state `target` names, given the database's `currentHeads` (only relative steps from the current state
 * read them, and only then are they validated):
 *
 * - `head`: the single head (base in an empty history); several heads are an error listing them.
 * - `heads`: every head. `base`: nothing applied.
 * - an id or a unique prefix of one: that revision.
 * - `ID+N` / `ID-N` (and `head-N`, `base+N`): the revision N steps along the history from ID, one child or
 *   one parent at a time; a branch point going up or a merge going down is ambiguous, and one step below a
 *   base revision is base (as in Alembic, the whole database's base: other histories go down with it).
 * - `+N` / `-N`: the state after applying (un-applying) N revisions one at a time from the current state. Up,
 *   the next revision must be the only child of the current heads (the only base when nothing is applied)
 *   and have all its parents applied; down, the database must be at one head, which is removed (a merge
 *   gives back its parents, so `-1` from a merge works while `-2` is ambiguous).
 *
 * Steps past a head or below base are errors saying how many steps were possible.
 */
export const resolveRevisionTarget = (
  graph: RevisionGraph,
  target: string | RevisionTarget,
  currentHeads: Iterable<string>
): Result.Result<ResolvedRevisionTarget, RevisionGraphError> =>
  Result.gen(function*() {
    const parsed = typeof target === "string" ? yield* parseRevisionTarget(target) : target
    const label = typeof target === "string" ? target.trim() : formatRevisionTarget(target)
    const state = (revisions: ReadonlyArray<string>): ResolvedRevisionTarget => ({ target: label, revisions })
    const revisionState = (revision: string | undefined) => state(revision === undefined ? [] : [revision])
    switch (parsed._tag) {
      case "Heads":
        return state(graph.heads)
      case "Head":
      case "Base":
      case "Revision":
        return revisionState(yield* resolveAnchor(graph, parsed, label))
      case "Relative": {
        if (parsed.from._tag === "Current") {
          const heads = yield* validateCurrentHeads(graph, currentHeads)
          return state(yield* stepFromState(graph, heads, parsed.steps, label))
        }
        const start = yield* resolveAnchor(graph, parsed.from, label)
        return revisionState(yield* stepFromRevision(graph, start, parsed.steps, label))
      }
    }
  })

/** The revision an anchor names; `undefined` is base. */
const resolveAnchor = (
  graph: RevisionGraph,
  anchor: RevisionAnchor,
  label: string
): Result.Result<string | undefined, RevisionGraphError> => {
  switch (anchor._tag) {
    case "Base":
      return Result.succeed(undefined)
    case "Revision":
      return lookupRevision(graph, anchor.id, label)
    case "Head": {
      if (graph.heads.length <= 1) return Result.succeed(graph.heads[0])
      return fail(new SeveralHeads({ target: label, candidates: graph.heads }))
    }
  }
}

/** Walks `steps` along the history from one revision (or base), refusing to pick a branch. */
const stepFromRevision = (
  graph: RevisionGraph,
  start: string | undefined,
  steps: number,
  target: string
): Result.Result<string | undefined, RevisionGraphError> => {
  let at = start
  for (let done = 0; done < Math.abs(steps); done++) {
    if (steps > 0) {
      const next = at === undefined ? graph.bases : graph.children(at)
      const [only] = next
      if (only === undefined) {
        const candidates = at === undefined ? [] : [at]
        return fail(new PastHead({ target, steps: done, candidates }))
      }
      if (next.length > 1) return fail(new BranchesUp({ target, steps: done, candidates: next }))
      at = only
    } else {
      if (at === undefined) return fail(new BelowBase({ target, steps: done }))
      const parents = graph.parents(at)
      if (parents.length > 1) {
        return fail(new MergeDown({ target, steps: done, revision: at, candidates: parents }))
      }
      at = parents[0]
    }
  }
  return Result.succeed(at)
}

/** Applies or un-applies `steps` revisions one at a time from the current heads, refusing to guess. */
const stepFromState = (
  graph: RevisionGraph,
  currentHeads: ReadonlyArray<string>,
  steps: number,
  target: string
): Result.Result<ReadonlyArray<string>, RevisionGraphError> => {
  let heads = currentHeads
  for (let done = 0; done < Math.abs(steps); done++) {
    if (steps > 0) {
      const next = heads.length === 0
        ? graph.bases
        : Array.from(new Set(heads.flatMap((head) => graph.children(head)))).sort(compareRevisionIds)
      const [only] = next
      if (only === undefined) return fail(new PastHead({ target, steps: done, candidates: heads }))
      if (next.length > 1) return fail(new BranchesUp({ target, steps: done, candidates: next }))
      const applied = graph.appliedSet(heads)
      const missing = graph.parents(only).filter((parent) => !applied.has(parent))
      if (missing.length > 0) {
        return fail(new MergeNeedsBranch({ target, steps: done, revision: only, candidates: missing }))
      }
      heads = headsAfterUpgrade(graph, heads, only)
    } else {
      const [only] = heads
      if (only === undefined) return fail(new BelowBase({ target, steps: done }))
      if (heads.length > 1) return fail(new SeveralCurrentHeads({ target, steps: done, candidates: heads }))
      heads = headsAfterDowngrade(graph, heads, only)
    }
  }
  return Result.succeed(heads)
}
