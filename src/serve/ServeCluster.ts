/**
 * The cluster `serve` runs on: effect's `Sharding` with SQL message storage in the served database (tables
 * `metatables_cluster_*`), and no runner-to-runner network. Every `serve` process is a runner; runners find
 * each other through the runner table and their shard locks (advisory locks on a server), and a message for
 * an entity whose shard another runner holds is stored and picked up by that runner's poll of the message
 * table. A runner that stops heartbeating drops out of the runner list after `handoffAfter`, and its shards
 * (with their unprocessed messages) go to the others.
 *
 * On the embedded database (one process) the runner table is kept in memory: there is only ever this runner,
 * and PGlite's single connection is not held by a lock session.
 */
import * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Digest from "effect/crypto/Digest"
import * as WebCrypto from "effect/crypto/WebCrypto"
import type * as MessageStorage from "effect/cluster/MessageStorage"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import * as RunnerStorage from "effect/cluster/RunnerStorage"
import * as Sharding from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SqlMessageStorage from "effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import type * as SqlClient from "effect/sql/SqlClient"
import { CLUSTER_TABLE_PREFIX } from "./ServeBacklog.ts"

export { CLUSTER_TABLE_PREFIX }

export interface ClusterOptions {
  /** This runner's name among the runners (default: host, process id and a random suffix). */
  readonly runnerId: string
  /** Keep runners and shard locks in the database (a server) or in memory (the embedded database). */
  readonly runnerStorage: "sql" | "memory"
  /** How long a running node may finish after the runner is told to stop, before it is interrupted. */
  readonly grace: Duration.Input
  /** How long a silent runner keeps its shards before the others take them over. */
  readonly handoffAfter: Duration.Input
  /** How often a runner looks for messages other runners stored for its entities. */
  readonly messagePollInterval: Duration.Input
  /** This runner's share of the shards relative to the others' (default 1). */
  readonly shardWeight?: number | undefined
}

const cryptoLayer = Digest.layerWebCrypto.pipe(Layer.provide(WebCrypto.layer(globalThis.crypto)))

export const clusterLayer = (
  options: ClusterOptions
): Layer.Layer<
  Sharding.Sharding | Runners.Runners | MessageStorage.MessageStorage | ShardingConfig.ShardingConfig,
  never,
  SqlClient.SqlClient
> => {
  const handoffSeconds = Math.max(1, Math.round(Duration.toSeconds(Duration.fromInputUnsafe(options.handoffAfter))))
  const config = ShardingConfig.layer({
    // Only an identity: runners talk through the database, never on this address.
    runnerAddress: Option.some(RunnerAddress.make(options.runnerId, 0)),
    shardLockExpiration: Duration.seconds(handoffSeconds),
    shardLockRefreshInterval: Duration.seconds(Math.max(1, Math.floor(handoffSeconds / 3))),
    refreshAssignmentsInterval: Duration.seconds(Math.max(1, Math.min(3, Math.floor(handoffSeconds / 3)))),
    entityTerminationTimeout: Duration.fromInputUnsafe(options.grace),
    entityMessagePollInterval: Duration.fromInputUnsafe(options.messagePollInterval),
    // Nodes are few; keep every entity resident rather than re-creating one per run.
    entityMaxIdleTime: Duration.hours(1),
    // A runner whose node entity is not (yet) registered keeps the messages of its shards in storage, for
    // itself once registered or for the runner that takes the shards, rather than answering them with a
    // defect after a minute: health reports them as stalled meanwhile (ServeBacklog).
    entityRegistrationTimeout: Duration.minutes(30),
    runnerShardWeight: options.shardWeight ?? 1
  })
  const runnerStorage = options.runnerStorage === "memory"
    ? RunnerStorage.layerMemory
    : Layer.orDie(SqlRunnerStorage.layerWith({ prefix: CLUSTER_TABLE_PREFIX }))
  return Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(SqlMessageStorage.layerWith({ prefix: CLUSTER_TABLE_PREFIX })),
    Layer.provide([runnerStorage, RunnerHealth.layerNoop]),
    Layer.provideMerge(config),
    Layer.provide(cryptoLayer)
  )
}
