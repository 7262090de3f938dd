/**
 * The serve API's JSON documents read into the dashboard's shapes (`types.ts`), checking each field it uses
 * and naming the one that is missing or of the wrong type (`ApiShapeError`), so that an API change shows as a
 * clear message on the page rather than as `undefined` in a table. Pure. Field names follow the documents of
 * `metatables catalog list|show --json` and `nodes status --json`, which the API's tables and nodes reuse.
 */
import { deriveNodeState, isNodeState } from "../lib/nodeState.ts"
import type {
  ColumnView,
  ForeignKeyView,
  IndexView,
  NodeDetail,
  NodeSummary,
  RevisionsView,
  RevisionView,
  RowsView,
  RunsView,
  RunView,
  TableDetail,
  TableSummary,
  WatermarkView
} from "./types.ts"

export class ApiShapeError extends Error {
  readonly path: string
  readonly expected: string
  constructor(path: string, expected: string, found: unknown) {
    const what = found === undefined ? "nothing" : found === null ? "null" : Array.isArray(found) ? "an array" : typeof found
    super(`The server's answer has ${what} at ${path}, where the dashboard expects ${expected}.`)
    this.name = "ApiShapeError"
    this.path = path
    this.expected = expected
  }
}

type Json = Readonly<Record<string, unknown>>

const object = (value: unknown, path: string): Json => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ApiShapeError(path, "an object", value)
  return value as Json
}

const array = (value: unknown, path: string): ReadonlyArray<unknown> => {
  if (!Array.isArray(value)) throw new ApiShapeError(path, "an array", value)
  return value
}

const string = (value: unknown, path: string): string => {
  if (typeof value !== "string") throw new ApiShapeError(path, "a string", value)
  return value
}

const optionalString = (value: unknown, path: string): string | null =>
  value === null || value === undefined ? null : string(value, path)

/** Counts arrive as numbers, or as strings where the database's bigint does not fit a JSON number. */
const number = (value: unknown, path: string): number => {
  const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value
  if (typeof parsed !== "number" || !Number.isFinite(parsed)) throw new ApiShapeError(path, "a number", value)
  return parsed
}

const optionalNumber = (value: unknown, path: string): number | null =>
  value === null || value === undefined ? null : number(value, path)

const boolean = (value: unknown, path: string, fallback?: boolean): boolean => {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== "boolean") throw new ApiShapeError(path, "true or false", value)
  return value
}

const strings = (value: unknown, path: string): ReadonlyArray<string> =>
  value === undefined || value === null ? [] : array(value, path).map((item, index) => string(item, `${path}[${index}]`))

/** An error as the API reports it: a message string, or an object with one. */
const errorText = (value: unknown, path: string): string | null => {
  if (value === null || value === undefined) return null
  if (typeof value === "string") return value
  const error = object(value, path)
  return typeof error.message === "string" ? error.message : JSON.stringify(error)
}

export const decodeTableSummary = (value: unknown, path = "table"): TableSummary => {
  const table = object(value, path)
  const schema = optionalString(table.schema, `${path}.schema`)
  const name = string(table.table ?? table.tableName, `${path}.table`)
  return {
    uid: string(table.uid, `${path}.uid`),
    identifier: string(table.identifier, `${path}.identifier`),
    namespace: string(table.namespace, `${path}.namespace`),
    kind: optionalString(table.kind, `${path}.kind`) ?? "-",
    physical: schema === null || name.includes(".") ? name : `${schema}.${name}`,
    status: string(table.status, `${path}.status`),
    provider: optionalString(table.provider, `${path}.provider`),
    revision: optionalString(table.revision, `${path}.revision`)
  }
}

export const decodeTables = (value: unknown): ReadonlyArray<TableSummary> =>
  array(object(value, "answer").tables, "answer.tables").map((table, index) => decodeTableSummary(table, `tables[${index}]`))

