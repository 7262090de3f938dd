/**
 * `startEngine`: attach a process to the storage tables it will write and read. For each table it finds the
 * catalog row by physical name, requires it to be active with the model's contract, and checks the live table
 * against that contract; then it provides the tables' bindings (and the `Engine`) as a Layer. A table whose row
 * records another physical name (the database is below a revision that renames it) is refused as such.
 *
 * ```ts
 * const program = runNodes([new SyntheticPrices(config)]).pipe(
 *   Effect.provide(startEngine({ tables: exampleTables })),
 *   Effect.provide(Database.layer(target))
 * )
 * ```
 *
 * It only reads: it never creates, alters, registers or migrates anything (the catalog must already be at
 * this version; `metatables migrations upgrade` is what deploys). A refusal lists every table that is not ready.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import { bindingOf, Catalog, type CatalogTable } from "../catalog/Catalog.ts"
import {
  type CatalogNotReadyError,
  CatalogStorageError,
  type InvalidCatalogRowError,
  type InvalidCatalogSchemaError
} from "../catalog/CatalogErrors.ts"
import { DataNodeRecords } from "../catalog/DataNodeRecords.ts"
import * as SqlCatalog from "../catalog/SqlCatalog.ts"
import * as SqlDataNodeRecords from "../catalog/SqlDataNodeRecords.ts"
import { compareWithContract, introspectTables } from "../catalog/TableIntrospection.ts"
import { Database } from "../db/Database.ts"
import { runRoleName } from "../catalog/ProviderRoles.ts"
import { pgArrayLiteral } from "../db/PgArrayLiteral.ts"
import { rowShapeOf } from "../datanode/RowShape.ts"
import { type TableContract, tableContract } from "../storage/Contract.ts"
import { diffTableShapes } from "../storage/ContractDiff.ts"
import { describeDifferences } from "../storage/ContractDiffText.ts"
import { contractShape } from "../storage/TableShape.ts"
import { type AnyStorageTable, bindingServiceKey, type StorageBinding } from "../storage/StorageTable.ts"
import { type AttachedTable, attachedKey, Engine } from "./Engine.ts"
import { type AttachRefusal, EngineAttachError } from "./EngineAttachError.ts"

export interface StartEngineOptions<T extends ReadonlyArray<AnyStorageTable>> {
  /** Every storage table the process writes or reads (node outputs and the tables they read). */
  readonly tables: T
  /** The catalog's schema (default `metatables`). */
  readonly catalogSchema?: string | undefined
}

/** The binding services a list of storage table classes provides. */
export type BoundTables<T extends ReadonlyArray<AnyStorageTable>> = T[number] extends infer Table
  ? Table extends Context.Key<infer Identifier, StorageBinding> ? Identifier : never
  : never

export type StartEngineError =
  | EngineAttachError
  | CatalogNotReadyError
  | CatalogStorageError
  | InvalidCatalogRowError
  | InvalidCatalogSchemaError

/** How a model's contract differs from the one recorded in the catalog, one sentence per difference. */
const contractDifferences = (recorded: TableContract, model: TableContract): ReadonlyArray<string> =>
  describeDifferences(diffTableShapes(contractShape(recorded), contractShape(model)), "catalog")

const refusal = (
  table: AnyStorageTable,
  problem: AttachRefusal["problem"],
  row: CatalogTable | undefined,
  details: ReadonlyArray<string>
): AttachRefusal => ({
  identifier: table.metadata.identifier,
  table: attachedKey(table),
  problem,
  status: row?.status ?? null,
  details: [...details]
})

/** Where the row says the table is, when that is not the model's name (a rename or move not applied yet). */
const elsewhere = (table: AnyStorageTable, row: CatalogTable): ReadonlyArray<string> =>
  row.schema === table.metadata.schema && row.tableName === table.metadata.tableName
    ? []
    : [`the catalog records its table as ${row.schema}.${row.tableName}`]

/**
 * An active row that does not serve the model: behind when it has a reason (it was activated as an earlier
 * revision has the table, the database being behind its history), otherwise changed since its migration.
 */
const outdated = (table: AnyStorageTable, row: CatalogTable): AttachRefusal => {
  const behind = row.statusReason !== null
  return refusal(table, behind ? "behind" : "changed", row, [
    ...(behind ? [row.statusReason!] : []),
    ...elsewhere(table, row),
    ...contractDifferences(row.contract, tableContract(table))
  ])
}

