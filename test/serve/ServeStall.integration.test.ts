/**
 * Health when messages stop being consumed, on the server: a second cluster runner joins that heartbeats and
 * takes (nearly all) the shards but never registers the node entity, as a runner whose shard loop stalls
 * would. The serving runner hands it its shards; run messages for the nodes now wait in the message table
 * unconsumed, and its `/healthz` fails naming them (`stalled`) long before they fall overdue. When that
 * runner leaves, the serving runner takes the shards back, consumes the waiting messages, and health recovers.
 */
import { assert } from "@effect/vitest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpRouter from "effect/http/HttpRouter"
import { TestClock } from "effect/testing"
import { Database, serveLayer, Serving, SqlCatalog, startEngine } from "../../src/index.ts"
import { clusterLayer } from "../../src/serve/ServeCluster.ts"
import { serveHttpRoutes } from "../../src/serve/ServeHttp.ts"
import { deployTables } from "../support/deploy.ts"
import { describeServer, resetDatabase, TestDatabase } from "../support/TestDatabase.ts"
import { graph, Levels } from "./fixtures/ServeGraph.ts"

interface HealthDocument {
  readonly ok?: boolean
  readonly problems: ReadonlyArray<string>
  readonly runner?: { readonly shards: number }
  readonly nodes?: ReadonlyArray<{
    readonly updateHash: string
    readonly lastSuccessAt: string | null
    readonly stalled: boolean
    readonly messagesWaiting: number
  }>
}

const healthz = Effect.gen(function*() {
  const http = yield* HttpClient.HttpClient
  const response = yield* http.execute(HttpClientRequest.get("/healthz"))
  return { status: response.status, document: (yield* response.json) as unknown as HealthDocument }
})

/** Polls `/healthz` until `done` says so (the machine may be slow; nothing here waits on a fixed time). */
const healthUntil = (done: (answer: { readonly status: number; readonly document: HealthDocument }) => boolean) =>
  Effect.gen(function*() {
    while (true) {
      const answer = yield* healthz
      if (done(answer)) return answer
      yield* Effect.sleep("500 millis")
    }
  }).pipe(Effect.timeout("150 seconds"))

describeServer("serve health when messages stop being consumed", (it) => {
  it.effect("a runner that holds shards but never registers its entity: /healthz names the stalled nodes, and recovers when it leaves", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Levels])
      const { url } = yield* TestDatabase
      const pool = () => Database.layerServer(url!, { maxConnections: 6 })

      const serving = HttpRouter.serve(
        serveHttpRoutes({
          token: undefined,
          dashboard: false,
          // Lag is allowed for generously (a loaded machine); a message is stalled after 3 seconds.
          health: { overdueAfter: 10_000, failedRuns: 1_000, stalledAfterMs: 3_000 }
        }),
        { disableListenLog: true, disableLogger: true }
      ).pipe(
        Layer.provideMerge(NodeHttpServer.layerTest),
        Layer.provideMerge(serveLayer(graph, {
          runnerId: "serving",
          retry: Schedule.recurs(0),
          pollInterval: "1 second",
          grace: "5 seconds",
          handoffAfter: "6 seconds"
        })),
        Layer.provideMerge(Layer.mergeAll(startEngine({ tables: [Levels] }), SqlCatalog.layer({ attach: "serve" }))),
        Layer.provideMerge(pool())
      )

      // Joins the cluster, heartbeats and holds shards (a hundred times the serving runner's share), registers
      // nothing: its storage loop reads the messages of its shards and finds no entity to hand them to.
      const stalledRunner = clusterLayer({
        runnerId: "stalled",
        runnerStorage: "sql",
        grace: "1 second",
        handoffAfter: "6 seconds",
        messagePollInterval: "2 seconds",
        shardWeight: 100
      }).pipe(Layer.provide(pool()))

      // Launched outside the serving runner's layers, so that none of its layers is shared with the serving one.
      const join = yield* Deferred.make<void>()
      const stalled = yield* Effect.forkChild(Effect.andThen(Deferred.await(join), Layer.launch(stalledRunner)))

      yield* Effect.gen(function*() {
        const first = yield* healthUntil(({ status, document }) =>
          status === 200 && document.runner?.shards === 300 &&
          (document.nodes ?? []).every((node) => node.lastSuccessAt !== null))
        assert.isTrue(first.document.ok, "healthy while the serving runner holds every shard")

        yield* Deferred.succeed(join, undefined)
        // The serving runner hands over the shards the newcomer is assigned.
        yield* healthUntil(({ document }) => (document.runner?.shards ?? 300) < 30)

        // Ask every node to run: the messages go to the stalled runner's shards and wait there.
        const service = yield* Serving
        const nodes = service.nodes
        const requests = yield* Effect.forEach(nodes, (node, index) =>
          Effect.forkChild(service.requestRun(node.updateHash, { force: true, requestId: `stall-${index}` })))
        const flipped = yield* healthUntil(({ status }) => status === 503)
        const stalledNodes = (flipped.document.problems ?? []).filter((problem) => problem.includes("unconsumed in shard"))
        assert.isAtLeast(stalledNodes.length, 1, flipped.document.problems.join("\n"))
        assert.include(stalledNodes[0]!, "the runner holding that shard is not consuming its messages")
        const http = yield* HttpClient.HttpClient
        const metrics = yield* (yield* http.execute(HttpClientRequest.get("/metrics"))).text
        assert.match(metrics, /metatables_node_stalled\{node="[^"]+",kind="Serve\w+"\} 1/)
        assert.match(metrics, /metatables_node_messages_waiting\{node="[^"]+",kind="Serve\w+"\} [1-9]/)

        // The stalled runner leaves (releasing its shards): the serving runner takes them and consumes the backlog.
        yield* Fiber.interrupt(stalled)
        const recovered = yield* healthUntil(({ status, document }) => status === 200 && document.runner?.shards === 300)
        assert.isFalse((recovered.document.nodes ?? []).some((node) => node.stalled))
        const replies = yield* Effect.forEach(requests, Fiber.join)
        assert.deepStrictEqual(replies.map((reply) => reply.status), nodes.map(() => "succeeded"))
      }).pipe(Effect.provide(serving))
    }).pipe(TestClock.withLive), { timeout: 300_000 })
})
