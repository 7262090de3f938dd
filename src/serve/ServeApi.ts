/**
 * The HTTP API of `metatables serve`, typed by Schema (its OpenAPI document is served at `/api/openapi.json`):
 * tables (list, detail), a table's rows, the served nodes (graph and status, runs by page, watermarks), and,
 * with the bearer token from configuration, requests to run or replay a node; beside it `/healthz`,
 * `/readyz` and Prometheus `/metrics`. Documents follow `catalog list|show --json` and `nodes status --json`,
 * which the dashboard (web/) reads.
 */
import * as Context from "effect/Context"
import * as Schema from "effect/Schema"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import * as OpenApi from "effect/http-api/OpenApi"

/** A table, a node or a route that does not exist. */
// Each error's document carries its `message` (built from its other fields by `of`), which clients show.

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { what: Schema.String, message: Schema.String },
  { httpApiStatus: 404 }
) {
  static of(what: string): NotFound {
    return new NotFound({ what, message: `Not found: ${what}.` })
  }
}

/** A request the API cannot answer as asked (an unknown column, a limit out of range, a bad instant). */
export class BadRequest extends Schema.TaggedError<BadRequest>()(
  "BadRequest",
  { problems: Schema.Array(Schema.String), message: Schema.String },
  { httpApiStatus: 400 }
) {
  static of(problems: ReadonlyArray<string>): BadRequest {
    return new BadRequest({ problems, message: `Bad request: ${problems.join("; ")}.` })
  }
}

/** A write without the configured token (or with none configured). The token is never echoed. */
const unauthorizedMessages = {
  missing: "This request changes state: send the serve token as `Authorization: Bearer <token>`.",
  wrong: "The bearer token is not the serve token.",
  "not-configured": "No serve token is configured (METATABLES_SERVE_TOKEN), so this server accepts no writes."
} as const

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { reason: Schema.Literals(["missing", "wrong", "not-configured"]), message: Schema.String },
  { httpApiStatus: 401 }
) {
  static of(reason: keyof typeof unauthorizedMessages): Unauthorized {
    return new Unauthorized({ reason, message: unauthorizedMessages[reason] })
  }
}

/** `/healthz` or `/readyz` failing, with why. */
export class Unhealthy extends Schema.TaggedError<Unhealthy>()(
  "Unhealthy",
  { problems: Schema.Array(Schema.String), checkedAt: Schema.String, message: Schema.String },
  { httpApiStatus: 503 }
) {
  static of(problems: ReadonlyArray<string>, checkedAt: string): Unhealthy {
    return new Unhealthy({ problems, checkedAt, message: `Unhealthy: ${problems.join("; ")}.` })
  }
}

/** The caller holds the serve token (provided by the middleware to write endpoints). */
export class WriteAccess extends Context.Service<WriteAccess, { readonly granted: true }>()("metatables/serve/WriteAccess") {}

export class Authorization extends HttpApiMiddleware.Service<Authorization, { provides: WriteAccess; requires: never }>()(
  "metatables/serve/Authorization",
  { security: { bearer: HttpApiSecurity.bearer }, error: Unauthorized }
) {}

const TableSummary = Schema.Struct({
  uid: Schema.String,
  identifier: Schema.String,
  namespace: Schema.String,
  kind: Schema.String,
  schema: Schema.String,
  table: Schema.String,
  status: Schema.String,
  statusReason: Schema.NullOr(Schema.String),
  provider: Schema.NullOr(Schema.String),
  revision: Schema.NullOr(Schema.String),
  contractHash: Schema.String,
  updatedAt: Schema.String
})

const TableDetail = Schema.Struct({
  ...TableSummary.fields,
  description: Schema.String,
  /** The `relational-table.v1` contract as the catalog keeps it. */
  contract: Schema.Unknown,
  rowCount: Schema.NullOr(Schema.Number),
  timeRange: Schema.NullOr(Schema.Struct({ first: Schema.String, last: Schema.String }))
})

const RunView = Schema.Struct({
  uid: Schema.String,
  status: Schema.String,
  forced: Schema.Boolean,
  startedAt: Schema.String,
  finishedAt: Schema.NullOr(Schema.String),
  attempts: Schema.Number,
  rowsInserted: Schema.Number,
  rowsUpdated: Schema.Number,
  rowsUnchanged: Schema.Number,
  error: Schema.NullOr(Schema.Struct({ tag: Schema.String, message: Schema.String }))
})

const NodeSummary = Schema.Struct({
  updateHash: Schema.String,
  kind: Schema.String,
  table: Schema.String,
  dependsOn: Schema.Array(Schema.String),
  state: Schema.Literals(["fresh", "due", "running", "failed", "overdue"]),
  cadence: Schema.String,
  cadenceMs: Schema.Number,
  nextDueAt: Schema.String,
  lastRun: Schema.NullOr(RunView),
  lastSuccessAt: Schema.NullOr(Schema.String)
})

const NodeDetail = Schema.Struct({
  ...NodeSummary.fields,
  hashNamespace: Schema.NullOr(Schema.String),
  watermarks: Schema.Array(Schema.Struct({ entity: Schema.Unknown, first: Schema.String, last: Schema.String }))
})

const RunReplyView = Schema.Struct({
  message: Schema.String,
  status: Schema.String,
  runUid: Schema.NullOr(Schema.String),
  rowsInserted: Schema.Number,
  rowsUpdated: Schema.Number,
  error: Schema.NullOr(Schema.Struct({ tag: Schema.String, message: Schema.String }))
})

const RunnerView = Schema.Struct({
  id: Schema.String,
  /** Its node entity is registered with its shard loop: it consumes the messages of the shards it holds. */
  registered: Schema.Boolean,
  /** How many of the cluster's shards it holds (its share of the nodes). */
  shards: Schema.Number
})