const attach = Effect.fn("StartEngine.attach")(function*(requested: ReadonlyArray<AnyStorageTable>) {
  const catalog = yield* Catalog
  const sql = yield* SqlClient.SqlClient
  const records = yield* DataNodeRecords
  const refusals: Array<AttachRefusal> = []

  // The same class listed twice is fine; two classes claiming one physical table are not.
  const unique = new Map<string, AnyStorageTable>()
  for (const table of requested) {
    const held = unique.get(attachedKey(table))
    if (held === undefined) unique.set(attachedKey(table), table)
    else if (held !== table) {
      refusals.push(refusal(table, "duplicate", undefined, [`also declared as ${held.metadata.identifier}`]))
    }
  }
  const tables = [...unique.values()]
  const resolution = yield* catalog.resolveActive(tables)
  // A table without a row under its model's name may have one under another (a revision after the database's
  // renames or moves it, or the model was renamed without a revision): found by its identity, it is said so.
  const byIdentity = new Map(
    resolution.missing.length === 0 ? [] : (yield* catalog.list)
      .filter((row) => row.dataSourceUid === catalog.dataSource.uid)
      .map((row) => [`${row.namespace}/${row.identifier}`, row])
  )
  for (const table of resolution.missing) {
    const row = byIdentity.get(`${table.metadata.namespace}/${table.metadata.identifier}`)
    if (row === undefined) refusals.push(refusal(table, "missing", undefined, []))
    else if (row.status !== "active") {
      refusals.push(refusal(table, "not-active", row, [...(row.statusReason === null ? [] : [row.statusReason]), ...elsewhere(table, row)]))
    } else refusals.push(outdated(table, row))
  }
  for (const { row, table } of resolution.notActive) {
    refusals.push(refusal(table, "not-active", row, row.statusReason === null ? [] : [row.statusReason]))
  }
  for (const { row, table } of resolution.mismatched) refusals.push(outdated(table, row))
  const live = yield* introspectTables(
    resolution.active.map(({ row }) => ({ schema: row.schema, table: row.tableName }))
  ).pipe(
    Effect.mapError(CatalogStorageError.during("read the live tables"))
  )
  // On a server every table is written as its provider's run role, which the connecting user must be able to
  // act as (a member of it); without one, nothing is written at all.
  const database = yield* Database
  const runRoleOf = (row: CatalogTable) =>
    database.backend === "postgres" && row.providerKey !== null
      ? runRoleName(catalog.dataSource.databaseName, row.providerKey)
      : undefined
  const runRoles = [...new Set(resolution.active.map(({ row }) => runRoleOf(row)).filter((role) => role !== undefined))]
  const usable = new Set(
    runRoles.length === 0 ? [] : (yield* sql<{ readonly role: string }>`
      SELECT rolname AS role FROM pg_roles
      WHERE rolname = ANY(${pgArrayLiteral(runRoles)}::text[]) AND pg_has_role(rolname, 'MEMBER')`.pipe(
      Effect.mapError(CatalogStorageError.during("read the run roles"))
    )).map((row) => row.role)
  )
  const attached = new Map<string, AttachedTable>()
  for (const { row, table } of resolution.active) {
    const drift = compareWithContract(live.get(`${row.schema}.${row.tableName}`), row.contract)
    const runRole = runRoleOf(row)
    if (drift.length > 0) refusals.push(refusal(table, "drift", row, drift))
    else if (runRole !== undefined && !usable.has(runRole)) {
      refusals.push(refusal(table, "no-run-role", row, [`${runRole} does not exist or the connecting user is not a member`]))
    } else attached.set(attachedKey(table), { table, binding: bindingOf(row), shape: rowShapeOf(table), runRole })
  }
  if (refusals.length > 0) {
    return yield* new EngineAttachError({ refusals, requested: new Set(requested).size })
  }

  let bindings: Context.Context<never> = Context.empty()
  for (const { binding, table } of attached.values()) {
    bindings = Context.add(bindings, bindingServiceKey(table), binding) as Context.Context<never>
  }
  const engine = Engine.of({
    catalogSchema: catalog.schema,
    dataSource: catalog.dataSource,
    records,
    tables: attached,
    bindings
  })
  return Context.merge(Context.make(Engine, engine), bindings)
})

/**
 * Attaches to `tables` and provides their bindings and the `Engine`; fails with one `EngineAttachError` listing
 * every table that is missing, not active, changed since its migration, or drifted from its contract.
 */
export const startEngine = <const T extends ReadonlyArray<AnyStorageTable>>(
  options: StartEngineOptions<T>
): Layer.Layer<Engine | BoundTables<T>, StartEngineError, SqlClient.SqlClient | Database> => {
  const catalog = SqlCatalog.layer({ schema: options.catalogSchema, attach: "startEngine" })
  const services = Layer.provideMerge(SqlDataNodeRecords.layer, catalog)
  // The bindings are keyed by the classes in `tables`, which the context's type cannot follow one by one.
  const provided = Effect.map(attach(options.tables), (context) => context as Context.Context<Engine | BoundTables<T>>)
  return Layer.effectContext(provided).pipe(Layer.provide(services))
}