const decodeColumn = (value: unknown, path: string, defaults: Json): ColumnView => {
  const column = object(value, path)
  const name = string(column.name, `${path}.name`)
  const defaultValue = optionalString(column.server_default ?? column.default ?? defaults[name], `${path}.server_default`)
  return {
    name,
    type: string(column.backend_type ?? column.type, `${path}.backend_type`),
    nullable: boolean(column.nullable, `${path}.nullable`),
    primaryKey: boolean(column.primary_key ?? column.primaryKey, `${path}.primary_key`, false),
    unique: boolean(column.unique, `${path}.unique`, false),
    defaultValue,
    label: optionalString(column.label, `${path}.label`) ?? "",
    description: optionalString(column.description, `${path}.description`) ?? ""
  }
}

const decodeIndex = (value: unknown, path: string): IndexView => {
  const index = object(value, path)
  return {
    name: string(index.name, `${path}.name`),
    columns: strings(index.columns, `${path}.columns`),
    unique: boolean(index.unique, `${path}.unique`, false)
  }
}

const decodeForeignKey = (value: unknown, path: string): ForeignKeyView => {
  const key = object(value, path)
  return {
    name: string(key.name, `${path}.name`),
    columns: strings(key.columns, `${path}.columns`),
    references: string(key.references ?? key.foreignTable, `${path}.references`),
    referencedColumns: strings(key.referencedColumns ?? key.foreignColumns, `${path}.referencedColumns`)
  }
}

export const decodeTableDetail = (value: unknown): TableDetail => {
  const table = object(value, "table")
  const summary = decodeTableSummary(table)
  const contract = object(table.contract, "table.contract")
  const extension = contract.extension === undefined ? {} : object(contract.extension, "table.contract.extension")
  const defaults = extension.server_defaults === undefined
    ? {}
    : object(extension.server_defaults, "table.contract.extension.server_defaults")
  const authoring = contract.authoring === undefined ? {} : object(contract.authoring, "table.contract.authoring")
  const profile = authoring.time_indexed === undefined || authoring.time_indexed === null
    ? undefined
    : object(authoring.time_indexed, "table.contract.authoring.time_indexed")
  const timeIndex = profile === undefined ? undefined : string(profile.time_index_name, "table.contract.authoring.time_indexed.time_index_name")
  const range = table.timeRange === null || table.timeRange === undefined ? null : object(table.timeRange, "table.timeRange")
  return {
    ...summary,
    description: optionalString(table.description, "table.description") ?? "",
    contractHash: string(table.contractHash, "table.contractHash"),
    contractVersion: string(contract.version, "table.contract.version"),
    columns: array(contract.columns, "table.contract.columns").map((column, index) =>
      decodeColumn(column, `table.contract.columns[${index}]`, defaults)
    ),
    grain: profile === undefined || timeIndex === undefined ? null : {
      timeIndex,
      entityColumns: strings(profile.index_names, "table.contract.authoring.time_indexed.index_names")
        .filter((name) => name !== timeIndex),
      cadence: optionalString(profile.cadence, "table.contract.authoring.time_indexed.cadence")
    },
    indexes: table.indexes === undefined || table.indexes === null
      ? null
      : array(table.indexes, "table.indexes").map((index, at) => decodeIndex(index, `table.indexes[${at}]`)),
    foreignKeys: table.foreignKeys === undefined || table.foreignKeys === null
      ? null
      : array(table.foreignKeys, "table.foreignKeys").map((key, at) => decodeForeignKey(key, `table.foreignKeys[${at}]`)),
    rowCount: optionalNumber(table.rowCount, "table.rowCount"),
    timeRange: range === null
      ? null
      : { first: string(range.first, "table.timeRange.first"), last: string(range.last, "table.timeRange.last") }
  }
}

/** A table's indexes and foreign keys, from the dashboard API's structure route. */
export const decodeStructure = (value: unknown): Pick<TableDetail, "indexes" | "foreignKeys"> & { readonly rowCount?: number } => {
  const answer = object(value, "structure")
  const rowCount = optionalNumber(answer.rowCount, "structure.rowCount")
  return {
    ...(rowCount === null ? {} : { rowCount }),
    indexes: array(answer.indexes, "structure.indexes").map((index, at) => decodeIndex(index, `structure.indexes[${at}]`)),
    foreignKeys: array(answer.foreignKeys, "structure.foreignKeys").map((key, at) =>
      decodeForeignKey(key, `structure.foreignKeys[${at}]`)
    )
  }
}

