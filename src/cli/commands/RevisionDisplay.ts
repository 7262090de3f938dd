/**
 * How the command line shows revisions: one line per revision (`history`, `heads`, `branches`), the verbose
 * block (`show`, `history --verbose`), and the JSON document of each, all built from the same markers so that
 * text and `--json` say the same thing.
 */
import type { Revision } from "../../migrations/files/Revision.ts"
import type { RevisionGraph } from "../../migrations/graph/RevisionGraph.ts"

export interface DisplayOptions {
  /** The database's heads, when the command reads them: those revisions are marked `current`. */
  readonly current?: ReadonlySet<string> | undefined
  /** How a revision file's path is shown (relative to the working directory, usually). */
  readonly path: (source: string) => string
}

const list = (ids: ReadonlyArray<string>): string => ids.length === 0 ? "<base>" : ids.join(", ")

/**
 * What is special about a revision, in a fixed order: current (in the database), head (or effective head, a
 * head another branch depends on), branch point, merge, and the branch labels it carries.
 */
export const revisionMarkers = (graph: RevisionGraph, id: string, options: DisplayOptions): ReadonlyArray<string> => {
  const labels = graph.branchLabels(id)
  return [
    ...(options.current?.has(id) === true ? ["current"] : []),
    ...(graph.effectiveHeads.includes(id) ? ["effective head"] : graph.heads.includes(id) ? ["head"] : []),
    ...(graph.branchPoints.includes(id) ? ["branch point"] : []),
    ...(graph.merges.includes(id) ? ["merge"] : []),
    ...(labels.length === 0 ? [] : [`branch ${labels.join(", ")}`])
  ]
}

/** `0002, 0003 (depends on 0009) -> 0004 (head, merge, branch accounts), join branches  [path]`. */
export const revisionLine = (graph: RevisionGraph, revision: Revision, options: DisplayOptions): string => {
  const dependencies = graph.dependencies(revision.id)
  const markers = revisionMarkers(graph, revision.id, options)
  return `${list(revision.parents)}${dependencies.length === 0 ? "" : ` (depends on ${dependencies.join(", ")})`} -> ` +
    `${revision.id}${markers.length === 0 ? "" : ` (${markers.join(", ")})`}, ${revision.message}  ` +
    `[${options.path(revision.source)}]`
}

/** Every field of a revision, one per line, then its message indented (Alembic's verbose form). */
export const revisionBlock = (graph: RevisionGraph, revision: Revision, options: DisplayOptions): string => {
  const markers = revisionMarkers(graph, revision.id, options)
  const dependencies = graph.dependencies(revision.id)
  const labels = graph.branchLabels(revision.id)
  const children = graph.children(revision.id)
  return [
    `Rev: ${revision.id}${markers.length === 0 ? "" : ` (${markers.join(", ")})`}`,
    `Parent${revision.parents.length === 1 ? "" : "s"}: ${list(revision.parents)}`,
    ...(dependencies.length === 0 ? [] : [`Depends on: ${dependencies.join(", ")}`]),
    ...(graph.dependants(revision.id).length === 0 ? [] : [`Needed by: ${graph.dependants(revision.id).join(", ")}`]),
    ...(children.length === 0 ? [] : [`Children: ${children.join(", ")}`]),
    ...(labels.length === 0 ? [] : [`Branch names: ${labels.join(", ")}`]),
    `Path: ${options.path(revision.source)}`,
    `Created: ${revision.createdAt}`,
    `Transactional: ${revision.transactional ? "yes" : "no"}`,
    "",
    ...revision.message.split("\n").map((line) => `    ${line}`)
  ].join("\n")
}

/** A revision as JSON: its fields as written, its resolved links, and its markers. */
export const revisionDocument = (graph: RevisionGraph, revision: Revision, options: DisplayOptions) => ({
  id: revision.id,
  parents: revision.parents,
  dependsOn: graph.dependencies(revision.id),
  children: graph.children(revision.id),
  dependants: graph.dependants(revision.id),
  branchLabels: graph.branchLabels(revision.id),
  declaredBranchLabels: graph.declaredBranchLabels(revision.id),
  message: revision.message,
  createdAt: revision.createdAt,
  transactional: revision.transactional,
  source: revision.source,
  markers: revisionMarkers(graph, revision.id, options)
})
