/**
 * The serve HTTP API on both backends, through a real HTTP server on an ephemeral port: every route answers
 * a document its schema decodes (the typed client decodes each answer against the endpoint's schema), bad
 * input is a 400 naming the problem, unknown tables and nodes a 404; writes need the configured bearer token
 * (missing, wrong, or none configured: 401), and the token never appears in any answer; `/healthz` fails
 * listing the nodes that fell behind; `/metrics` is Prometheus text; the OpenAPI document lists the routes.
 */
import { assert } from "@effect/vitest"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as SqlClient from "effect/sql/SqlClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import { TestClock } from "effect/testing"
import { type AnyDataNode, SqlCatalog, startEngine } from "../../src/index.ts"
import { ServeApi } from "../../src/serve/ServeApi.ts"
import { serveHttpRoutes } from "../../src/serve/ServeHttp.ts"
import { serveLayer, Serving } from "../../src/index.ts"
import { deployTables } from "../support/deploy.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"
import { graph, Levels, unhealthyGraph } from "./fixtures/ServeGraph.ts"

const TOKEN = "s3cret-serve-token-7f1c"

/** serve (scheduler and cluster runner) with its HTTP routes on a test server, for the duration of `body`. */
const withServer = <A, E, R>(
  body: Effect.Effect<A, E, R>,
  options: {
    readonly token?: string | undefined
    readonly overdueAfter?: number
    readonly nodes?: ReadonlyArray<AnyDataNode<never>>
  } = {}
) =>
  Effect.gen(function*() {
    const routes = serveHttpRoutes({
      token: options.token === undefined ? undefined : Redacted.make(options.token),
      dashboard: false,
      // A loaded machine may run a 2-second cadence late: health is asserted healthy with a wide allowance,
      // and unhealthy with none.
      health: { overdueAfter: options.overdueAfter ?? 10_000, failedRuns: 3, stalledAfterMs: 120_000 }
    })
    const served = HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
      Layer.provideMerge(NodeHttpServer.layerTest),
      Layer.provideMerge(serveLayer(options.nodes ?? graph, { retry: Schedule.recurs(0), pollInterval: "1 second", grace: "5 seconds" })),
      Layer.provideMerge(Layer.mergeAll(startEngine({ tables: [Levels] }), SqlCatalog.layer({ attach: "serve" })))
    )
    return yield* body.pipe(Effect.provide(served))
  })

const client = HttpApiClient.make(ServeApi)

const raw = (method: "GET" | "POST", path: string, init: { readonly token?: string; readonly body?: unknown } = {}) =>
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    let request = method === "GET" ? HttpClientRequest.get(path) : HttpClientRequest.post(path)
    if (init.token !== undefined) request = HttpClientRequest.bearerToken(request, init.token)
    if (init.body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, init.body)
    const response = yield* http.execute(request)
    return { status: response.status, text: yield* response.text, contentType: response.headers["content-type"] ?? "" }
  })

/** Waits until every served node has a finished run. */
const untilServed = Effect.gen(function*() {
  const api = yield* client
  while (true) {
    const { nodes } = yield* api.nodes.list()
    if (nodes.length > 0 && nodes.every((node) => node.lastRun !== null && node.lastRun.finishedAt !== null)) return nodes
    yield* Effect.sleep("500 millis")
  }
}).pipe(Effect.timeout("120 seconds"))

