/**
 * Which heads a merge revision joins: all of the history's heads, so that afterwards it has one again.
 */
import * as Result from "effect/Result"
import type { RevisionGraph } from "./RevisionGraph.ts"
import { RevisionMergeError } from "./RevisionMergeError.ts"

/** The parents a new merge revision lists: every head, by id; fewer than two heads is an error. */
export const headsToMerge = (graph: RevisionGraph): Result.Result<ReadonlyArray<string>, RevisionMergeError> =>
  graph.heads.length >= 2 ? Result.succeed(graph.heads) : Result.fail(new RevisionMergeError({ heads: graph.heads }))
