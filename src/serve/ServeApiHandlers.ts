/**
 * What the serve API answers (`ServeApi`), read from the catalog and the served graph on this runner: any
 * runner answers alike, since all of it is in the database. A table's rows are read with identifiers from its
 * contract (quoted) and every value the caller gave as a parameter; columns and entities are checked against
 * the contract first. Writes pass the `Authorization` middleware, which compares the bearer token with the
 * configured one in constant time and never repeats either.
 *
 * It runs past 400 lines because it is one API's handlers, a group per section of `ServeApi`, each short; the
 * helpers they share (documents, query checks, the catalog's progress) sit above them.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeCrypto from "node:crypto"
import { Catalog, type CatalogTable } from "../catalog/Catalog.ts"
import type { RunRecord, UpdateStatus } from "../catalog/DataNodeRecords.ts"
import { Engine } from "../engine/Engine.ts"
import { cadenceMillis, nextDueAt } from "./NodeCadence.ts"
import type { RunNodeReply } from "./NodeRunEntity.ts"
import { Authorization, BadRequest, NotFound, ServeApi, Unauthorized, Unhealthy, WriteAccess } from "./ServeApi.ts"
import { waitingMessages } from "./ServeBacklog.ts"
import {
  assessHealth,
  type ClusterProgress,
  defaultHealthOptions,
  type HealthOptions,
  type NodeProgress,
  prometheusText
} from "./ServeHealth.ts"
import { ServeMetrics } from "./ServeMetrics.ts"
import { type ServedNode, Serving } from "./Serving.ts"

export interface ApiOptions {
  /** The bearer token writes need; none: the API accepts no writes. */
  readonly token: Redacted.Redacted<string> | undefined
  readonly health?: HealthOptions | undefined
}

const MAX_ROWS = 10_000
const MAX_RUNS = 500

const quote = (identifier: string): string => `"${identifier.replace(/"/g, "\"\"")}"`

const tableDocument = (row: CatalogTable) => ({
  uid: row.uid,
  identifier: row.identifier,
  namespace: row.namespace,
  kind: row.kind,
  schema: row.schema,
  table: row.tableName,
  status: row.status,
  statusReason: row.statusReason,
  provider: row.providerKey,
  revision: row.appliedRevision,
  contractHash: row.contractHash,
  updatedAt: row.updatedAt.toISOString()
})

const runDocument = (run: RunRecord) => ({
  uid: run.uid,
  status: run.status,
  forced: run.forced,
  startedAt: run.startedAt.toISOString(),
  finishedAt: run.finishedAt?.toISOString() ?? null,
  attempts: run.attempts,
  rowsInserted: run.rowsInserted,
  rowsUpdated: run.rowsUpdated,
  rowsUnchanged: run.rowsUnchanged,
  error: run.error
})

/** A cell as JSON: instants as ISO text, int8 as text. */
const cell = (value: unknown): unknown =>
  value instanceof Date ? value.toISOString() : typeof value === "bigint" ? value.toString() : value

const parseInstant = (name: string, text: string | undefined, problems: Array<string>): Date | undefined => {
  if (text === undefined) return undefined
  const date = new Date(text)
  if (!/[zZ]|[+-]\d\d:?\d\d$/.test(text) || Number.isNaN(date.getTime())) {
    problems.push(`${name} must be an ISO 8601 instant with an offset, not ${JSON.stringify(text)}`)
    return undefined
  }
  return date
}

const parseLimit = (text: string | undefined, fallback: number, max: number, problems: Array<string>): number => {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1 || value > max) {
    problems.push(`limit must be a whole number from 1 to ${max}, not ${JSON.stringify(text)}`)
    return fallback
  }
  return value
}

const safeEqual = (given: string, expected: string): boolean => {
  const a = NodeCrypto.createHash("sha256").update(given).digest()
  const b = NodeCrypto.createHash("sha256").update(expected).digest()
  return NodeCrypto.timingSafeEqual(a, b)
}

