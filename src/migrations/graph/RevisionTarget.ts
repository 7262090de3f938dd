/**
 * Targets as a user types them, parsed and then resolved against the graph (and, for steps counted from the
 * database, its current heads) into the state the history should be in: the heads that state would record.
 *
 * ```
 * head | heads | base | ID | PREFIX | LABEL          a state (LABEL: the revision that declares it)
 * ANCHOR+N | ANCHOR-N | +N | -N                     N steps from an anchor (head, heads, base, a revision) or
 *                                                    from the database's heads; ANCHOR+0 is the anchor
 * BRANCH@TARGET                                      any of the above along one branch: BRANCH is a label or a
 *                                                    revision, and steps, heads and downgrades keep to its line
 * ```
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { compareRevisionIds } from "./RevisionId.ts"
import { AppliedState, validateCurrentHeads } from "./RevisionHeads.ts"
import {
  AmbiguousPrefix,
  BelowBase,
  BranchesUp,
  MalformedTarget,
  MergeDown,
  MergeNeedsBranch,
  NeedsCurrentState,
  NotOnBranch,
  PastHead,
  RevisionGraphError,
  type RevisionGraphErrorReason,
  SeveralCurrentHeads,
  SeveralHeads,
  UnknownBranch,
  UnknownRevision
} from "./RevisionGraphError.ts"

/** A target that names one revision or base (`heads` only where the history has one): what a step counts from. */
export type RevisionAnchor =
  | { readonly _tag: "Head" }
  | { readonly _tag: "Heads" }
  | { readonly _tag: "Base" }
  /** A full id, a prefix of one, or a branch label, resolved against the graph. */
  | { readonly _tag: "Revision"; readonly id: string }

/** `steps` up (positive) or down (negative) from the database's current state or from an anchor. */
export interface RelativeTarget {
  readonly _tag: "Relative"
  readonly from: RevisionAnchor | { readonly _tag: "Current" }
  readonly steps: number
}

export type RevisionTarget =
  | RevisionAnchor
  | RelativeTarget
  /** A target along one branch: `branch` is a label, or a revision whose line is meant. */
  | { readonly _tag: "OnBranch"; readonly branch: string; readonly target: RevisionAnchor | RelativeTarget }

/** A target resolved to a state of the history. */
export interface ResolvedRevisionTarget {
  /** The target as typed, for messages. */
  readonly target: string
  /** The heads of the target state, by id; empty for base. */
  readonly revisions: ReadonlyArray<string>
  /**
   * For a `BRANCH@...` target, the revision the branch is the line of: a downgrade to this state undoes only
   * what is on that line (and what needs it), leaving other branches alone.
   */
  readonly branch?: string | undefined
}

const relativePattern = /^(.*?)([+-])([0-9]+)$/u
// A branch before `@` is a label or a revision: neither may contain these.
const illegalBranchCharacter = /[\s+\-:,]/u

const fail = (reason: RevisionGraphErrorReason) => Result.fail(new RevisionGraphError({ reason }))

const anchorOf = (text: string): RevisionAnchor =>
  text === "head"
    ? { _tag: "Head" }
    : text === "heads"
    ? { _tag: "Heads" }
    : text === "base"
    ? { _tag: "Base" }
    : { _tag: "Revision", id: text }

/** The target `text` means, or a `MalformedTarget` error saying what is wrong with it. */
export const parseRevisionTarget = (text: string): Result.Result<RevisionTarget, RevisionGraphError> => {
  const target = text.trim()
  const malformed = (detail: string) => fail(new MalformedTarget({ target, detail }))
  if (target === "") return malformed("it is empty")
  const at = target.indexOf("@")
  if (at < 0) return parseUnbranched(target, malformed)
  const branch = target.slice(0, at)
  const rest = target.slice(at + 1)
  if (branch === "") return malformed("a branch label or a revision must come before @")
  if (illegalBranchCharacter.test(branch)) return malformed("before @ comes a branch label or a revision")
  if (rest === "") return malformed("@ must be followed by head, heads, base, a revision or a step")
  if (rest.includes("@")) return malformed("only one @ is allowed")
  return Result.map(parseUnbranched(rest, malformed), (inner) => ({ _tag: "OnBranch", branch, target: inner }))
}

