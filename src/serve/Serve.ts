/**
 * What `serveNodes` runs (loaded when serving starts, with effect's cluster; `ServeNodes.ts` is the entry): keeps a DataNode graph fresh until interrupted. It plans the graph (every node's cadence,
 * refused before anything starts when a node has none), joins the cluster as one runner, registers each node
 * as an entity (`NodeRunEntity`) and runs the scheduler (`ServeScheduler`) as the cluster's singleton, so
 * that among several `serve` processes on one server exactly one schedules and each node runs on the one
 * runner holding it. Interrupting it stops the scheduler, lets running nodes finish for `grace`, interrupts
 * what is left (the runner records those runs as interrupted) and releases the runner's shards.
 *
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Result from "effect/Result"
import * as ShardId from "effect/cluster/ShardId"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Singleton from "effect/cluster/Singleton"
import type * as SqlClient from "effect/sql/SqlClient"
import type { AnyDataNode } from "../datanode/DataNode.ts"
import { Database } from "../db/Database.ts"
import { Engine } from "../engine/Engine.ts"
import { collectGraph } from "../engine/NodeGraph.ts"
import type { RunnerError } from "../engine/Runner.ts"
import { cadenceOf, type CadenceOptions, type NodeCadence } from "./NodeCadence.ts"
import { type ServedNode, type ServeOptions, Serving, type ServingService } from "./Serving.ts"
import { NodeRunEntity, runNodeFor, type RunNodeReply, scheduledRun } from "./NodeRunEntity.ts"
import * as SqlCatalog from "../catalog/SqlCatalog.ts"
import { clusterLayer } from "./ServeCluster.ts"
import { defaultHealthOptions } from "./ServeHealth.ts"
import { ensureBacklogIndex, messagePruneLoop, messagePruneProblems, type MessagePruneOptions } from "./ServeMessagePrune.ts"
import { serveHttpLayer } from "./ServeHttp.ts"
import { ServeHttpError } from "./ServeHttpError.ts"
import { ServeMetrics } from "./ServeMetrics.ts"
import { ServeOptionsError } from "./ServeOptionsError.ts"
import { type DispatchStatus, startScheduler } from "./ServeScheduler.ts"

const defaultRunnerId = (): string => {
  const host = globalThis.process?.env?.["HOSTNAME"] ?? "runner"
  const pid = globalThis.process?.pid ?? 0
  return `${host}-${pid}-${Math.random().toString(36).slice(2, 8)}`
}

/** Every node of the graph with its cadence; refuses a graph where some node has none. */
export const planServe = Effect.fn("Serve.plan")(function*(
  nodes: ReadonlyArray<AnyDataNode>,
  options: CadenceOptions & {
    readonly concurrency?: number | undefined
    readonly messagePrune?: MessagePruneOptions | undefined
  }
): Effect.fn.Return<ReadonlyArray<ServedNode>, ServeOptionsError | RunnerError, Engine> {
  const problems: Array<string> = [...messagePruneProblems(options.messagePrune ?? {})]
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1)) {
    problems.push(`concurrency must be a whole number of at least 1, not ${options.concurrency}`)
  }
  const graph = yield* collectGraph(nodes)
  const served: Array<ServedNode> = []
  for (const graphNode of graph.nodes) {
    const cadence = cadenceOf({
      kind: graphNode.node.kind,
      updateHash: graphNode.identity.updateHash,
      freshFor: graphNode.node.freshFor,
      tableCadence: graphNode.node.storage.metadata.timeIndexed?.cadence,
      cron: graphNode.node.cron
    }, options)
    if (Result.isFailure(cadence)) problems.push(...cadence.failure.problems)
    else {
      served.push({
        kind: graphNode.node.kind,
        updateHash: graphNode.identity.updateHash,
        dependsOn: graphNode.dependsOn,
        cadence: cadence.success as NodeCadence,
        table: graphNode.binding.identifier
      })
    }
  }
  if (problems.length > 0) return yield* new ServeOptionsError({ problems })
  return served
})

/**
 * Everything `serve` runs, as a layer: the cluster runner, the node entities, the scheduler singleton, and
 * `Serving` and `ServeMetrics` for the HTTP API. Needs the attached engine and the database it runs on.
 */
export const makeServeLayer = <R>(
  nodes: ReadonlyArray<AnyDataNode<R>>,
  options: ServeOptions = {}
): Layer.Layer<
  Serving | ServeMetrics,
  ServeOptionsError | RunnerError | ServeHttpError,
  R | Engine | SqlClient.SqlClient | Database