/** A node's configuration, from the dashboard API's configuration route. */
export const decodeConfiguration = (value: unknown): unknown => {
  const answer = object(value, "configuration")
  if (!("configuration" in answer)) throw new ApiShapeError("configuration.configuration", "the configuration", undefined)
  return answer.configuration
}

export const decodeRows = (value: unknown): RowsView => {
  const answer = object(value, "answer")
  const rows = array(answer.rows, "answer.rows")
  const columns = answer.columns === undefined ? undefined : strings(answer.columns, "answer.columns")
  return {
    // Rows come as objects, or as arrays beside a `columns` list (smaller on the wire).
    rows: rows.map((row, index) => {
      if (!Array.isArray(row)) return object(row, `rows[${index}]`)
      if (columns === undefined) throw new ApiShapeError("answer.columns", "the column names of array rows", undefined)
      return Object.fromEntries(columns.map((column, at) => [column, row[at]]))
    }),
    truncated: boolean(answer.truncated, "answer.truncated", false)
  }
}

const decodeRevision = (value: unknown, path: string, applied: ReadonlySet<string>, heads: ReadonlySet<string>): RevisionView => {
  const revision = object(value, path)
  const id = string(revision.revision ?? revision.id, `${path}.revision`)
  const down = revision.downRevisions ?? revision.down_revision ?? revision.parents
  return {
    revision: id,
    parents: typeof down === "string" ? [down] : strings(down, `${path}.downRevisions`),
    dependsOn: strings(revision.dependsOn, `${path}.dependsOn`),
    branchLabels: strings(revision.branchLabels, `${path}.branchLabels`),
    message: optionalString(revision.message, `${path}.message`) ?? "",
    applied: typeof revision.applied === "boolean" ? revision.applied : applied.has(id),
    head: typeof revision.head === "boolean" ? revision.head : heads.has(id),
    sql: optionalString(revision.sql, `${path}.sql`),
    destructive: strings(revision.destructive, `${path}.destructive`)
  }
}

/** Every revision the current ones build on (parents and dependencies), themselves included. */
export const appliedFrom = (
  current: ReadonlyArray<string>,
  revisions: ReadonlyArray<{ readonly revision: string; readonly parents: ReadonlyArray<string>; readonly dependsOn: ReadonlyArray<string> }>
): ReadonlySet<string> => {
  const byId = new Map(revisions.map((revision) => [revision.revision, revision]))
  const applied = new Set<string>()
  const pending = [...current]
  while (pending.length > 0) {
    const id = pending.pop()!
    if (applied.has(id)) continue
    applied.add(id)
    const revision = byId.get(id)
    if (revision !== undefined) pending.push(...revision.parents, ...revision.dependsOn)
  }
  return applied
}

/**
 * The history, as the API or `migrations history --json` gives it: what is applied comes from each revision's
 * `applied`, else the answer's `applied` list, else the ancestors of `current`; heads from `heads` or markers.
 */
export const decodeRevisions = (value: unknown): RevisionsView => {
  const answer = object(value, "answer")
  const current = strings(answer.current, "answer.current")
  const listed = array(answer.revisions, "answer.revisions")
  const markers = (revision: unknown, index: number): ReadonlyArray<string> =>
    strings(object(revision, `revisions[${index}]`).markers, `revisions[${index}].markers`)
  const first = listed.map((revision, index) => decodeRevision(revision, `revisions[${index}]`, new Set(), new Set()))
  const heads = answer.heads === undefined
    ? first.filter((_, index) => markers(listed[index], index).includes("head")).map((revision) => revision.revision)
    : strings(answer.heads, "answer.heads")
  const applied = answer.applied === undefined ? appliedFrom(current, first) : new Set(strings(answer.applied, "answer.applied"))
  return {
    revisions: listed.map((revision, index) => decodeRevision(revision, `revisions[${index}]`, applied, new Set(heads))),
    current,
    heads
  }
}

export const decodeRun = (value: unknown, path: string): RunView => {
  const run = object(value, path)
  return {
    uid: string(run.uid, `${path}.uid`),
    status: string(run.status, `${path}.status`),
    startedAt: string(run.startedAt, `${path}.startedAt`),
    finishedAt: optionalString(run.finishedAt, `${path}.finishedAt`),
    attempts: optionalNumber(run.attempts, `${path}.attempts`) ?? 1,
    rowsInserted: optionalNumber(run.rowsInserted, `${path}.rowsInserted`) ?? 0,
    rowsUpdated: optionalNumber(run.rowsUpdated, `${path}.rowsUpdated`) ?? 0,
    rowsUnchanged: optionalNumber(run.rowsUnchanged, `${path}.rowsUnchanged`) ?? 0,
    error: errorText(run.error, `${path}.error`)
  }
}