const parseUnbranched = (
  target: string,
  malformed: (detail: string) => Result.Result<never, RevisionGraphError>
): Result.Result<RevisionAnchor | RelativeTarget, RevisionGraphError> => {
  const relative = relativePattern.exec(target)
  // Revision ids and labels never contain + or -, so any other use of them is a mistyped relative step.
  if (relative === null) {
    return /[+-]/u.test(target) ? malformed("+ and - must be followed by a number") : Result.succeed(anchorOf(target))
  }
  const [, anchor = "", sign, digits = ""] = relative
  const count = Number(digits)
  if (!Number.isSafeInteger(count)) return malformed("N is too large")
  const steps = sign === "-" ? -count : count
  if (anchor === "") {
    return count === 0
      ? malformed("+0 and -0 need a revision to count from, as in ID+0")
      : Result.succeed({ _tag: "Relative", from: { _tag: "Current" }, steps })
  }
  if (/[+-]/u.test(anchor)) return malformed("only one relative step is allowed")
  return Result.succeed({ _tag: "Relative", from: anchorOf(anchor), steps })
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
    case "OnBranch":
      return `${target.branch}@${formatRevisionTarget(target.target)}`
  }
}

/**
 * The exact id `id` names: itself when it is an id, the revision that declares it when it is a branch label,
 * else the one id it is a prefix of (among `within`, when given and several ids start with it). An unknown id
 * and an ambiguous prefix (with its candidates) are errors; `target` is what the user typed, for the message.
 */
export const lookupRevision = (
  graph: RevisionGraph,
  id: string,
  target: string = id,
  within?: ReadonlySet<string>
): Result.Result<string, RevisionGraphError> => {
  if (graph.has(id)) return Result.succeed(id)
  const labelled = graph.labelledRevision(id)
  if (labelled !== undefined) return Result.succeed(labelled)
  const all = graph.idsStartingWith(id)
  const candidates = within === undefined || all.length < 2 ? all : all.filter((candidate) => within.has(candidate))
  const [only] = candidates
  if (only !== undefined && candidates.length === 1) return Result.succeed(only)
  return fail(
    all.length === 0
      ? new UnknownRevision({ target, revision: id })
      : new AmbiguousPrefix({ target, revision: id, candidates: candidates.length === 0 ? all : candidates })
  )
}

/** The revision a branch names: the one declaring it as a label, else a revision id or a unique prefix of one. */
const lookupBranch = (graph: RevisionGraph, branch: string, target: string): Result.Result<string, RevisionGraphError> => {
  const labelled = graph.labelledRevision(branch)
  if (labelled !== undefined) return Result.succeed(labelled)
  if (graph.idsStartingWith(branch).length === 0) return fail(new UnknownBranch({ target, branch }))
  return lookupRevision(graph, branch, target)
}

/** One branch as resolution needs it: as typed, the revision it starts from, and its line. */
interface Branch {
  readonly name: string
  readonly revision: string
  readonly line: ReadonlySet<string>
}

/**
 * The state `target` names. `currentHeads` are the database's heads, or `undefined` where they are not read
 * (offline `--sql`, local commands): then a step counted from them is a `NeedsCurrentState` error. Only such
 * steps read them, and only then are they validated.
 *
 * - `head`: the single head (base in an empty history); several heads are an error listing them.
 * - `heads`: every head, less those another branch depends on (applying it applies them too). `base`: nothing.
 * - an id, a unique prefix of one, or a branch label: that revision (the label's declaring revision).
 * - `ANCHOR+N` / `ANCHOR-N` (`ID`, `head`, `base`, and `heads` when the history has one head): the revision N
 *   steps along the history from the anchor, one child or one parent at a time; a branch point going up or a
 *   merge going down is ambiguous, and one step below a base revision is base (as in Alembic, the whole
 *   database's base: other histories go down with it). `ANCHOR+0` is the anchor.
 * - `+N` / `-N`: the state after applying (un-applying) N revisions one at a time from the current state. Up,
 *   the next revision must be the only one built on the current heads (the only revision without
 *   prerequisites when nothing is applied) and have all its prerequisites applied; down, the database must be
 *   at one head, which is removed (a merge gives back its parents, so `-1` from a merge works while `-2` is
 *   ambiguous).
 * - `BRANCH@...`: as above, along the line of the branch's revision (what it builds on and what builds on it):
 *   `BRANCH@head` is the one head on it, `BRANCH@heads` all of them, `BRANCH@ID` must be on it, steps only
 *   choose among revisions on it, and `BRANCH@+N` / `BRANCH@-N` count from the database's latest revision on
 *   it. The resolved state keeps the branch, so that a downgrade leaves other lines alone.
 *
 * Steps past a head or below base are errors saying how many steps were possible.
 */