const HealthView = Schema.Struct({
  ok: Schema.Boolean,
  checkedAt: Schema.String,
  runner: RunnerView,
  problems: Schema.Array(Schema.String),
  nodes: Schema.Array(Schema.Struct({
    kind: Schema.String,
    updateHash: Schema.String,
    table: Schema.String,
    cadence: Schema.String,
    cadenceSeconds: Schema.Number,
    lastSuccessAt: Schema.NullOr(Schema.String),
    nextDueAt: Schema.String,
    lagSeconds: Schema.Number,
    overdue: Schema.Boolean,
    failing: Schema.Boolean,
    messagesWaiting: Schema.Number,
    waitingSince: Schema.NullOr(Schema.String),
    stalled: Schema.Boolean
  }))
})

/** An instant in a query string: ISO 8601 with an offset. */
const Instant = Schema.String.annotate({ description: "An ISO 8601 instant with an offset, like 2026-01-02T00:00:00Z" })

export class TablesGroup extends HttpApiGroup.make("tables")
  .add(
    HttpApiEndpoint.get("list", "/tables", { success: Schema.Struct({ tables: Schema.Array(TableSummary) }) }),
    HttpApiEndpoint.get("get", "/tables/:uid", { params: { uid: Schema.String }, success: TableDetail, error: NotFound }),
    HttpApiEndpoint.get("rows", "/tables/:uid/rows", {
      params: { uid: Schema.String },
      query: {
        from: Schema.optional(Instant),
        to: Schema.optional(Instant),
        columns: Schema.optional(Schema.String.annotate({ description: "Column names, comma-separated" })),
        entities: Schema.optional(
          Schema.String.annotate({ description: "A JSON array of entities, each an object of grain values" })
        ),
        limit: Schema.optional(Schema.String.annotate({
          description: "At most this many rows (1 to 10000, default 1000; streamed: any number, default all)"
        })),
        stream: Schema.optional(Schema.Literals(["true", "false"]).annotate({
          description: "true: every matching row as NDJSON (application/x-ndjson), one object of its columns a line, " +
            "sent as it is read rather than as one document"
        }))
      },
      success: [
        Schema.Struct({
          columns: Schema.Array(Schema.String),
          rows: Schema.Array(Schema.Array(Schema.Unknown)),
          truncated: Schema.Boolean
        }),
        HttpApiSchema.StreamNdjson({ schema: Schema.Record(Schema.String, Schema.Unknown) })
      ],
      error: [NotFound, BadRequest]
    })
  )
  .prefix("/api")
  .annotateMerge(OpenApi.annotations({ title: "Tables", description: "The catalog's storage tables and their rows" }))
{}

export class NodesGroup extends HttpApiGroup.make("nodes")
  .add(
    HttpApiEndpoint.get("list", "/nodes", { success: Schema.Struct({ nodes: Schema.Array(NodeSummary) }) }),
    HttpApiEndpoint.get("get", "/nodes/:updateHash", {
      params: { updateHash: Schema.String },
      success: NodeDetail,
      error: NotFound
    }),
    HttpApiEndpoint.get("runs", "/nodes/:updateHash/runs", {
      params: { updateHash: Schema.String },
      query: {
        cursor: Schema.optional(Schema.String.annotate({ description: "The `next` of the previous page" })),
        limit: Schema.optional(Schema.String.annotate({ description: "Runs per page (1 to 500, default 50)" }))
      },
      success: Schema.Struct({ runs: Schema.Array(RunView), next: Schema.NullOr(Schema.String) }),
      error: [NotFound, BadRequest]
    })
  )
  .prefix("/api")
  .annotateMerge(OpenApi.annotations({ title: "Nodes", description: "The served DataNodes, their runs and watermarks" }))
{}

export class WritesGroup extends HttpApiGroup.make("writes")
  .add(
    HttpApiEndpoint.post("run", "/nodes/:updateHash/run", {
      params: { updateHash: Schema.String },
      payload: Schema.Struct({
        asOf: Schema.optional(Instant.annotate({ description: "Replay: the run's now (ctx.asOf); default now" }))
      }),
      success: RunReplyView,
      error: [NotFound, BadRequest]
    }),
    HttpApiEndpoint.post("backfill", "/nodes/:updateHash/backfill", {
      params: { updateHash: Schema.String },
      payload: Schema.Struct({
        from: Instant.annotate({ description: "The first instant of the node's time index to rewrite" }),
        to: Schema.optional(Instant.annotate({ description: "The last instant (default: now)" }))
      }),
      success: RunReplyView,
      error: [NotFound, BadRequest]
    })
  )
  .middleware(Authorization)
  .prefix("/api")
  .annotateMerge(OpenApi.annotations({
    title: "Writes",
    description: "Requests that run, replay (asOf) or backfill (from..to) a node; need the serve token"
  }))
{}

export class SystemGroup extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", { success: HealthView, error: Unhealthy }),
    HttpApiEndpoint.get("readyz", "/readyz", {
      success: Schema.Struct({ ok: Schema.Boolean, tables: Schema.Number, runner: RunnerView }),
      error: Unhealthy
    }),
    HttpApiEndpoint.get("metrics", "/metrics", {
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/plain; version=0.0.4" }))
    })
  )
{}

export class ServeApi extends HttpApi.make("metatables-serve")
  .add(TablesGroup)
  .add(NodesGroup)
  .add(WritesGroup)
  .add(SystemGroup)
  .annotateMerge(OpenApi.annotations({
    title: "metatables serve",
    description: "The catalog's tables, the served DataNodes, health and metrics"
  }))
{}
