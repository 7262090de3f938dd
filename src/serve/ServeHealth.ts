/**
 * Health from progress, not liveness: a served node is overdue when its last success (or, before any, the
 * serving's start) is older than `overdueAfter` times its cadence, and failing when its last `failedRuns` runs
 * all failed. Messages that stop being consumed are caught sooner, from the cluster's message table: a node is
 * stalled when its oldest waiting run message is older than `stalledAfterMs` and no run of it started since
 * that message was sent (a runner that looks alive but does not consume the messages of its shards, or whose
 * entities never registered). This runner is stalled when its node entity has not registered within
 * `stalledAfterMs` of its start. Also the Prometheus text of `/metrics`. Pure: the caller reads the catalog.
 */
import type { RunRecord } from "../catalog/DataNodeRecords.ts"
import { cadenceMillis, nextDueAt } from "./NodeCadence.ts"
import type { WaitingMessages } from "./ServeBacklog.ts"
import type { NodeCounters } from "./ServeMetrics.ts"
import type { ServedNode } from "./Serving.ts"

export interface HealthOptions {
  /** A node is overdue past this many cadences since its last success (default 3). */
  readonly overdueAfter: number
  /** A node is failing when this many of its latest runs all failed (default 3). */
  readonly failedRuns: number
  /**
   * A run message waiting this long, with no run of its node started since, is stalled (default 2 minutes;
   * `serve` makes it at least twice its hand-off time, the longest a message waits for a dead runner's shard).
   */
  readonly stalledAfterMs: number
}

export const defaultHealthOptions: HealthOptions = { overdueAfter: 3, failedRuns: 3, stalledAfterMs: 120_000 }

/** What the cluster says: the message backlog, and whether this runner registered its node entity. */
export interface ClusterProgress {
  readonly runnerId: string
  /** Each node's oldest waiting run message, by update hash. */
  readonly waiting: ReadonlyMap<string, WaitingMessages>
  /** When this runner's node entity was registered; undefined: not yet. */
  readonly registeredAt: Date | undefined
  /** How many shards this runner holds. */
  readonly shards: number
}

/** What the catalog says of one node. */
export interface NodeProgress {
  readonly lastStartedAt: Date | undefined
  readonly lastSuccessStartedAt: Date | undefined
  /** Its latest runs, newest first (at least `failedRuns` of them when there are). */
  readonly latestRuns: ReadonlyArray<Pick<RunRecord, "status">>
}

export interface NodeHealth {
  readonly kind: string
  readonly updateHash: string
  readonly table: string
  readonly cadence: string
  readonly cadenceSeconds: number
  readonly lastSuccessAt: string | null
  readonly nextDueAt: string
  /** Seconds since the last success (or since serving started, before any). */
  readonly lagSeconds: number
  readonly overdue: boolean
  readonly failing: boolean
  /** Its run messages waiting in the cluster's message table, and since when the oldest waits. */
  readonly messagesWaiting: number
  readonly waitingSince: string | null
  /** Its oldest waiting message is older than `stalledAfterMs` and no run of it started since. */
  readonly stalled: boolean
}

export interface HealthReport {
  readonly ok: boolean
  readonly checkedAt: string
  /** This runner, and whether its node entity is registered (its shard loop delivers to it). */
  readonly runner: { readonly id: string; readonly registered: boolean; readonly shards: number }
  readonly nodes: ReadonlyArray<NodeHealth>
  /** `Kind (hash): why`, for each node that is overdue or failing. */
  readonly problems: ReadonlyArray<string>
}

