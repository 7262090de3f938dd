/**
 * The sentence that ends `nodes run`'s text report: whether the nodes are up to date, or how many failed,
 * were skipped and are up to date, worded for one node as for several.
 */
import type { RunReport } from "../../engine/RunReport.ts"

/** A duration as people read it: `0.53s`, `12.4s`. */
export const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`

const FIX =
  "Fix what the FAILED line says and run again: the batches committed stay, and the next run continues from " +
  "the watermarks (`metatables nodes status NODE` shows a node's runs and errors)."

/** `a`, `a and b`, `a, b and c`. */
const sentence = (clauses: ReadonlyArray<string>): string =>
  clauses.length <= 1 ? clauses.join("") : `${clauses.slice(0, -1).join(", ")} and ${clauses.at(-1)}`

/**
 * `The node is up to date (0.53s).`, `All 4 nodes are up to date (0.53s).`; on a failure `The node failed`,
 * `All 3 nodes failed` or `1 of 4 nodes failed, 2 were skipped and 1 is up to date`, then what to do.
 */
export const runVerdict = (report: Pick<RunReport, "ok" | "nodes" | "durationMs">): string => {
  const total = report.nodes.length
  const took = `(${seconds(report.durationMs)})`
  if (report.ok) {
    return total === 0
      ? `There were no nodes to run ${took}.`
      : total === 1
      ? `The node is up to date ${took}.`
      : `All ${total} nodes are up to date ${took}.`
  }
  const failed = report.nodes.filter((outcome) => outcome.status === "failed").length
  const skipped = report.nodes.filter((outcome) => outcome.status === "skipped").length
  const upToDate = total - failed - skipped
  const clauses = [
    total === 1 ? "The node failed" : failed === total ? `All ${total} nodes failed` : `${failed} of ${total} nodes failed`,
    ...(skipped === 0 ? [] : [`${skipped} ${skipped === 1 ? "was" : "were"} skipped`]),
    ...(upToDate === 0 ? [] : [`${upToDate} ${upToDate === 1 ? "is" : "are"} up to date`])
  ]
  return `${sentence(clauses)} ${took}. ${FIX}`
}