export const authorizationLayer = (token: Redacted.Redacted<string> | undefined) =>
  Layer.succeed(Authorization)({
    bearer: (effect, { credential }) => {
      if (token === undefined) return Effect.fail(Unauthorized.of("not-configured"))
      const given = Redacted.value(credential)
      if (given === "") return Effect.fail(Unauthorized.of("missing"))
      if (!safeEqual(given, Redacted.value(token))) return Effect.fail(Unauthorized.of("wrong"))
      return Effect.provideService(effect, WriteAccess, { granted: true })
    }
  })

/** Every served node's progress from the catalog, with its latest runs when its last one failed. */
const progressOf = Effect.fn("ServeApi.progress")(function*(nodes: ReadonlyArray<ServedNode>, failedRuns: number) {
  const engine = yield* Engine
  const statuses = yield* engine.records.status
  const starts = yield* engine.records.lastStarts
  const startsByHash = new Map(starts.map((entry) => [entry.updateHash, entry]))
  const statusByHash = new Map<string, UpdateStatus>()
  for (const status of statuses) statusByHash.set(status.update.updateHash, status)
  const progress = new Map<string, NodeProgress>()
  for (const node of nodes) {
    const status = statusByHash.get(node.updateHash)
    const latestRuns = status?.lastRun?.status === "failed"
      ? yield* engine.records.runs(node.updateHash, { limit: failedRuns })
      : status?.lastRun === undefined
      ? []
      : [status.lastRun]
    progress.set(node.updateHash, {
      lastStartedAt: startsByHash.get(node.updateHash)?.lastStartedAt,
      lastSuccessStartedAt: startsByHash.get(node.updateHash)?.lastSuccessStartedAt,
      latestRuns
    })
  }
  return { progress, statusByHash }
})

/** The cluster's side of health: the message backlog and whether this runner's node entity registered. */
const clusterProgressOf = (now: Date) =>
  Effect.gen(function*() {
    const serving = yield* Serving
    const waiting = yield* waitingMessages(now)
    return {
      runnerId: serving.runnerId,
      waiting: new Map(waiting.map((entry) => [entry.updateHash, entry])),
      registeredAt: yield* serving.registeredAt,
      shards: yield* serving.shards
    } satisfies ClusterProgress
  })

const nodeSummary = (node: ServedNode, status: UpdateStatus | undefined, progress: NodeProgress | undefined, now: Date, overdue: boolean) => {
  const lastRun = status?.lastRun
  const due = nextDueAt(node.cadence, progress?.lastStartedAt, now)
  const state = lastRun?.status === "running"
    ? "running" as const
    : lastRun?.status === "failed" || lastRun?.status === "interrupted"
    ? "failed" as const
    : overdue
    ? "overdue" as const
    : due.getTime() <= now.getTime()
    ? "due" as const
    : "fresh" as const
  return {
    updateHash: node.updateHash,
    kind: node.kind,
    table: node.table,
    dependsOn: [...node.dependsOn],
    state,
    cadence: node.cadence.source,
    cadenceMs: cadenceMillis(node.cadence, now),
    nextDueAt: due.toISOString(),
    lastRun: lastRun === undefined ? null : runDocument(lastRun),
    lastSuccessAt: progress?.lastSuccessStartedAt?.toISOString() ?? null
  }
}

const findTable = (uid: string) =>
  Effect.gen(function*() {
    const catalog = yield* Catalog
    const row = yield* Effect.orDie(catalog.find(uid))
    if (Option.isNone(row)) return yield* NotFound.of(`table ${uid}`)
    return row.value
  })

const servedNode = (updateHash: string) =>
  Effect.gen(function*() {
    const serving = yield* Serving
    const node = serving.nodes.find((candidate) => candidate.updateHash === updateHash)
    if (node === undefined) return yield* NotFound.of(`served node ${updateHash}`)
    return node
  })

const catalogList = Effect.gen(function*() {
  const catalog = yield* Catalog
  return yield* catalog.list
})