describeBackends("serve HTTP API", (it) => {
  it.effect("answers every read route with a document its schema decodes", () =>
    Effect.andThen(Effect.andThen(resetDatabase, deployTables([Levels])), withServer(Effect.gen(function*() {
      const api = yield* client
      const nodes = yield* untilServed
      assert.strictEqual(nodes.length, 5)
      const derived = nodes.find((node) => node.kind === "ServeDerived")!
      assert.strictEqual(derived.dependsOn.length, 1)
      assert.strictEqual(derived.cadence, "freshFor 2s")
      assert.strictEqual(derived.cadenceMs, 2000)

      const { tables } = yield* api.tables.list()
      const levels = tables.find((table) => table.identifier === "serve_tests.levels")!
      assert.strictEqual(levels.status, "active")
      const detail = yield* api.tables.get({ params: { uid: levels.uid } })
      assert.strictEqual(detail.table, "serve__levels")
      assert.deepStrictEqual(detail.timeRange, { first: "2024-01-02T00:00:00.000Z", last: "2024-01-04T00:00:00.000Z" })

      const rows = yield* api.tables.rows({
        params: { uid: levels.uid },
        query: { columns: "gauge,value", from: "2024-01-03T00:00:00Z", entities: JSON.stringify([{ gauge: "c" }]), limit: "1" }
      })
      assert.deepStrictEqual(rows, { columns: ["gauge", "value"], rows: [["c", 2]], truncated: true })

      // Streamed: every matching row as NDJSON, one object a line, with the same filters; no 10,000-row cap.
      const entities = encodeURIComponent(JSON.stringify([{ gauge: "c" }]))
      const streamed = yield* raw("GET", `/api/tables/${levels.uid}/rows?stream=true&columns=gauge,value&from=2024-01-03T00:00:00Z&entities=${entities}`)
      assert.strictEqual(streamed.status, 200, streamed.text)
      assert.include(streamed.contentType, "application/x-ndjson")
      assert.deepStrictEqual(streamed.text.trim().split("\n").map((line) => JSON.parse(line)), [{ gauge: "c", value: 2 }, { gauge: "c", value: 3 }])
      const everything = yield* raw("GET", `/api/tables/${levels.uid}/rows?stream=true&limit=50000`)
      assert.strictEqual(everything.status, 200, everything.text)
      const lines = everything.text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>)
      assert.strictEqual(lines.length, 15, "every row of the table")
      assert.deepStrictEqual(Object.keys(lines[0]!).sort(), ["gauge", "time_index", "value"])
      assert.strictEqual(lines[0]!["time_index"], "2024-01-02T00:00:00.000Z", "instants as ISO text, in grain order")
      const limited = yield* raw("GET", `/api/tables/${levels.uid}/rows?stream=true&limit=2`)
      assert.strictEqual(limited.text.trim().split("\n").length, 2)
      assert.strictEqual((yield* raw("GET", `/api/tables/${levels.uid}/rows?limit=50000`)).status, 400, "buffered answers keep their cap")
      assert.strictEqual((yield* raw("GET", `/api/tables/${levels.uid}/rows?stream=true&columns=nope`)).status, 400)

      const node = yield* api.nodes.get({ params: { updateHash: derived.updateHash } })
      assert.strictEqual(node.watermarks.length, 1, "one entity: the derived gauge")
      assert.deepStrictEqual(node.watermarks[0]?.entity, { gauge: node.kind === "ServeDerived" ? (node.watermarks[0]?.entity as { gauge: string }).gauge : "" })
      assert.strictEqual(node.watermarks[0]?.last, "2024-01-04T00:00:00.000Z")

      // Paging: one run per page, following `next` to the end.
      yield* Effect.sleep("3 seconds")
      const seen: Array<string> = []
      let cursor: string | undefined
      for (let page = 0; page < 20; page++) {
        const answer = yield* api.nodes.runs({ params: { updateHash: derived.updateHash }, query: { limit: "1", cursor } })
        seen.push(...answer.runs.map((run) => run.uid))
        if (answer.next === null) break
        cursor = answer.next
      }
      assert.isAtLeast(seen.length, 2, "at least two runs, one per page")
      assert.strictEqual(new Set(seen).size, seen.length, "no run on two pages")

      const health = yield* api.healthz()
      assert.isTrue(health.ok)
      // The shard loop registered the node entity and consumes its messages (SQL message storage).
      assert.isTrue(health.runner.registered)
      assert.strictEqual(health.runner.shards, 300, "a lone runner holds every shard")
      assert.isFalse(health.nodes.some((node) => node.stalled))
      const ready = yield* api.readyz()
      assert.isTrue(ready.ok)
      assert.isTrue(ready.runner.registered)
      const metrics = yield* api.metrics()
      assert.match(metrics, /# TYPE metatables_node_runs_total counter/)
      assert.match(metrics, new RegExp(`metatables_node_runs_total\\{node="${derived.updateHash}",kind="ServeDerived",status="succeeded"\\} [1-9]`))
      assert.match(metrics, /metatables_node_lag_seconds\{node="[^"]+",kind="ServeSource"\} \d/)
      assert.match(metrics, /metatables_runner_registered\{runner="[^"]+"\} 1/)
      assert.match(metrics, /metatables_node_stalled\{node="[^"]+",kind="ServeSource"\} 0/)

      const openapi = JSON.parse((yield* raw("GET", "/api/openapi.json")).text) as { paths: Record<string, unknown> }
      for (const path of ["/api/tables", "/api/tables/{uid}", "/api/tables/{uid}/rows", "/api/nodes", "/api/nodes/{updateHash}", "/api/nodes/{updateHash}/runs", "/api/nodes/{updateHash}/run", "/api/nodes/{updateHash}/backfill", "/healthz", "/readyz", "/metrics"]) {
        assert.property(openapi.paths, path)
      }
    }), { token: TOKEN })).pipe(TestClock.withLive), { timeout: 180_000 })

  it.effect("refuses bad input with a 400 naming it, unknown tables and nodes with a 404", () =>
    Effect.andThen(
      Effect.andThen(resetDatabase, deployTables([Levels])),
      withServer(Effect.gen(function*() {
        const api = yield* client
        const { tables } = yield* api.tables.list()
        const uid = tables.find((table) => table.identifier === "serve_tests.levels")!.uid
        const badColumn = yield* raw("GET", `/api/tables/${uid}/rows?columns=gauge,nope`)
        assert.strictEqual(badColumn.status, 400)
        assert.include(badColumn.text, "the table has no column nope")
        const badInstant = yield* raw("GET", `/api/tables/${uid}/rows?from=2024-01-03`)
        assert.strictEqual(badInstant.status, 400)
        assert.include(badInstant.text, "from must be an ISO 8601 instant with an offset")
        const badEntity = yield* raw("GET", `/api/tables/${uid}/rows?entities=${encodeURIComponent("[{\"sensor\":\"x\"}]")}`)
        assert.strictEqual(badEntity.status, 400)
        assert.include(badEntity.text, "its columns are gauge")
        const injection = yield* raw("GET", `/api/tables/${uid}/rows?entities=${encodeURIComponent("[{\"gauge\":\"c' OR '1'='1\"}]")}`)
        assert.strictEqual(injection.status, 200)
        assert.deepStrictEqual(JSON.parse(injection.text).rows, [], "a value is a parameter, never SQL")
        const badLimit = yield* raw("GET", `/api/tables/${uid}/rows?limit=0`)
        assert.strictEqual(badLimit.status, 400)
        assert.strictEqual((yield* raw("GET", "/api/tables/00000000-0000-0000-0000-000000000000")).status, 404)
        assert.strictEqual((yield* raw("GET", "/api/nodes/nope_0")).status, 404)
        assert.strictEqual((yield* raw("GET", "/api/nodes/nope_0/runs")).status, 404)
      }), { token: TOKEN })
    ).pipe(TestClock.withLive), { timeout: 180_000 })

  it.effect("requires the token for writes, runs the node with it, and never prints it", () =>
    Effect.andThen(
      Effect.andThen(resetDatabase, deployTables([Levels])),
      withServer(Effect.gen(function*() {
        const serving = yield* Serving
        const hash = serving.nodes.find((node) => node.kind === "ServeSource")!.updateHash
        const missing = yield* raw("POST", `/api/nodes/${hash}/run`, { body: {} })
        assert.strictEqual(missing.status, 401)
        const wrong = yield* raw("POST", `/api/nodes/${hash}/run`, { token: "guess", body: {} })
        assert.strictEqual(wrong.status, 401)
        assert.include(wrong.text, "The bearer token is not the serve token")
        const ran = yield* raw("POST", `/api/nodes/${hash}/run`, { token: TOKEN, body: { asOf: "2024-02-01T00:00:00Z" } })
        assert.strictEqual(ran.status, 200, ran.text)
        assert.strictEqual(JSON.parse(ran.text).status, "succeeded")
        const badAsOf = yield* raw("POST", `/api/nodes/${hash}/run`, { token: TOKEN, body: { asOf: "yesterday" } })
        assert.strictEqual(badAsOf.status, 400)
        const unauthorizedBackfill = yield* raw("POST", `/api/nodes/${hash}/backfill`, { body: { from: "2024-01-02T00:00:00Z" } })
        assert.strictEqual(unauthorizedBackfill.status, 401)
        const backfilled = yield* raw("POST", `/api/nodes/${hash}/backfill`, {
          token: TOKEN,
          body: { from: "2024-01-02T00:00:00Z", to: "2024-01-03T00:00:00Z" }
        })
        assert.strictEqual(backfilled.status, 200, backfilled.text)
        assert.strictEqual(JSON.parse(backfilled.text).status, "succeeded", backfilled.text)
        const sql = yield* SqlClient.SqlClient
        const modes = yield* sql<{ readonly mode: string }>`SELECT mode FROM metatables.data_node_runs WHERE uid = ${JSON.parse(backfilled.text).runUid}::uuid`
        assert.deepStrictEqual(modes.map((row) => row.mode), ["backfill"], "recorded as a backfill")
        const reversed = yield* raw("POST", `/api/nodes/${hash}/backfill`, {
          token: TOKEN,
          body: { from: "2024-01-03T00:00:00Z", to: "2024-01-02T00:00:00Z" }
        })
        assert.strictEqual(reversed.status, 400)
        assert.include(reversed.text, "is after to")
        const answers = [missing, wrong, ran, badAsOf, backfilled, reversed, yield* raw("GET", "/api/openapi.json"), yield* raw("GET", "/metrics")]
        for (const answer of answers) assert.notInclude(answer.text, TOKEN)
      }), { token: TOKEN })
    ).pipe(TestClock.withLive), { timeout: 180_000 })

  it.effect("accepts no writes when no token is configured; /healthz fails listing the nodes behind", () =>
    Effect.andThen(
      Effect.andThen(resetDatabase, deployTables([Levels])),
      withServer(Effect.gen(function*() {
        const serving = yield* Serving
        const answer = yield* raw("POST", `/api/nodes/${serving.nodes[0]!.updateHash}/run`, { token: "anything", body: {} })
        assert.strictEqual(answer.status, 401)
        assert.include(answer.text, "No serve token is configured")
        yield* Effect.sleep("50 millis")
        const health = yield* raw("GET", "/healthz")
        assert.strictEqual(health.status, 503)
        const document = JSON.parse(health.text) as { problems: ReadonlyArray<string>; message: string }
        assert.strictEqual(document.problems.length, 5, "every node is behind with no allowance")
        for (const node of serving.nodes) assert.include(health.text, `${node.kind} (${node.updateHash})`)
        assert.include(document.message, "over 0 times its cadence")
      }), { overdueAfter: 0 })
    ).pipe(TestClock.withLive), { timeout: 180_000 })

  it.effect("/healthz flips to 503 when a node stops progressing (stuck) or keeps failing, naming each", () =>
    Effect.andThen(
      Effect.andThen(resetDatabase, deployTables([Levels])),
      withServer(Effect.gen(function*() {
        const serving = yield* Serving
        const stuck = serving.nodes.find((node) => node.kind === "ServeStuck")!
        const broken = serving.nodes.find((node) => node.kind === "ServeBroken")!
        const fine = serving.nodes.find((node) => node.kind === "ServeSource")!
        // Cadence 1 s, overdue after 3: the stuck node never succeeds; the broken one fails run after run.
        let answer = { status: 0, text: "" }
        const deadline = Date.now() + 120_000
        while (Date.now() < deadline) {
          answer = yield* raw("GET", "/healthz")
          if (answer.status === 503 && answer.text.includes("its last 3 runs failed") && answer.text.includes(stuck.updateHash)) break
          yield* Effect.sleep("500 millis")
        }
        assert.strictEqual(answer.status, 503, answer.text)
        const document = JSON.parse(answer.text) as { problems: ReadonlyArray<string> }
        assert.isTrue(document.problems.some((problem) => problem.startsWith(`ServeStuck (${stuck.updateHash}): no success for`)))
        assert.isTrue(document.problems.some((problem) => problem === `ServeBroken (${broken.updateHash}): its last 3 runs failed`))
        assert.isFalse(document.problems.some((problem) => problem.startsWith(`ServeSource (${fine.updateHash}): its last`)))
        const metrics = (yield* raw("GET", "/metrics")).text
        assert.include(metrics, `metatables_node_overdue{node="${stuck.updateHash}",kind="ServeStuck"} 1`)
        assert.match(metrics, new RegExp(`metatables_node_runs_total\\{node="${broken.updateHash}",kind="ServeBroken",status="failed"\\} [3-9]`))
      }), { nodes: unhealthyGraph, overdueAfter: 3 })
    ).pipe(TestClock.withLive), { timeout: 240_000 })
})