> =>
  Layer.unwrap(Effect.gen(function*() {
    const plan = yield* planServe(nodes, options)
    const database = yield* Database
    const runnerId = options.runnerId ?? defaultRunnerId()
    const since = new Date(yield* Clock.currentTimeMillis)
    const emit = options.onEvent ?? (() => Effect.void)
    const byHash = new Map(plan.map((node) => [node.updateHash, node]))
    const graph = nodes as ReadonlyArray<AnyDataNode<never>>
    const handoffAfter = options.handoffAfter ?? "30 seconds"
    /** When this runner's node entity registered with its shard loop (health reports a runner that never does). */
    const registeredAt = yield* Ref.make<Date | undefined>(undefined)

    const cluster = clusterLayer({
      runnerId,
      runnerStorage: database.backend === "postgres" ? "sql" : "memory",
      grace: options.grace ?? "30 seconds",
      handoffAfter,
      messagePollInterval: "2 seconds"
    })

    const entities = NodeRunEntity.toLayer(Effect.gen(function*() {
      const context = yield* Effect.context<Engine | SqlClient.SqlClient | Database>()
      const metrics = yield* ServeMetrics
      return NodeRunEntity.of({
        Run: ({ payload }) =>
          Effect.gen(function*() {
            const reply = yield* runNodeFor(graph, payload, { retry: options.retry, batchSize: options.batchSize })
            yield* metrics.record(payload.updateHash, reply)
            yield* emit({ _tag: "NodeRan", updateHash: payload.updateHash, kind: byHash.get(payload.updateHash)?.kind ?? "?", reply })
            return reply
          }).pipe(Effect.provide(context))
      })
    }))
    const registered = Layer.effectDiscard(
      Effect.flatMap(Clock.currentTimeMillis, (millis) => Ref.set(registeredAt, new Date(millis)))
    ).pipe(Layer.provideMerge(entities))

    const serving = Layer.effect(Serving)(Effect.gen(function*() {
      const clientFor = yield* NodeRunEntity.client
      const sharding = yield* Sharding.Sharding
      const config = yield* ShardingConfig.ShardingConfig
      const shards = Effect.sync(() => {
        let held = 0
        for (const group of config.availableShardGroups) {
          for (let id = 1; id <= config.shardsPerGroup; id++) if (sharding.hasShardId(ShardId.make(group, id))) held++
        }
        return held
      })
      const requestRun: ServingService["requestRun"] = (updateHash, request) =>
        clientFor(updateHash).Run({
          updateHash,
          dueAt: Date.now(),
          reason: "request",
          force: request.force,
          requestId: request.requestId,
          asOf: request.asOf?.getTime() ?? null,
          backfill: request.backfill === undefined
            ? null
            : { from: request.backfill.from.getTime(), to: request.backfill.to?.getTime() ?? null }
        }).pipe(
          Effect.catch((error) =>
            Effect.succeed<RunNodeReply>({
              status: "failed",
              runUid: null,
              attempts: 0,
              rowsInserted: 0,
              rowsUpdated: 0,
              rowsUnchanged: 0,
              durationMs: 0,
              error: { tag: error._tag, message: error.message }
            })
          )
        )
      return Serving.of({ runnerId, nodes: plan, requestRun, since, registeredAt: Ref.get(registeredAt), shards })
    }))

    const scheduler = Singleton.make(
      "metatables/serve/scheduler",
      Effect.scoped(Effect.gen(function*() {
        const engine = yield* Engine
        const clientFor = yield* NodeRunEntity.client
        const { loop } = yield* startScheduler({
          nodes: plan,
          concurrency: options.concurrency ?? 4,
          pollInterval: options.pollInterval,
          lastStarts: Effect.map(
            engine.records.lastStarts,
            (rows) => new Map(rows.map((row) => [row.updateHash, row.lastStartedAt]))
          ),
          dispatch: (node, dueAt) =>
            clientFor(node.updateHash).Run(scheduledRun(node.updateHash, dueAt)).pipe(
              Effect.map((reply): DispatchStatus => reply.status),
              Effect.catch((error) =>
                Effect.as(emit({ _tag: "CatalogUnavailable", message: error.message }), "failed" as const)
              )
            ),
          onEvent: emit
        })
        return yield* loop
      }))
    )

    // The cluster's message tables keep every run's message and reply until pruned: one runner prunes the
    // finished ones past their retention. Each runner makes sure the backlog health query's index is there.
    const messagePrune = Layer.mergeAll(
      Singleton.make(
        "metatables/serve/message-prune",
        messagePruneLoop({
          ...options.messagePrune,
          onPass: (pass) => emit({ _tag: "MessagesPruned", ...pass }),
          onError: (error) => emit({ _tag: "MessagePruneFailed", message: error.message })
        })
      ),
      Layer.effectDiscard(
        ensureBacklogIndex.pipe(
          Effect.catch((error) =>
            emit({ _tag: "MessagePruneFailed", message: `could not create the backlog index: ${error.message}` })
          )
        )
      )
    )

    const host = options.http?.host ?? "127.0.0.1"
    const http = options.http === undefined ? Layer.empty : serveHttpLayer({
      port: options.http.port,
      host,
      token: options.http.token,
      dashboard: options.http.dashboard,
      onListening: (url) => emit({ _tag: "Listening", url }),
      health: {
        overdueAfter: options.http.overdueAfter ?? defaultHealthOptions.overdueAfter,
        failedRuns: options.http.failedRuns ?? defaultHealthOptions.failedRuns,
        stalledAfterMs: options.http.stalledAfter !== undefined
          ? Duration.toMillis(Duration.fromInputUnsafe(options.http.stalledAfter))
          : Math.max(defaultHealthOptions.stalledAfterMs, 2 * Duration.toMillis(Duration.fromInputUnsafe(handoffAfter)))
      }
    }).pipe(
      Layer.provide(SqlCatalog.layer({ attach: "serve" })),
      Layer.catchCause((cause): Layer.Layer<never, ServeHttpError> =>
        Cause.hasInterruptsOnly(cause)
          ? Layer.unwrap(Effect.failCause(cause as Cause.Cause<never>))
          : Layer.unwrap(Effect.fail(new ServeHttpError({ host, port: options.http!.port, cause: Cause.squash(cause) })))
      )
    )

    yield* emit({ _tag: "Serving", runnerId, nodes: plan.length })
    // The HTTP API starts beside the node entity, not after it: a runner whose entity never registers still
    // answers, and its health says so.
    return Layer.mergeAll(http.pipe(Layer.provideMerge(serving)), registered, scheduler, messagePrune).pipe(
      Layer.provideMerge(ServeMetrics.layer),
      Layer.provideMerge(cluster)
    )
  }))
