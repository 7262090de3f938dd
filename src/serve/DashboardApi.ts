/**
 * What the dashboard (web/) reads beside the serve API (`ServeApi`), served on the same router: the project's
 * revision history (each revision's parents, dependencies, labels, message, upgrade SQL, and whether the
 * database has applied it), a table's indexes, foreign keys and row count as PostgreSQL reports them, and a
 * node's configuration as the catalog recorded it. Read-only; a
 * separate `HttpApi` so that serve's own API and its OpenAPI document stay as they are.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as SqlClient from "effect/sql/SqlClient"
import { Catalog } from "../catalog/Catalog.ts"
import type { RevisionOperation } from "../migrations/files/Revision.ts"
import { loadRevisions } from "../migrations/files/RevisionLoader.ts"
import { type MigrationProvider, versionTableOf } from "../migrations/Provider.ts"
import { discoverProvider } from "../migrations/ProviderDiscovery.ts"
import { readMigrationState } from "../migrations/runtime/MigrationApply.ts"
import { currentProjectRoot } from "../project/ProjectRoot.ts"

/** The project has no migration provider to show, or its revisions cannot be read. */
export class RevisionsUnavailable extends Schema.TaggedError<RevisionsUnavailable>()(
  "RevisionsUnavailable",
  { reason: Schema.String },
  { httpApiStatus: 503 }
) {
  override get message(): string {
    return `The revision history is unavailable: ${this.reason}`
  }
}

/** No catalog table has that uid. */
export class TableNotFound extends Schema.TaggedError<TableNotFound>()("TableNotFound", { uid: Schema.String }, { httpApiStatus: 404 }) {
  override get message(): string {
    return `No catalog table has the uid ${this.uid}.`
  }
}

const RevisionDocument = Schema.Struct({
  id: Schema.String,
  parents: Schema.Array(Schema.String),
  dependsOn: Schema.Array(Schema.String),
  branchLabels: Schema.Array(Schema.String),
  message: Schema.String,
  createdAt: Schema.String,
  /** The upgrade's statements; a data migration (TypeScript) is named as such. */
  sql: Schema.String,
  applied: Schema.Boolean
})

const RevisionsDocument = Schema.Struct({
  provider: Schema.String,
  /** The version table's heads; none when nothing is applied. */
  current: Schema.Array(Schema.String),
  /** The history's heads. */
  heads: Schema.Array(Schema.String),
  /** Newest first, as `migrations history` lists them. */
  revisions: Schema.Array(RevisionDocument)
})

const StructureDocument = Schema.Struct({
  /** Counted exactly when the table is small enough to count cheaply (see `COUNT_LIMIT_BYTES`), else none. */
  rowCount: Schema.NullOr(Schema.Number),
  indexes: Schema.Array(Schema.Struct({
    name: Schema.String,
    columns: Schema.Array(Schema.String),
    unique: Schema.Boolean,
    primary: Schema.Boolean
  })),
  foreignKeys: Schema.Array(Schema.Struct({
    name: Schema.String,
    columns: Schema.Array(Schema.String),
    references: Schema.String,
    referencedColumns: Schema.Array(Schema.String)
  }))
})

/** No node with that update hash has been recorded in the catalog. */
export class NodeNotRecorded extends Schema.TaggedError<NodeNotRecorded>()(
  "NodeNotRecorded",
  { updateHash: Schema.String },
  { httpApiStatus: 404 }
) {
  override get message(): string {
    return `No DataNode with the update hash ${this.updateHash} has run in this database yet.`
  }
}

const ConfigurationDocument = Schema.Struct({
  updateHash: Schema.String,
  kind: Schema.String,
  /** The canonical configuration the update hash was computed from. */
  configuration: Schema.Unknown
})

export class DashboardGroup extends HttpApiGroup.make("dashboard")
  .add(
    HttpApiEndpoint.get("revisions", "/revisions", { success: RevisionsDocument, error: RevisionsUnavailable }),
    HttpApiEndpoint.get("configuration", "/nodes/:updateHash/configuration", {
      params: { updateHash: Schema.String },
      success: ConfigurationDocument,
      error: NodeNotRecorded
    }),
    HttpApiEndpoint.get("structure", "/tables/:uid/structure", {
      params: { uid: Schema.String },
      success: StructureDocument,
      error: TableNotFound
    })
  )
  .prefix("/api")
{}

export class DashboardApi extends HttpApi.make("metatables-dashboard").add(DashboardGroup) {}

/** A revision's upgrade as one script. */
export const upgradeScript = (operations: ReadonlyArray<RevisionOperation>): string =>
  operations.length === 0
    ? "-- (no statements)"
    : operations.map((operation) =>
      typeof operation === "string"
        ? operation.trim().endsWith(";") ? operation.trim() : `${operation.trim()};`
        : "-- a data migration (TypeScript): it runs in the revision's transaction and is not SQL text"
    ).join("\n\n")

const INDEXES = `
  SELECT index_class.relname AS name, indexes.indisunique AS unique, indexes.indisprimary AS primary,
    ARRAY(SELECT COALESCE(attribute.attname, pg_get_indexdef(indexes.indexrelid, key.position::int, true))
      FROM unnest(indexes.indkey) WITH ORDINALITY AS key(number, position)
      LEFT JOIN pg_attribute attribute ON attribute.attrelid = indexes.indrelid AND attribute.attnum = key.number
      ORDER BY key.position) AS columns
  FROM pg_index indexes JOIN pg_class index_class ON index_class.oid = indexes.indexrelid
  WHERE indexes.indrelid = $1::regclass ORDER BY index_class.relname`