export const resolveRevisionTarget = (
  graph: RevisionGraph,
  target: string | RevisionTarget,
  currentHeads: Iterable<string> | undefined
): Result.Result<ResolvedRevisionTarget, RevisionGraphError> =>
  Result.gen(function*() {
    const parsed = typeof target === "string" ? yield* parseRevisionTarget(target) : target
    const label = typeof target === "string" ? target.trim() : formatRevisionTarget(target)
    const current = () =>
      currentHeads === undefined
        ? fail(new NeedsCurrentState({ target: label }))
        : validateCurrentHeads(graph, currentHeads)
    if (parsed._tag !== "OnBranch") {
      const revisions = yield* resolveUnbranched(graph, parsed, label, undefined, current)
      return { target: label, revisions }
    }
    const revision = yield* lookupBranch(graph, parsed.branch, label)
    const branch: Branch = { name: parsed.branch, revision, line: graph.line(revision) }
    const revisions = yield* resolveUnbranched(graph, parsed.target, label, branch, current)
    return { target: label, revisions, branch: revision }
  })

/**
 * The one revision `target` names, or `undefined` for base, without reading the database: for options that
 * take a single revision (`revision --head`, `--depends-on`). A target naming several heads is an error.
 */
export const resolveSingleRevision = (
  graph: RevisionGraph,
  target: string
): Result.Result<string | undefined, RevisionGraphError> =>
  Result.flatMap(resolveRevisionTarget(graph, target, undefined), (resolved) => {
    if (resolved.revisions.length <= 1) return Result.succeed(resolved.revisions[0])
    const at = resolved.target.indexOf("@")
    return fail(
      new SeveralHeads({
        target: resolved.target,
        candidates: resolved.revisions,
        ...(at < 0 ? {} : { branch: resolved.target.slice(0, at) })
      })
    )
  })

const resolveUnbranched = (
  graph: RevisionGraph,
  target: RevisionAnchor | RelativeTarget,
  label: string,
  branch: Branch | undefined,
  current: () => Result.Result<ReadonlyArray<string>, RevisionGraphError>
): Result.Result<ReadonlyArray<string>, RevisionGraphError> =>
  Result.gen(function*() {
    const single = (revision: string | undefined) => revision === undefined ? [] : [revision]
    switch (target._tag) {
      case "Heads":
        return branch === undefined
          ? graph.upgradedHeads
          : graph.normalizeHeads(graph.heads.filter((head) => branch.line.has(head)))
      case "Head":
      case "Base":
      case "Revision":
        return single(yield* resolveAnchor(graph, target, label, branch))
      case "Relative": {
        if (target.from._tag === "Current") {
          const heads = yield* current()
          return branch === undefined
            ? yield* stepFromState(graph, heads, target.steps, label)
            : single(yield* stepAlongBranch(graph, heads, branch, target.steps, label))
        }
        const start = yield* resolveAnchor(graph, target.from, label, branch)
        return single(yield* stepFromRevision(graph, start, target.steps, label, branch?.line))
      }
    }
  })