export const decodeNodeSummary = (value: unknown, path: string, now: Date): NodeSummary => {
  const node = object(value, path)
  const lastRun = node.lastRun === null || node.lastRun === undefined ? null : decodeRun(node.lastRun, `${path}.lastRun`)
  const lastSuccessAt = optionalString(node.lastSuccessAt, `${path}.lastSuccessAt`)
  const stated = node.state ?? node.status
  return {
    updateHash: string(node.updateHash, `${path}.updateHash`),
    kind: string(node.kind, `${path}.kind`),
    table: string(node.table, `${path}.table`),
    dependsOn: strings(node.dependsOn, `${path}.dependsOn`),
    state: isNodeState(stated)
      ? stated
      : deriveNodeState(
        { lastRunStatus: lastRun?.status, lastSuccessAt, cadenceMs: optionalNumber(node.cadenceMs, `${path}.cadenceMs`) },
        now
      ),
    lastRun,
    lastSuccessAt,
    nextDueAt: optionalString(node.nextDueAt, `${path}.nextDueAt`),
    cadence: optionalString(node.cadence, `${path}.cadence`)
  }
}

export const decodeNodes = (value: unknown, now: Date): ReadonlyArray<NodeSummary> =>
  array(object(value, "answer").nodes, "answer.nodes").map((node, index) => decodeNodeSummary(node, `nodes[${index}]`, now))

/**
 * A watermark's entity as a key (`entityLabel` reads it): the catalog keeps the grain values as an object of
 * column to value (or an array); the key is the JSON array of the values as text, in the object's order.
 */
export const watermarkEntityKey = (entity: unknown): string => {
  if (typeof entity === "string") return entity
  const values = Array.isArray(entity)
    ? entity
    : typeof entity === "object" && entity !== null
    ? Object.values(entity)
    : []
  return JSON.stringify(values.map((value) => value === null || value === undefined ? null : String(value)))
}

const decodeWatermark = (value: unknown, path: string): WatermarkView => {
  const mark = object(value, path)
  return {
    entity: watermarkEntityKey(mark.entity),
    first: string(mark.first, `${path}.first`),
    last: string(mark.last, `${path}.last`)
  }
}

export const decodeNodeDetail = (value: unknown, now: Date): NodeDetail => {
  const node = object(value, "node")
  return {
    ...decodeNodeSummary(node, "node", now),
    hashNamespace: optionalString(node.hashNamespace, "node.hashNamespace"),
    configuration: node.configuration,
    watermarks: (node.watermarks === undefined || node.watermarks === null ? [] : array(node.watermarks, "node.watermarks"))
      .map((mark, index) => decodeWatermark(mark, `node.watermarks[${index}]`))
  }
}

export const decodeRuns = (value: unknown): RunsView => {
  const answer = object(value, "answer")
  return {
    runs: array(answer.runs, "answer.runs").map((run, index) => decodeRun(run, `runs[${index}]`)),
    next: optionalString(answer.next, "answer.next")
  }
}

/**
 * The server's reason, in words: the serve API's errors are tagged documents (`{ "_tag": "BadRequest",
 * "problems": [...] }`, `NotFound` with `what`, `Unauthorized` with `reason`); else a `message`, else the text.
 */
export const errorReason = (status: number, text: string): string => {
  try {
    const document = JSON.parse(text) as Record<string, unknown>
    if (Array.isArray(document["problems"])) return document["problems"].map(String).join("; ")
    if (typeof document["what"] === "string") return `not found: ${document["what"]}`
    if (status === 401) return `the token was refused (${String(document["reason"] ?? "unauthorized")})`
    if (typeof document["message"] === "string") return document["message"]
    const nested = document["error"] as { message?: unknown } | undefined
    if (typeof nested?.message === "string") return nested.message
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 300) || `status ${status}`
}
