/**
 * What a serving process offers the HTTP API (`Serving`: the served nodes, and asking for a run), and the
 * options and events of `serveNodes`. Light: the cluster loads with `Serve.ts`, when serving starts.
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type { CadenceOptions } from "./NodeCadence.ts"
import type { RunNodeReply } from "./NodeRunEntity.ts"
import type { MessagePrunePass, MessagePruneOptions } from "./ServeMessagePrune.ts"
import type { ScheduledNode, SchedulerEvent } from "./ServeScheduler.ts"

export interface ServeOptions extends CadenceOptions {
  /** How many nodes run at once (default 4). */
  readonly concurrency?: number | undefined
  /** When to try a failing update again within one run (default: the runner's). */
  readonly retry?: Schedule.Schedule<unknown, unknown> | undefined
  readonly batchSize?: number | undefined
  /** The longest wait between two looks at the catalog for runs made elsewhere (default 30 seconds). */
  readonly pollInterval?: Duration.Input | undefined
  /** This runner's name (default: host, process id and a random suffix). */
  readonly runnerId?: string | undefined
  /** How long running nodes may finish when serving stops, before they are interrupted (default 30 seconds). */
  readonly grace?: Duration.Input | undefined
  /** How long a silent runner keeps its nodes before other runners take them (default 30 seconds). */
  readonly handoffAfter?: Duration.Input | undefined
  readonly onEvent?: ((event: ServeEvent) => Effect.Effect<void>) | undefined
  /**
   * Pruning the cluster's finished run messages (one runner prunes): kept for `retention` after their reply
   * (default 1 day), looked for every `interval` (default 10 minutes), deleted `batchSize` at a time (1,000).
   */
  readonly messagePrune?: MessagePruneOptions | undefined
  /** Serve the HTTP API (with health, metrics and the dashboard) on a port while serving. */
  readonly http?: ServeHttpOptions | undefined
}

export interface ServeHttpOptions {
  readonly port: number
  /** Default 127.0.0.1. */
  readonly host?: string | undefined
  /** The bearer token writes need; none: the API accepts no writes. Never printed. */
  readonly token?: Redacted.Redacted<string> | undefined
  /** Serve the dashboard's built files at `/` (default: yes). */
  readonly dashboard?: boolean | undefined
  /** Overdue after this many cadences (default 3); failing after this many failed runs (default 3). */
  readonly overdueAfter?: number | undefined
  readonly failedRuns?: number | undefined
  /**
   * A node's run message waiting this long unconsumed, with no run of it started since, fails `/healthz`
   * (default: twice `handoffAfter`, at least 2 minutes).
   */
  readonly stalledAfter?: Duration.Input | undefined
}

export type ServeEvent =
  | SchedulerEvent
  | { readonly _tag: "Serving"; readonly runnerId: string; readonly nodes: number }
  /** The HTTP API listens: `url` is its dashboard's address (the API under `api/`, health at `healthz`). */
  | { readonly _tag: "Listening"; readonly url: string }
  | { readonly _tag: "NodeRan"; readonly updateHash: string; readonly kind: string; readonly reply: RunNodeReply }
  /** A pass of the message prune ran on this runner (the one runner that prunes). */
  | ({ readonly _tag: "MessagesPruned" } & MessagePrunePass)
  /** A pass of the message prune failed (the next one tries again), or the backlog index could not be made. */
  | { readonly _tag: "MessagePruneFailed"; readonly message: string }

/** A node as served: what the scheduler needs, and its output table for people. */
export interface ServedNode extends ScheduledNode {
  /** The output table's identifier. */
  readonly table: string
}

/** The served graph and how to ask for a run, for the HTTP API. */
export interface ServingService {
  readonly runnerId: string
  readonly nodes: ReadonlyArray<ServedNode>
  /** When this runner started serving: health counts a node that never succeeded from here. */
  readonly since: Date
  /** When this runner's node entity was registered with its shard loop; undefined until it is. */
  readonly registeredAt: Effect.Effect<Date | undefined>
  /** How many of the cluster's shards this runner holds now. */
  readonly shards: Effect.Effect<number>
  /** Runs a node now through the cluster (on whichever runner holds it) and waits for its reply. */
  readonly requestRun: (
    updateHash: string,
    request: {
      readonly force: boolean
      readonly requestId: string
      readonly asOf?: Date | undefined
      readonly backfill?: { readonly from: Date; readonly to?: Date | undefined } | undefined
    }
  ) => Effect.Effect<RunNodeReply>
}

export class Serving extends Context.Service<Serving, ServingService>()("metatables/serve/Serving") {}

