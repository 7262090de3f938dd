/**
 * The catalog kept in SQL tables of the connected database (schema `metatables` by default), on a
 * PostgreSQL server or the embedded database alike. See `Catalog` for the contract.
 *
 * It is longer than most files because it is one service: every method of `Catalog` shares the same
 * schema, row decoding and locks, and splitting them would spread one transaction's rules over several files.
 * The catalog's own tables (`CatalogSchema.ts`), the DataNode records (`SqlDataNodeRecords.ts`) and the
 * migration credentials (`MigrationCredentials.ts`) live beside it.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import { Database } from "../db/Database.ts"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { StoredTableContract, tableContract } from "../storage/Contract.ts"
import { modelContractHash } from "../storage/ContractHash.ts"
import type { AnyStorageTable } from "../storage/StorageTable.ts"
import {
  type ActiveResolution,
  Catalog,
  type CatalogTable,
  type CredentialOptions,
  type DataSource,
  DROPPED_BY_MIGRATION,
  type FinalizedTable,
  type FinalizeRequest,
  type ProviderIdentity,
  type ReserveRequest
} from "./Catalog.ts"
import {
  CatalogNotReadyError,
  CatalogStorageError,
  CatalogTableNotFoundError,
  CredentialError,
  DeletionProtectedError,
  type InvalidCatalogRowError,
  type InvalidCatalogSchemaError,
  TableReservationError,
  VersionRegistryError
} from "./CatalogErrors.ts"
import {
  appliedCatalogVersion,
  CATALOG_VERSION,
  DEFAULT_CATALOG_SCHEMA,
  ensureCatalogSchema,
  validateCatalogSchema
} from "./CatalogSchema.ts"
import { decodeCatalogRows } from "./internal/catalogRows.ts"
import { MigrationCredentials } from "./MigrationCredentials.ts"
import { compareWithContract, introspectTables, physicalKey } from "./TableIntrospection.ts"

export interface SqlCatalogOptions {
  /** The schema of the catalog's own tables (default `metatables`). */
  readonly schema?: string | undefined
  /**
   * Attach to an existing catalog at this metatables' version without creating, upgrading or registering
   * anything (what `startEngine` and `nodes status` do); otherwise a `CatalogNotReadyError` naming `attach`.
   * By default the catalog's tables are created or upgraded on first use, as the migration lifecycle needs.
   */
  readonly attach?: string | undefined
}

/** A `meta_tables` row, by column; decoded into a `CatalogTable`. */
const CatalogRow = Schema.Struct({
  uid: Schema.String,
  dataSourceUid: Schema.String,
  identifier: Schema.String,
  namespace: Schema.String,
  kind: Schema.Literals(["relational", "time-indexed"]),
  role: Schema.Literals(["application", "version-registry"]),
  schema: Schema.String,
  tableName: Schema.String,
  status: Schema.Literals(["reserved", "active", "failed", "deleted"]),
  statusReason: Schema.NullOr(Schema.String),
  // Rows finalized before the contract followed the SDK's layout decode into it.
  contract: StoredTableContract,
  contractHash: Schema.String,
  providerKey: Schema.NullOr(Schema.String),
  versionRegistryUid: Schema.NullOr(Schema.String),
  appliedRevision: Schema.NullOr(Schema.String),
  protectFromDeletion: Schema.Boolean,
  description: Schema.String,
  labels: Schema.Array(Schema.String),
  createdAt: Schema.Date,
  updatedAt: Schema.Date
}).pipe(Schema.encodeKeys({
  dataSourceUid: "data_source_uid",
  schema: "physical_schema",
  tableName: "physical_table",
  statusReason: "status_reason",
  contractHash: "contract_hash",
  providerKey: "provider_key",
  versionRegistryUid: "version_registry_uid",
  appliedRevision: "applied_revision",
  protectFromDeletion: "protect_from_deletion",
  createdAt: "created_at",
  updatedAt: "updated_at"
}))

const ROW_COLUMNS = `uid::text AS uid, data_source_uid::text AS data_source_uid, identifier, namespace, kind, role,
  physical_schema, physical_table, status, status_reason, contract, contract_hash, provider_key,
  version_registry_uid::text AS version_registry_uid, applied_revision, protect_from_deletion, description, labels,
  created_at, updated_at`

