/**
 * Which heads a merge revision joins: all of the history's heads, so that afterwards it has one again.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { NothingToMerge, RevisionGraphError } from "./RevisionGraphError.ts"

/** The parents a new merge revision lists: every head, by id; fewer than two heads is an error (`NothingToMerge`). */
export const headsToMerge = (graph: RevisionGraph): Result.Result<ReadonlyArray<string>, RevisionGraphError> =>
  graph.heads.length >= 2
    ? Result.succeed(graph.heads)
    : Result.fail(new RevisionGraphError({ reason: new NothingToMerge({ heads: graph.heads }) }))