/** The revision an anchor names; `undefined` is base. */
const resolveAnchor = (
  graph: RevisionGraph,
  anchor: RevisionAnchor,
  label: string,
  branch: Branch | undefined
): Result.Result<string | undefined, RevisionGraphError> => {
  switch (anchor._tag) {
    case "Base":
      return Result.succeed(undefined)
    case "Revision":
      return Result.flatMap(lookupRevision(graph, anchor.id, label, branch?.line), (revision) =>
        branch === undefined || branch.line.has(revision)
          ? Result.succeed(revision)
          : fail(new NotOnBranch({ target: label, branch: branch.name, branchRevision: branch.revision, revision })))
    case "Head":
    case "Heads": {
      const heads = branch !== undefined
        ? graph.heads.filter((head) => branch.line.has(head))
        : anchor._tag === "Head"
        ? graph.heads
        : graph.upgradedHeads
      if (heads.length <= 1) return Result.succeed(heads[0])
      return fail(
        new SeveralHeads({ target: label, candidates: heads, ...(branch === undefined ? {} : { branch: branch.name }) })
      )
    }
  }
}

/** Walks `steps` along the history from one revision (or base), keeping to `line` when given; never picks a branch. */
const stepFromRevision = (
  graph: RevisionGraph,
  start: string | undefined,
  steps: number,
  target: string,
  line: ReadonlySet<string> | undefined
): Result.Result<string | undefined, RevisionGraphError> => {
  const onLine = (ids: ReadonlyArray<string>) => line === undefined ? ids : ids.filter((id) => line.has(id))
  let at = start
  for (let done = 0; done < Math.abs(steps); done++) {
    if (steps > 0) {
      const next = onLine(at === undefined ? graph.bases : graph.children(at))
      const [only] = next
      if (only === undefined) {
        const candidates = at === undefined ? [] : [at]
        return fail(new PastHead({ target, steps: done, candidates }))
      }
      if (next.length > 1) return fail(new BranchesUp({ target, steps: done, candidates: next }))
      at = only
    } else {
      if (at === undefined) return fail(new BelowBase({ target, steps: done }))
      const parents = onLine(graph.parents(at))
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
  const state = new AppliedState(graph, currentHeads)
  for (let done = 0; done < Math.abs(steps); done++) {
    const heads = state.heads
    if (steps > 0) {
      const next = heads.length === 0
        ? graph.bases.filter((id) => graph.prerequisites(id).length === 0)
        : Array.from(new Set(heads.flatMap((head) => graph.successors(head)))).sort(compareRevisionIds)
      const [only] = next
      if (only === undefined) return fail(new PastHead({ target, steps: done, candidates: heads }))
      if (next.length > 1) return fail(new BranchesUp({ target, steps: done, candidates: next }))
      const missing = graph.prerequisites(only).filter((prerequisite) => !state.isApplied(prerequisite))
      if (missing.length > 0) {
        return fail(new MergeNeedsBranch({ target, steps: done, revision: only, candidates: missing }))
      }
      state.upgrade(only)
    } else {
      const [only] = heads
      if (only === undefined) return fail(new BelowBase({ target, steps: done }))
      if (heads.length > 1) return fail(new SeveralCurrentHeads({ target, steps: done, candidates: heads }))
      state.downgrade(only)
    }
  }
  return Result.succeed(state.heads)
}

/**
 * `BRANCH@+N` / `BRANCH@-N`: N steps along the branch's line from the latest applied revision on it (base when
 * none is), as Alembic counts them.
 */
const stepAlongBranch = (
  graph: RevisionGraph,
  currentHeads: ReadonlyArray<string>,
  branch: Branch,
  steps: number,
  target: string
): Result.Result<string | undefined, RevisionGraphError> => {
  const applied = graph.appliedSet(currentHeads)
  const onLine = Array.from(applied).filter((id) => branch.line.has(id))
  const latest = onLine
    .filter((id) => !graph.children(id).some((child) => applied.has(child) && branch.line.has(child)))
    .sort(compareRevisionIds)
  if (latest.length > 1) {
    return fail(new SeveralCurrentHeads({ target, steps: 0, candidates: latest, branch: branch.name }))
  }
  const [start] = latest
  if (start === undefined && steps < 0) return fail(new BelowBase({ target, steps: 0 }))
  return stepFromRevision(graph, start, steps, target, branch.line)
}