/** The handlers of every group; needs the catalog, the engine, the database, `Serving` and `ServeMetrics`. */
export const apiHandlersLayer = (options: ApiOptions) => {
  const health = options.health ?? defaultHealthOptions

  const tables = HttpApiBuilder.group(ServeApi, "tables", (handlers) =>
    handlers
      .handle("list", () =>
        catalogList.pipe(
          Effect.map((rows) => ({ tables: rows.map(tableDocument) })),
          Effect.orDie
        ))
      .handle("get", ({ params }) =>
        Effect.gen(function*() {
          const row = yield* findTable(params.uid)
          const sql = yield* SqlClient.SqlClient
          const relation = `${quote(row.schema)}.${quote(row.tableName)}`
          const [estimate] = yield* sql.unsafe<{ readonly rows: number }>(
            `SELECT reltuples::float8 AS rows FROM pg_class WHERE oid = $1::regclass`,
            [relation]
          ).pipe(Effect.orElseSucceed(() => []))
          const timeIndex = row.contract.authoring.time_indexed?.time_index_name
          const range = timeIndex === undefined ? [] : yield* sql.unsafe<{ readonly first: Date | null; readonly last: Date | null }>(
            `SELECT min(${quote(timeIndex)}) AS first, max(${quote(timeIndex)}) AS last FROM ${relation}`
          ).pipe(Effect.orElseSucceed(() => []))
          const first = range[0]?.first
          const last = range[0]?.last
          return {
            ...tableDocument(row),
            description: row.description,
            contract: row.contract,
            rowCount: estimate === undefined || estimate.rows < 0 ? null : Math.round(Number(estimate.rows)),
            timeRange: first == null || last == null ? null : { first: first.toISOString(), last: last.toISOString() }
          }
        }))
      .handle("rows", ({ params, query }) =>
        Effect.gen(function*() {
          const row = yield* findTable(params.uid)
          const sql = yield* SqlClient.SqlClient
          const problems: Array<string> = []
          const known = row.contract.columns.map((column) => column.name)
          const columns = query.columns === undefined
            ? known
            : query.columns.split(",").map((name) => name.trim()).filter((name) => name !== "")
          const unknown = columns.filter((name) => !known.includes(name))
          if (unknown.length > 0) problems.push(`the table has no column ${unknown.join(", ")} (it has ${known.join(", ")})`)
          const profile = row.contract.authoring.time_indexed
          const from = parseInstant("from", query.from, problems)
          const to = parseInstant("to", query.to, problems)
          if ((from !== undefined || to !== undefined) && profile === undefined) {
            problems.push("from and to need a time-index table; this one has none")
          }
          const streaming = query.stream === "true"
          const limit = streaming
            ? parseLimit(query.limit, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, problems)
            : parseLimit(query.limit, 1000, MAX_ROWS, problems)
          const entityColumns = profile?.index_names.filter((name) => name !== profile.time_index_name) ?? []
          let entities: ReadonlyArray<Readonly<Record<string, unknown>>> = []
          if (query.entities !== undefined) {
            const parsed = yield* Effect.try({ try: () => JSON.parse(query.entities!) as unknown, catch: () => "not JSON" }).pipe(
              Effect.orElseSucceed(() => undefined)
            )
            if (!Array.isArray(parsed) || !parsed.every((entity) => typeof entity === "object" && entity !== null)) {
              problems.push("entities must be a JSON array of objects of grain values")
            } else {
              entities = parsed as ReadonlyArray<Record<string, unknown>>
              for (const entity of entities) {
                const keys = Object.keys(entity)
                const outside = keys.filter((key) => !entityColumns.includes(key))
                if (outside.length > 0 || keys.length === 0) {
                  problems.push(`an entity names ${keys.join(", ") || "no column"}; its columns are ${entityColumns.join(", ") || "none"}`)
                }
              }
            }
          }
          if (problems.length > 0) return yield* BadRequest.of(problems)
          const values: Array<unknown> = []
          const parameter = (value: unknown) => {
            values.push(value)
            return `$${values.length}`
          }
          const where: Array<string> = []
          if (profile !== undefined && from !== undefined) where.push(`${quote(profile.time_index_name)} >= ${parameter(from)}`)
          if (profile !== undefined && to !== undefined) where.push(`${quote(profile.time_index_name)} <= ${parameter(to)}`)
          if (entities.length > 0) {
            where.push(`(${
              entities.map((entity) =>
                `(${Object.entries(entity).map(([key, value]) => `${quote(key)}::text = ${parameter(String(value))}`).join(" AND ")})`
              ).join(" OR ")
            })`)
          }
          const order = profile?.index_names ?? [known[0]!]
          const select = `SELECT ${columns.map(quote).join(", ")} FROM ${quote(row.schema)}.${quote(row.tableName)}` +
            (where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`) +
            ` ORDER BY ${order.map(quote).join(", ")}`
          if (streaming) {
            // On a server the rows come from a cursor as the client reads them; PGlite answers the query whole,
            // then the lines are written out as they are encoded.
            return sql.unsafe<Record<string, unknown>>(select + (Number.isFinite(limit) ? ` LIMIT ${limit}` : ""), values).stream.pipe(
              Stream.map((record) => Object.fromEntries(columns.map((name) => [name, cell(record[name])]))),
              Stream.orDie
            )
          }
          const rows = yield* sql.unsafe<Record<string, unknown>>(`${select} LIMIT ${limit + 1}`, values).pipe(Effect.orDie)
          return {
            columns,
            rows: rows.slice(0, limit).map((record) => columns.map((name) => cell(record[name]))),
            truncated: rows.length > limit
          }
        }))
  )

  const nodes = HttpApiBuilder.group(ServeApi, "nodes", (handlers) =>
    handlers
      .handle("list", () =>
        Effect.gen(function*() {
          const serving = yield* Serving
          const now = new Date(yield* Clock.currentTimeMillis)
          const { progress, statusByHash } = yield* progressOf(serving.nodes, health.failedRuns)
          const report = assessHealth(serving.nodes, progress, now, serving.since, health)
          const overdue = new Set(report.nodes.filter((node) => node.overdue).map((node) => node.updateHash))
          return {
            nodes: serving.nodes.map((node) =>
              nodeSummary(node, statusByHash.get(node.updateHash), progress.get(node.updateHash), now, overdue.has(node.updateHash))
            )
          }
        }).pipe(Effect.orDie))
      .handle("get", ({ params }) =>
        Effect.gen(function*() {
          const node = yield* servedNode(params.updateHash)
          const serving = yield* Serving
          const engine = yield* Engine
          const now = new Date(yield* Clock.currentTimeMillis)
          const { progress, statusByHash } = yield* progressOf([node], health.failedRuns).pipe(Effect.orDie)
          const report = assessHealth([node], progress, now, serving.since, health)
          const status = statusByHash.get(node.updateHash)
          const watermarks = status === undefined ? [] : yield* engine.records.watermarks(status.update.uid).pipe(Effect.orDie)
          return {
            ...nodeSummary(node, status, progress.get(node.updateHash), now, report.nodes[0]?.overdue === true),
            hashNamespace: status?.update.hashNamespace ?? null,
            watermarks: watermarks.map((mark) => ({
              entity: mark.entity,
              first: mark.first.toISOString(),
              last: mark.last.toISOString()
            }))
          }
        }))
      .handle("runs", ({ params, query }) =>
        Effect.gen(function*() {
          yield* servedNode(params.updateHash)
          const engine = yield* Engine
          const problems: Array<string> = []
          const limit = parseLimit(query.limit, 50, MAX_RUNS, problems)
          const before = parseInstant("cursor", query.cursor, problems)
          if (problems.length > 0) return yield* BadRequest.of(problems)
          const runs = yield* engine.records.runs(params.updateHash, { limit: limit + 1, before }).pipe(Effect.orDie)
          const page = runs.slice(0, limit)
          return {
            runs: page.map(runDocument),
            next: runs.length > limit ? page[page.length - 1]!.startedAt.toISOString() : null
          }
        }))
  )

  const replyDocument = (reply: RunNodeReply) => ({
    message: `${reply.status}: ${reply.rowsInserted} new and ${reply.rowsUpdated} changed rows` +
      (reply.error === null ? "" : `; ${reply.error.message}`),
    status: reply.status,
    runUid: reply.runUid,
    rowsInserted: reply.rowsInserted,
    rowsUpdated: reply.rowsUpdated,
    error: reply.error
  })

  const writes = HttpApiBuilder.group(ServeApi, "writes", (handlers) =>
    handlers
      .handle("run", ({ params, payload }) =>
        Effect.gen(function*() {
          yield* WriteAccess
          yield* servedNode(params.updateHash)
          const problems: Array<string> = []
          const asOf = parseInstant("asOf", payload.asOf, problems)
          if (problems.length > 0) return yield* BadRequest.of(problems)
          const serving = yield* Serving
          const reply = yield* serving.requestRun(params.updateHash, { force: true, requestId: NodeCrypto.randomUUID(), asOf })
          return replyDocument(reply)
        }))
      .handle("backfill", ({ params, payload }) =>
        Effect.gen(function*() {
          yield* WriteAccess
          yield* servedNode(params.updateHash)
          const problems: Array<string> = []
          const from = parseInstant("from", payload.from, problems)
          const to = parseInstant("to", payload.to, problems)
          if (from !== undefined && to !== undefined && from.getTime() > to.getTime()) {
            problems.push(`from (${payload.from}) is after to (${payload.to})`)
          }
          if (problems.length > 0 || from === undefined) return yield* BadRequest.of(problems)
          const serving = yield* Serving
          const reply = yield* serving.requestRun(params.updateHash, {
            force: true,
            requestId: NodeCrypto.randomUUID(),
            backfill: { from, to }
          })
          return replyDocument(reply)
        }))
  )

  const system = HttpApiBuilder.group(ServeApi, "system", (handlers) =>
    handlers
      .handle("healthz", () =>
        Effect.gen(function*() {
          const serving = yield* Serving
          const now = new Date(yield* Clock.currentTimeMillis)
          const read = yield* Effect.result(progressOf(serving.nodes, health.failedRuns))
          if (read._tag === "Failure") {
            return yield* Unhealthy.of([`the catalog cannot be read: ${read.failure.message}`], now.toISOString())
          }
          const cluster = yield* Effect.result(clusterProgressOf(now))
          if (cluster._tag === "Failure") {
            return yield* Unhealthy.of([`the cluster's message table cannot be read: ${cluster.failure.message}`], now.toISOString())
          }
          const report = assessHealth(serving.nodes, read.success.progress, now, serving.since, health, cluster.success)
          if (!report.ok) return yield* Unhealthy.of(report.problems, report.checkedAt)
          return { ...report, nodes: [...report.nodes], problems: [...report.problems] }
        }))
      .handle("readyz", () =>
        Effect.gen(function*() {
          const serving = yield* Serving
          const now = new Date(yield* Clock.currentTimeMillis)
          const read = yield* Effect.result(catalogList)
          if (read._tag === "Failure") {
            return yield* Unhealthy.of([`the catalog cannot be read: ${read.failure.message}`], now.toISOString())
          }
          const active = new Set(read.success.filter((row) => row.status === "active").map((row) => row.identifier))
          const missing = [...new Set(serving.nodes.map((node) => node.table))].filter((table) => !active.has(table))
          const registered = (yield* serving.registeredAt) !== undefined
          const problems = missing.map((table) => `table ${table} is not active in the catalog`)
          if (!registered) problems.push(`runner ${serving.runnerId}: its node entity is not registered yet`)
          if (problems.length > 0) return yield* Unhealthy.of(problems, now.toISOString())
          return { ok: true, tables: active.size, runner: { id: serving.runnerId, registered, shards: yield* serving.shards } }
        }))
      .handle("metrics", () =>
        Effect.gen(function*() {
          const serving = yield* Serving
          const metrics = yield* ServeMetrics
          const now = new Date(yield* Clock.currentTimeMillis)
          const { progress } = yield* progressOf(serving.nodes, health.failedRuns).pipe(Effect.orDie)
          const cluster = yield* clusterProgressOf(now).pipe(Effect.orDie)
          const report = assessHealth(serving.nodes, progress, now, serving.since, health, cluster)
          return prometheusText(report, yield* metrics.snapshot)
        }))
  )

  return Layer.mergeAll(tables, nodes, writes, system).pipe(Layer.provide(authorizationLayer(options.token)))
}