/** A `data_sources` row, by column. */
const DataSourceRow = Schema.Struct({
  uid: Schema.String,
  name: Schema.String,
  backend: Schema.Literals(["postgres", "pglite"]),
  databaseName: Schema.String
}).pipe(Schema.encodeKeys({ databaseName: "database_name" }))

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Fails unless the catalog in `schema` exists at exactly the version this metatables writes. */
const requireCatalogVersion = Effect.fn("SqlCatalog.requireCatalogVersion")(function*(
  schema: string,
  attaching: string
) {
  const found = yield* appliedCatalogVersion(schema).pipe(
    Effect.catchTag("SqlError", (error) => Effect.fail(CatalogStorageError.during("read its version")(error)))
  )
  if (found !== CATALOG_VERSION) {
    return yield* new CatalogNotReadyError({ schema, found, expected: CATALOG_VERSION, attaching })
  }
})

/** The contract hash the catalog records for a table, computed from its model (one function, in `storage`). */
export { modelContractHash }

const make = Effect.fn("SqlCatalog.make")(function*(options: SqlCatalogOptions) {
  const schema = yield* validateCatalogSchema(options.schema ?? DEFAULT_CATALOG_SCHEMA)
  const sql = yield* SqlClient.SqlClient
  const database = yield* Database
  const credentials = yield* MigrationCredentials
  if (options.attach === undefined) yield* ensureCatalogSchema(schema)
  else yield* requireCatalogVersion(schema, options.attach)
  const tables = `"${schema}".meta_tables`

  const decodeTableRows = decodeCatalogRows(CatalogRow, `${schema}.meta_tables`)

  const selectRows = (where: string, params: ReadonlyArray<unknown>, operation: string) =>
    sql.unsafe(`SELECT ${ROW_COLUMNS} FROM ${tables} WHERE ${where} ORDER BY namespace, identifier`, params).pipe(
      Effect.mapError(CatalogStorageError.during(operation)),
      Effect.flatMap(decodeTableRows)
    )

  const dataSource: DataSource = yield* Effect.gen(function*() {
    if (options.attach === undefined) {
      yield* sql.unsafe(
        `INSERT INTO "${schema}".data_sources (name, backend, database_name)
         VALUES ('default', $1, current_database()) ON CONFLICT (name) DO NOTHING`,
        [database.backend]
      )
    }
    return yield* sql.unsafe(
      `SELECT uid::text AS uid, name, backend, database_name FROM "${schema}".data_sources WHERE name = 'default'`
    )
  }).pipe(
    Effect.mapError(CatalogStorageError.during("register the default data source")),
    Effect.flatMap(decodeCatalogRows(DataSourceRow, `${schema}.data_sources`)),
    Effect.flatMap(([row]) =>
      row === undefined
        ? Effect.fail(
          new CatalogStorageError({
            operation: "find its default data source",
            cause: "the catalog has none; run `metatables migrations upgrade`, which registers it"
          })
        )
        : Effect.succeed(row)
    )
  )

  const rowsByPhysical = (names: ReadonlyArray<{ readonly schema: string; readonly table: string }>, operation: string) =>
    Effect.map(
      selectRows(
        `data_source_uid = $1::uuid AND (physical_schema || '.' || physical_table) = ANY($2::text[])`,
        [dataSource.uid, pgArrayLiteral(names.map(physicalKey))],
        operation
      ),
      (rows) => new Map(rows.map((row) => [physicalKey({ schema: row.schema, table: row.tableName }), row]))
    )

  const rowsByIdentifier = (keys: ReadonlyArray<{ readonly namespace: string; readonly identifier: string }>) =>
    selectRows(
      `(namespace || '/' || identifier) = ANY($1::text[])`,
      [pgArrayLiteral(keys.map((key) => `${key.namespace}/${key.identifier}`))],
      "look up identifiers"
    )

  const physicalOf = (table: AnyStorageTable) => ({ schema: table.metadata.schema, table: table.metadata.tableName })

  const insertReserved = (
    provider: ProviderIdentity,
    role: "application" | "version-registry",
    versionRegistryUid: string | null,
    entries: ReadonlyArray<AnyStorageTable>
  ) =>
    sql.unsafe(
      `INSERT INTO ${tables} (data_source_uid, identifier, namespace, kind, role, physical_schema, physical_table,
         status, contract, contract_hash, provider_key, version_registry_uid, protect_from_deletion, description, labels)
       SELECT $1::uuid, u.identifier, u.namespace, u.kind, $2, u.physical_schema, u.physical_table, 'reserved',
         u.contract::jsonb, u.contract_hash, $3, $4::uuid, u.protect, u.description, u.labels::jsonb
       FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bool[],
         $13::text[], $14::text[])
         AS u(identifier, namespace, kind, physical_schema, physical_table, contract, contract_hash, protect,
           description, labels)
       ON CONFLICT DO NOTHING`,
      [
        dataSource.uid,
        role,
        provider.key,
        versionRegistryUid,
        pgArrayLiteral(entries.map((table) => table.metadata.identifier)),
        pgArrayLiteral(entries.map((table) => table.metadata.namespace)),
        pgArrayLiteral(entries.map((table) => table.metadata.kind)),
        pgArrayLiteral(entries.map((table) => table.metadata.schema)),
        pgArrayLiteral(entries.map((table) => table.metadata.tableName)),
        pgArrayLiteral(entries.map((table) => JSON.stringify(tableContract(table)))),
        pgArrayLiteral(entries.map(modelContractHash)),
        pgArrayLiteral(entries.map((table) => table.metadata.protectFromDeletion)),
        pgArrayLiteral(entries.map((table) => table.metadata.description)),
        pgArrayLiteral(entries.map((table) => JSON.stringify(table.metadata.labels)))
      ]
    )

  /** Why `row` cannot serve `table` for `provider`, or undefined when it can. */
  const refusal = (
    provider: ProviderIdentity,
    table: AnyStorageTable,
    row: CatalogTable,
    role: "application" | "version-registry"
  ): TableReservationError | undefined => {
    const base = {
      table: physicalKey(physicalOf(table)),
      identifier: table.metadata.identifier,
      provider: provider.key,
      owner: row.providerKey,
      status: row.status
    }
    if (row.dataSourceUid !== dataSource.uid) {
      return new TableReservationError({ ...base, reason: "other-data-source", detail: row.dataSourceUid })
    }
    if (row.role !== role) return new TableReservationError({ ...base, reason: "role-mismatch", detail: row.role })
    if (row.providerKey !== provider.key) {
      return new TableReservationError({ ...base, reason: "foreign-owner", detail: null })
    }
    if (row.status === "failed") return new TableReservationError({ ...base, reason: "failed", detail: row.statusReason })
    if (row.status === "deleted") return new TableReservationError({ ...base, reason: "deleted", detail: null })
    return undefined
  }

  /** A row the provider may take over: its own, of this data source and role, reserved, active or dropped by it. */
  const ownRow = (provider: ProviderIdentity, row: CatalogTable, role: "application" | "version-registry") =>
    row.providerKey === provider.key && row.dataSourceUid === dataSource.uid && row.role === role &&
    (row.status === "reserved" || row.status === "active" ||
      (row.status === "deleted" && row.statusReason?.startsWith(DROPPED_BY_MIGRATION) === true))

  /** Points `row` at its table's new physical name (a rename): same uid, reserved until finalize verifies it. */
  const moveRow = (row: CatalogTable, to: { readonly schema: string; readonly table: string }) =>
    Effect.gen(function*() {
      const reason = `renamed from ${physicalKey({ schema: row.schema, table: row.tableName })}`
      yield* sql.unsafe(
        `UPDATE ${tables} SET physical_schema = $2, physical_table = $3, status = 'reserved', status_reason = $4,
           updated_at = now() WHERE uid = $1::uuid`,
        [row.uid, to.schema, to.table, reason]
      ).pipe(Effect.mapError(CatalogStorageError.during("rename the table's row")))
      return { ...row, schema: to.schema, tableName: to.table, status: "reserved" as const, statusReason: reason }
    })

  /** Takes back a row a migration marked deleted (a downgrade dropped the table an upgrade makes again). */
  const reviveRow = (row: CatalogTable) =>
    Effect.as(
      sql.unsafe(`UPDATE ${tables} SET status = 'reserved', status_reason = NULL, updated_at = now() WHERE uid = $1::uuid`, [
        row.uid
      ]).pipe(Effect.mapError(CatalogStorageError.during("take back the table's row"))),
      { ...row, status: "reserved" as const, statusReason: null }
    )

  const identifierConflict = (provider: ProviderIdentity, table: AnyStorageTable) =>
    Effect.flatMap(rowsByIdentifier([table.metadata]), ([holder]) =>
      Effect.fail(
        new TableReservationError({
          table: physicalKey(physicalOf(table)),
          identifier: table.metadata.identifier,
          provider: provider.key,
          owner: holder?.providerKey ?? null,
          status: holder?.status ?? null,
          reason: holder !== undefined && holder.dataSourceUid !== dataSource.uid ? "other-data-source" : "identifier-taken",
          detail: holder === undefined ? null : physicalKey({ schema: holder.schema, table: holder.tableName })
        })
      ))

  const ensureVersionRegistry = Effect.fn("Catalog.ensureVersionRegistry")(function*(
    provider: ProviderIdentity,
    registry: AnyStorageTable
  ) {
    yield* insertReserved(provider, "version-registry", null, [registry]).pipe(
      Effect.mapError(CatalogStorageError.during("register the version registry"))
    )
    const row = (yield* rowsByPhysical([physicalOf(registry)], "read the version registry")).get(
      physicalKey(physicalOf(registry))
    )
    const table = physicalKey(physicalOf(registry))
    if (row === undefined) {
      const [holder] = yield* rowsByIdentifier([registry.metadata])
      return yield* new VersionRegistryError({
        table,
        provider: provider.key,
        problems: [
          `identifier ${registry.metadata.namespace}/${registry.metadata.identifier} is used by ` +
          `${holder === undefined ? "another table" : physicalKey({ schema: holder.schema, table: holder.tableName })}`
        ]
      })
    }
    const problems = [
      row.role === "version-registry" ? undefined : `role: expected version-registry, found ${row.role}`,
      row.providerKey === provider.key ? undefined : `provider: expected ${provider.key}, found ${row.providerKey ?? "none"}`,
      row.identifier === registry.metadata.identifier
        ? undefined
        : `identifier: expected ${registry.metadata.identifier}, found ${row.identifier}`,
      row.namespace === registry.metadata.namespace
        ? undefined
        : `namespace: expected ${registry.metadata.namespace}, found ${row.namespace}`,
      row.kind === registry.metadata.kind ? undefined : `kind: expected ${registry.metadata.kind}, found ${row.kind}`,
      row.status === "reserved" || row.status === "active" ? undefined : `status: expected reserved or active, found ${row.status}`,
      row.versionRegistryUid === null ? undefined : `parent: expected none, found ${row.versionRegistryUid}`
    ].filter((problem): problem is string => problem !== undefined)
    if (problems.length > 0) return yield* new VersionRegistryError({ table, provider: provider.key, problems })
    return row
  })

  const reserve = Effect.fn("Catalog.reserve")(function*(request: ReserveRequest) {
    const { provider } = request
    const scope: Array<AnyStorageTable> = []
    for (const table of request.tables) {
      if (scope.includes(table)) continue
      const twin = scope.find((other) =>
        physicalKey(physicalOf(other)) === physicalKey(physicalOf(table)) ||
        (other.metadata.namespace === table.metadata.namespace && other.metadata.identifier === table.metadata.identifier)
      )
      if (twin !== undefined) {
        return yield* new TableReservationError({
          table: physicalKey(physicalOf(table)),
          identifier: table.metadata.identifier,
          provider: provider.key,
          owner: null,
          status: null,
          reason: "duplicate",
          detail: `also declared as ${twin.metadata.identifier} (${physicalKey(physicalOf(twin))})`
        })
      }
      scope.push(table)
    }
    if (scope.length === 0) return []
    yield* insertReserved(provider, "application", request.versionRegistryUid, scope).pipe(
      Effect.mapError(CatalogStorageError.during("reserve tables"))
    )
    const rows = yield* rowsByPhysical(scope.map(physicalOf), "read reserved tables")
    const reserved: Array<CatalogTable> = []
    for (const table of scope) {
      let row = rows.get(physicalKey(physicalOf(table)))
      if (row === undefined) {
        // The same table (same identity, same provider) under a new physical name: renamed, so the row follows.
        const [holder] = yield* rowsByIdentifier([table.metadata])
        if (holder === undefined || !ownRow(provider, holder, "application")) return yield* identifierConflict(provider, table)
        row = yield* moveRow(holder, physicalOf(table))
      }
      if (row.status === "deleted" && ownRow(provider, row, "application") && row.statusReason?.startsWith(DROPPED_BY_MIGRATION)) {
        row = yield* reviveRow(row)
      }
      const refused = refusal(provider, table, row, "application")
      if (refused !== undefined) return yield* refused
      reserved.push(row)
    }
    return reserved
  },
    sql.withTransaction,
    Effect.catchTag("SqlError", (error) => Effect.fail(CatalogStorageError.during("reserve tables")(error)))
  )

  const migrationCredential = Effect.fn("Catalog.migrationCredential")(function*(
    provider: ProviderIdentity,
    options?: CredentialOptions
  ) {
    const ttlSeconds = options?.ttlSeconds ?? 900
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 3600) {
      return yield* new CredentialError({
        provider: provider.key,
        reason: "ttl-out-of-range",
        cause: `${ttlSeconds} seconds`
      })
    }
    const schemas = yield* sql`
      SELECT DISTINCT physical_schema FROM ${sql(schema)}.meta_tables
      WHERE provider_key = ${provider.key} AND physical_schema <> 'public'`.pipe(
      Effect.mapError(CatalogStorageError.during("read the provider's schemas")),
      Effect.flatMap(decodeCatalogRows(Schema.Struct({ physical_schema: Schema.String }), `${schema}.meta_tables`))
    )
    return yield* credentials.issue(provider, {
      ttlSeconds,
      lockTimeout: options?.lockTimeout ?? "10s",
      statementTimeout: options?.statementTimeout ?? "15min",
      schemas: schemas.map((row) => row.physical_schema)
    })
  })

  const finalize = Effect.fn("Catalog.finalize")(function*(request: FinalizeRequest) {
    const uids = request.tables.map((entry) => entry.uid)
    const rows = yield* selectRows(`uid = ANY($1::uuid[])`, [pgArrayLiteral(uids)], "read tables to finalize")
    const byUid = new Map(rows.map((row) => [row.uid, row]))
    const unknown = uids.find((uid) => !byUid.has(uid))
    if (unknown !== undefined) return yield* new CatalogTableNotFoundError({ reference: unknown })
    // Where each table is: where its row says, unless the expectation names where it is at this revision.
    const locationOf = (entry: FinalizeRequest["tables"][number]) => {
      const row = byUid.get(entry.uid)!
      return entry.expectation._tag === "Present" && entry.expectation.location !== undefined
        ? entry.expectation.location
        : { schema: row.schema, table: row.tableName }
    }
    const live = yield* introspectTables(request.tables.map(locationOf)).pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.mapError(CatalogStorageError.during("introspect the physical tables"))
    )
    const revision = request.revision
    const report: Array<FinalizedTable> = []
    yield* sql.withTransaction(Effect.forEach(request.tables, (entry) =>
      Effect.gen(function*() {
        const row = byUid.get(entry.uid)!
        const location = locationOf(entry)
        const liveTable = live.get(physicalKey(location))
        const base = {
          uid: row.uid,
          identifier: row.identifier,
          schema: row.schema,
          tableName: row.tableName,
          previousStatus: row.status,
          physicalTableExists: liveTable !== undefined
        }
        const untouchable = row.providerKey !== request.provider.key
          ? `owned by ${row.providerKey ?? "no provider"}, not ${request.provider.key}`
          : row.status === "failed" || row.status === "deleted"
          ? `the row is ${row.status}${row.statusReason === null ? "" : `: ${row.statusReason}`}`
          : undefined
        if (untouchable !== undefined) {
          report.push({ ...base, status: row.status, finalized: false, reason: untouchable })
          return
        }
        const expectation = entry.expectation
        const problems = expectation._tag === "Present"
          ? compareWithContract(liveTable, expectation.contract)
          : [liveTable === undefined
            ? `revision ${revision ?? "base"} does not create the table`
            : `the table exists although revision ${revision ?? "base"} does not create it`]
        const active = problems.length === 0
        const reason = active ? (expectation._tag === "Present" ? expectation.behind ?? null : null) : problems.join("; ")
        const contract = expectation._tag === "Present" ? expectation.contract : row.contract
        const hash = expectation._tag === "Present" ? expectation.contractHash : row.contractHash
        yield* sql.unsafe(
          `UPDATE ${tables} SET status = $2, status_reason = $3, applied_revision = $4, contract = $5::jsonb,
             contract_hash = $6, physical_schema = $7, physical_table = $8, updated_at = now() WHERE uid = $1::uuid`,
          [row.uid, active ? "active" : "reserved", reason, revision, JSON.stringify(contract), hash, location.schema, location.table]
        )
        report.push({
          ...base,
          schema: location.schema,
          tableName: location.table,
          status: active ? "active" : "reserved",
          finalized: active,
          reason
        })
      }), { discard: true })).pipe(Effect.mapError(CatalogStorageError.during("record finalized tables")))
    const count = (status: string) => report.filter((entry) => entry.status === status).length
    return {
      ok: report.every((entry) => entry.finalized),
      activeCount: count("active"),
      reservedCount: count("reserved"),
      failedCount: count("failed"),
      tables: report
    }
  })

  const resolveActive = Effect.fn("Catalog.resolveActive")(function*(requested: ReadonlyArray<AnyStorageTable>) {
    const rows = yield* rowsByPhysical(requested.map(physicalOf), "resolve active tables")
    const resolution: {
      active: Array<ActiveResolution["active"][number]>
      missing: Array<AnyStorageTable>
      notActive: Array<ActiveResolution["notActive"][number]>
      mismatched: Array<ActiveResolution["mismatched"][number]>
    } = { active: [], missing: [], notActive: [], mismatched: [] }
    for (const table of requested) {
      const row = rows.get(physicalKey(physicalOf(table)))
      if (row === undefined) resolution.missing.push(table)
      else if (row.status !== "active") resolution.notActive.push({ table, row })
      else if (row.contractHash !== modelContractHash(table)) {
        resolution.mismatched.push({ table, row, modelContractHash: modelContractHash(table) })
      } else resolution.active.push({ table, row })
    }
    return resolution
  })

  const markDeleted = Effect.fn("Catalog.markDeleted")(function*(uid: string, byMigration?: string | undefined) {
    if (!UUID.test(uid)) return yield* new CatalogTableNotFoundError({ reference: uid })
    const [row] = yield* selectRows(`uid = $1::uuid`, [uid], "read the table to delete")
    if (row === undefined) return yield* new CatalogTableNotFoundError({ reference: uid })
    if (row.protectFromDeletion) {
      return yield* new DeletionProtectedError({
        uid,
        identifier: row.identifier,
        table: physicalKey({ schema: row.schema, table: row.tableName })
      })
    }
    const reason = byMigration === undefined ? null : `${DROPPED_BY_MIGRATION}${byMigration}`
    yield* sql.unsafe(`UPDATE ${tables} SET status = 'deleted', status_reason = $2, updated_at = now() WHERE uid = $1::uuid`, [
      uid,
      reason
    ]).pipe(
      Effect.mapError(CatalogStorageError.during("mark the table deleted"))
    )
    return { ...row, status: "deleted" as const, statusReason: reason }
  })

  const list = selectRows("true", [], "list tables").pipe(Effect.withSpan("Catalog.list"))

  const find = Effect.fn("Catalog.find")(function*(reference: string) {
    const rows = yield* selectRows(
      `($1 <> '' AND uid::text = $1) OR physical_table = $2 OR (physical_schema || '.' || physical_table) = $2
         OR identifier = $2`,
      [UUID.test(reference) ? reference.toLowerCase() : "", reference],
      "find a table"
    )
    return Option.fromUndefinedOr(rows[0])
  })

  return Catalog.of({
    schema,
    dataSource,
    ensureVersionRegistry,
    reserve,
    migrationCredential,
    revokeCredential: credentials.revoke,
    finalize,
    resolveActive,
    markDeleted,
    list,
    find
  })
})

/** The SQL catalog over the connection in context; its tables are created or upgraded on first use. */
export const layer = (
  options: SqlCatalogOptions = {}
): Layer.Layer<
  Catalog,
  CatalogStorageError | CatalogNotReadyError | InvalidCatalogSchemaError | InvalidCatalogRowError,
  SqlClient.SqlClient | Database
> =>
  Layer.effect(Catalog, make(options)).pipe(Layer.provide(MigrationCredentials.layer))