export const assessHealth = (
  nodes: ReadonlyArray<ServedNode>,
  progress: ReadonlyMap<string, NodeProgress>,
  now: Date,
  servingSince: Date,
  options: HealthOptions = defaultHealthOptions,
  cluster: ClusterProgress = { runnerId: "", waiting: new Map(), registeredAt: servingSince, shards: 0 }
): HealthReport => {
  const problems: Array<string> = []
  const registered = cluster.registeredAt !== undefined
  if (!registered && now.getTime() - servingSince.getTime() > options.stalledAfterMs) {
    problems.push(
      `runner ${cluster.runnerId}: its node entity is not registered ${Math.round((now.getTime() - servingSince.getTime()) / 1000)} s ` +
        "after it started (its shard loop is stalled): the messages of the shards it holds are not consumed"
    )
  }
  const assessed = nodes.map((node): NodeHealth => {
    const seen = progress.get(node.updateHash)
    const cadence = cadenceMillis(node.cadence, now)
    const since = seen?.lastSuccessStartedAt ?? servingSince
    const lag = now.getTime() - since.getTime()
    const overdue = lag > options.overdueAfter * cadence
    const latest = (seen?.latestRuns ?? []).slice(0, options.failedRuns)
    const failing = latest.length >= options.failedRuns && latest.every((run) => run.status === "failed")
    const name = `${node.kind} (${node.updateHash})`
    const waiting = cluster.waiting.get(node.updateHash)
    // Counted from this runner's start at the earliest: a message left from before a restart is read once the
    // node entity registers, and is not a stall until it has waited here too.
    const waitedMs = waiting === undefined
      ? 0
      : now.getTime() - Math.max(waiting.oldestSentAt.getTime(), servingSince.getTime())
    const startedSince = seen?.lastStartedAt !== undefined && waiting !== undefined &&
      seen.lastStartedAt.getTime() >= waiting.oldestSentAt.getTime()
    const stalled = waiting !== undefined && waitedMs > options.stalledAfterMs && !startedSince
    if (stalled) {
      problems.push(
        `${name}: a run message has waited ${Math.round(waitedMs / 1000)} s unconsumed in shard ${waiting.shardId} ` +
          `(${waiting.waiting} waiting) and no run of it started since: the runner holding that shard is not consuming its messages`
      )
    }
    if (overdue) {
      problems.push(
        `${name}: no success for ${Math.round(lag / 1000)} s, over ${options.overdueAfter} times its cadence ` +
          `(${node.cadence.source})`
      )
    }
    if (failing) problems.push(`${name}: its last ${options.failedRuns} runs failed`)
    return {
      kind: node.kind,
      updateHash: node.updateHash,
      table: node.table,
      cadence: node.cadence.source,
      cadenceSeconds: cadence / 1000,
      lastSuccessAt: seen?.lastSuccessStartedAt?.toISOString() ?? null,
      nextDueAt: nextDueAt(node.cadence, seen?.lastStartedAt, now).toISOString(),
      lagSeconds: Math.max(0, lag / 1000),
      overdue,
      failing,
      messagesWaiting: waiting?.waiting ?? 0,
      waitingSince: waiting?.oldestSentAt.toISOString() ?? null,
      stalled
    }
  })
  return {
    ok: problems.length === 0,
    checkedAt: now.toISOString(),
    runner: { id: cluster.runnerId, registered, shards: cluster.shards },
    nodes: assessed,
    problems
  }
}

/** A label value in the Prometheus text format: backslash, quote and newline escaped. */
const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")

/** `/metrics`: this runner's run counters per node, and every node's lag and state from the catalog. */
export const prometheusText = (health: HealthReport, counters: ReadonlyMap<string, NodeCounters>): string => {
  const lines: Array<string> = []
  const family = (name: string, type: "counter" | "gauge", help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
  }
  const labels = (node: NodeHealth, extra = "") => `node="${label(node.updateHash)}",kind="${label(node.kind)}"${extra}`
  family("metatables_node_runs_total", "counter", "Runs this runner executed, by outcome.")
  for (const node of health.nodes) {
    const runs = counters.get(node.updateHash)?.runs
    for (const status of ["succeeded", "failed", "fresh", "skipped"] as const) {
      lines.push(`metatables_node_runs_total{${labels(node, `,status="${status}"`)}} ${runs?.[status] ?? 0}`)
    }
  }
  family("metatables_node_rows_written_total", "counter", "Rows inserted or updated by runs on this runner.")
  for (const node of health.nodes) {
    const counted = counters.get(node.updateHash)
    lines.push(`metatables_node_rows_written_total{${labels(node)}} ${(counted?.rowsInserted ?? 0) + (counted?.rowsUpdated ?? 0)}`)
  }
  family("metatables_node_run_seconds_total", "counter", "Seconds spent running the node on this runner.")
  for (const node of health.nodes) {
    lines.push(`metatables_node_run_seconds_total{${labels(node)}} ${counters.get(node.updateHash)?.durationSeconds ?? 0}`)
  }
  family("metatables_node_lag_seconds", "gauge", "Seconds since the node's last success (or since serving started).")
  for (const node of health.nodes) lines.push(`metatables_node_lag_seconds{${labels(node)}} ${node.lagSeconds}`)
  family("metatables_node_cadence_seconds", "gauge", "The node's cadence.")
  for (const node of health.nodes) lines.push(`metatables_node_cadence_seconds{${labels(node)}} ${node.cadenceSeconds}`)
  family("metatables_node_overdue", "gauge", "1 when the node is overdue or failing.")
  for (const node of health.nodes) lines.push(`metatables_node_overdue{${labels(node)}} ${node.overdue || node.failing ? 1 : 0}`)
  family("metatables_node_messages_waiting", "gauge", "The node's run messages waiting in the cluster's message table.")
  for (const node of health.nodes) lines.push(`metatables_node_messages_waiting{${labels(node)}} ${node.messagesWaiting}`)
  family("metatables_node_stalled", "gauge", "1 when the node's oldest waiting run message is not being consumed.")
  for (const node of health.nodes) lines.push(`metatables_node_stalled{${labels(node)}} ${node.stalled ? 1 : 0}`)
  family("metatables_runner_registered", "gauge", "1 when this runner's node entity is registered with its shard loop.")
  lines.push(`metatables_runner_registered{runner="${label(health.runner.id)}"} ${health.runner.registered ? 1 : 0}`)
  family("metatables_runner_shards", "gauge", "The cluster's shards this runner holds.")
  lines.push(`metatables_runner_shards{runner="${label(health.runner.id)}"} ${health.runner.shards}`)
  return `${lines.join("\n")}\n`
}