const FOREIGN_KEYS = `
  SELECT constraints.conname AS name, constraints.confrelid::regclass::text AS references,
    ARRAY(SELECT attribute.attname FROM unnest(constraints.conkey) WITH ORDINALITY AS key(number, position)
      JOIN pg_attribute attribute ON attribute.attrelid = constraints.conrelid AND attribute.attnum = key.number
      ORDER BY key.position) AS columns,
    ARRAY(SELECT attribute.attname FROM unnest(constraints.confkey) WITH ORDINALITY AS key(number, position)
      JOIN pg_attribute attribute ON attribute.attrelid = constraints.confrelid AND attribute.attnum = key.number
      ORDER BY key.position) AS referenced_columns
  FROM pg_constraint constraints
  WHERE constraints.conrelid = $1::regclass AND constraints.contype = 'f' ORDER BY constraints.conname`

/** Tables up to this size on disk get an exact `count(*)`; larger ones are left to serve's estimate. */
export const COUNT_LIMIT_BYTES = 256 * 1024 * 1024

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** The provider to show: the one given, else the project's (package.json or migrations/index.ts). */
const providerOf = (given: MigrationProvider | undefined) =>
  given !== undefined
    ? Effect.succeed(given)
    : Effect.flatMap(currentProjectRoot, (projectRoot) => discoverProvider({ reference: Option.none(), projectRoot })).pipe(
      Effect.map(({ provider }) => provider),
      Effect.mapError((error) => new RevisionsUnavailable({ reason: error.message }))
    )

/**
 * The handlers, over the serve process's database, catalog and file system. `provider`: whose history to
 * show (default: the project's, found as `migrations` commands find it).
 */
export const dashboardHandlers = (options: { readonly provider?: MigrationProvider | undefined } = {}) =>
  HttpApiBuilder.group(DashboardApi, "dashboard", (handlers) =>
    handlers
      .handle("revisions", () =>
        Effect.gen(function*() {
          const provider = yield* providerOf(options.provider)
          const loaded = yield* loadRevisions(provider.versionLocations).pipe(
            Effect.mapError((error) => new RevisionsUnavailable({ reason: error.message }))
          )
          const state = yield* readMigrationState(versionTableOf(provider)).pipe(
            Effect.mapError((error) => new RevisionsUnavailable({ reason: error.message }))
          )
          const applied = new Set(state.ledger.map((entry) => entry.revision))
          const revisions = [...loaded.revisions.values()].sort((a, b) =>
            b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)
          )
          return {
            provider: provider.key,
            current: state.heads,
            heads: loaded.graph.upgradedHeads,
            revisions: revisions.map((revision) => ({
              id: revision.id,
              parents: revision.parents,
              dependsOn: revision.dependsOn,
              branchLabels: revision.branchLabels,
              message: revision.message,
              createdAt: revision.createdAt,
              sql: upgradeScript(revision.upgrade),
              applied: applied.has(revision.id)
            }))
          }
        }))
      .handle("configuration", ({ params }) =>
        Effect.gen(function*() {
          const catalog = yield* Catalog
          const sql = yield* SqlClient.SqlClient
          // The newest record of the update (a table made again gives the node a new record, same hash).
          const [row] = yield* sql.unsafe<{ readonly kind: string; readonly configuration: unknown }>(
            `SELECT kind, configuration FROM ${quote(catalog.schema)}.data_node_updates WHERE update_hash = $1 ` +
              "ORDER BY updated_at DESC LIMIT 1",
            [params.updateHash]
          ).pipe(Effect.orDie)
          if (row === undefined) return yield* new NodeNotRecorded({ updateHash: params.updateHash })
          const configuration = typeof row.configuration === "string" ? JSON.parse(row.configuration) as unknown : row.configuration
          return { updateHash: params.updateHash, kind: row.kind, configuration }
        }))
      .handle("structure", ({ params }) =>
        Effect.gen(function*() {
          const catalog = yield* Catalog
          const sql = yield* SqlClient.SqlClient
          const found = yield* catalog.find(params.uid).pipe(Effect.orDie)
          if (Option.isNone(found) || found.value.uid !== params.uid) return yield* new TableNotFound({ uid: params.uid })
          const relation = `${quote(found.value.schema)}.${quote(found.value.tableName)}`
          const indexes = yield* sql.unsafe<{ name: string; unique: boolean; primary: boolean; columns: ReadonlyArray<string> }>(
            INDEXES,
            [relation]
          ).pipe(Effect.orDie)
          const keys = yield* sql.unsafe<
            { name: string; references: string; columns: ReadonlyArray<string>; referenced_columns: ReadonlyArray<string> }
          >(FOREIGN_KEYS, [relation]).pipe(Effect.orDie)
          const [size] = yield* sql.unsafe<{ readonly bytes: number }>(
            `SELECT pg_total_relation_size($1::regclass)::float8 AS bytes`,
            [relation]
          ).pipe(Effect.orDie)
          const counted = size === undefined || Number(size.bytes) > COUNT_LIMIT_BYTES
            ? []
            : yield* sql.unsafe<{ readonly rows: number }>(`SELECT count(*)::float8 AS rows FROM ${relation}`).pipe(Effect.orDie)
          return {
            rowCount: counted[0] === undefined ? null : Number(counted[0].rows),
            indexes: indexes.map((index) => ({ ...index, columns: [...index.columns] })),
            foreignKeys: keys.map((key) => ({
              name: key.name,
              columns: [...key.columns],
              references: key.references,
              referencedColumns: [...key.referenced_columns]
            }))
          }
        }))
  )

/** The dashboard's API routes on the router, needing the database, the catalog and the file system. */
export const dashboardApiLayer = (options: { readonly provider?: MigrationProvider | undefined } = {}) =>
  HttpApiBuilder.layer(DashboardApi).pipe(Layer.provide(dashboardHandlers(options)))
