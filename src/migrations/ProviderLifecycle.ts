/**
 * The provider lifecycle, as `metatables migrations` runs it.
 *
 * `current`: the version registry, then the heads, read with the command's connection (a credential only when
 * that connection is refused the version table); it never reserves application tables.
 * `upgrade` / `downgrade`: registry -> reserve -> credential -> apply -> revoke -> finalize with the resolved
 * revision -> the provider's hook, only when every table is active (otherwise `ProviderPhysicalStateError`
 * names each table, its status and why). Every step is idempotent, so running again after a failure at any
 * step converges: reserved rows are reused and nothing is duplicated.
 *
 * Past 400 lines because `current`, `upgrade`/`downgrade` and `stamp` share their opening (revisions loaded,
 * registry ensured), the credential's lifetime and the finalize step's expectations; each command is a short
 * pipeline over those shared helpers, kept beside them so the order of the steps reads in one place.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import {
  bindingOf,
  Catalog,
  type CatalogTable,
  type FinalizeExpectation,
  type FinalizeReport,
  type MigrationCredential,
  providerIdentity
} from "../catalog/Catalog.ts"
import {
  CatalogStorageError,
  type CatalogTableNotFoundError,
  type CredentialError,
  type CredentialRevokeError,
  type InvalidCatalogRowError,
  type TableReservationError,
  type VersionRegistryError
} from "../catalog/CatalogErrors.ts"
import { asRunRole, grantRunRole } from "../catalog/ProviderRoles.ts"
import { introspectTables } from "../catalog/TableIntrospection.ts"
import { Database } from "../db/Database.ts"
import type { DatabaseConnectionError } from "../db/DatabaseConnectionError.ts"
import { formatCause } from "../db/FailureCause.ts"
import { describeSqlFailure } from "../db/SqlFailure.ts"
import { dataTypeTokenForSqlType } from "../storage/ColumnTypes.ts"
import { type ColumnShape, type TableContract, tableContract, withColumnShapes } from "../storage/Contract.ts"
import { diffTableShapes } from "../storage/ContractDiff.ts"
import { modelContractHash, snapshotContractHash } from "../storage/ContractHash.ts"
import { bindingKey, CurrentMigrationRegistration } from "../storage/Registration.ts"
import type { AnyStorageTable } from "../storage/StorageTable.ts"
import { contractShape, type SchemaShape, snapshotShape, type TableShape } from "../storage/TableShape.ts"
import {
  type AppliedStep,
  applyMigration,
  holdMigrationLock,
  type ApplyError,
  type EditedRevision,
  type MigrationDatabaseError,
  readMigrationState,
  stampMigration,
  type StampResult
} from "./runtime/MigrationApply.ts"
import { type MigrationDirection, planMigration } from "./runtime/MigrationPlan.ts"
import { tablesDroppedBy, TableDeletionRefusedError } from "./TableDeletions.ts"
import { tableNamesAt } from "./TableRenames.ts"
import type { PhysicalTableName } from "./files/Revision.ts"
import { ledgerTableName } from "./runtime/VersionTable.ts"
import { type MigrationProvider, versionTableOf } from "./Provider.ts"
import { readSnapshot, type SnapshotFileError } from "./files/RevisionFile.ts"
import { type LoadedRevisions, loadRevisions, type RevisionLoadError } from "./files/RevisionLoader.ts"

/** After finalize, some provider tables are not active; the hook did not run. */
export class ProviderPhysicalStateError extends Schema.TaggedError<ProviderPhysicalStateError>()(
  "ProviderPhysicalStateError",
  {
    provider: Schema.String,
    revision: Schema.NullOr(Schema.String),
    tables: Schema.Array(Schema.Struct({
      identifier: Schema.String,
      table: Schema.String,
      status: Schema.String,
      physicalTableExists: Schema.Boolean,
      reason: Schema.String
    }))
  }
) {
  override get message(): string {
    return `Not every table of provider ${this.provider} is active after migrating to ` +
      `${this.revision ?? "base"}, so its hook did not run:\n` +
      this.tables.map((table) =>
        `  - ${table.table} (${table.identifier}): ${table.status}` +
        `${table.physicalTableExists ? "" : ", no physical table"}: ${table.reason}`
      ).join("\n") +
      "\nAdd or fix the revisions that create these tables, then run the upgrade again."
  }
}

/** The provider's hook failed after every table was finalized. */
export class ProviderHookError extends Schema.TaggedError<ProviderHookError>()("ProviderHookError", {
  provider: Schema.String,
  /** What the hook failed with. */
  cause: Schema.Defect()
}) {
  /** The hook's failure, read from the cause. */
  get detail(): string {
    return formatCause(this.cause)
  }

  override get message(): string {
    return `The afterRegisterMetaTables hook of ${this.provider} failed: ${this.detail}. The tables are active; ` +
      "fix the hook and run the upgrade again to rerun it."
  }
}

export type LifecycleError =
  | RevisionLoadError
  | VersionRegistryError
  | TableReservationError
  | CredentialError
  | CredentialRevokeError
  | CatalogStorageError
  | InvalidCatalogRowError
  | CatalogTableNotFoundError
  | DatabaseConnectionError
  | SnapshotFileError
  | ApplyError
  | ProviderPhysicalStateError
  | ProviderHookError
  | TableDeletionRefusedError

export type LifecycleServices = Catalog | Database | SqlClient.SqlClient | FileSystem.FileSystem

export interface CurrentReport {
  readonly provider: string
  readonly heads: ReadonlyArray<string>
  /** Whether the database is at the history's heads (those it records once everything is applied). */
  readonly atHead: boolean
  readonly historyHeads: ReadonlyArray<string>
}

export interface MigrationReport {
  readonly ok: boolean
  readonly provider: string
  readonly package: string
  readonly migrationNamespace: string
  readonly direction: MigrationDirection
  readonly from: ReadonlyArray<string>
  readonly to: ReadonlyArray<string>
  readonly applied: ReadonlyArray<AppliedStep>
  readonly metaTables: ReadonlyArray<{ readonly uid: string; readonly table: string; readonly status: string }>
  readonly activeCount: number
  readonly reservedCount: number
  readonly failedCount: number
  /** Tables the revision the database is now at does not have (after a downgrade); they stay reserved. */
  readonly absentAtRevision: ReadonlyArray<string>
  /** Whether `afterRegisterMetaTables` ran (it runs only when every table is active). */
  readonly hookRan: boolean
  readonly editedRevisions: ReadonlyArray<EditedRevision>
}

export interface MigrationOptions {
  readonly target: string
  readonly direction: MigrationDirection
  readonly credentialTtlSeconds?: number | undefined
  readonly lockWaitSeconds?: number | undefined
  /** Applied revisions whose edited files are accepted (their new checksums recorded); others refuse. */
  readonly acceptChanged?: ReadonlyArray<string> | undefined
  readonly onStep?: ((step: AppliedStep) => Effect.Effect<void>) | undefined
  readonly onCredential?: CredentialObserver | undefined
}

const sameHeads = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((id) => b.includes(id))

/** Runs `body` on the credential's connection: a new pool for a server role, the process's own otherwise. */
const withCredential = <A, E, R>(
  credential: MigrationCredential,
  body: Effect.Effect<A, E, R>
): Effect.Effect<A, E | DatabaseConnectionError, Exclude<R, Database | SqlClient.SqlClient> | Database | SqlClient.SqlClient> =>
  credential._tag === "ServerCredential"
    ? Effect.provide(body, Database.layerServer(credential.uri, { maxConnections: 2 })) as Effect.Effect<
      A,
      E | DatabaseConnectionError,
      Exclude<R, Database | SqlClient.SqlClient>
    >
    : body as Effect.Effect<A, E, Exclude<R, Database | SqlClient.SqlClient> | Database | SqlClient.SqlClient>

/** Told about each credential as it is issued (the command line protects its secrets from output). */
export type CredentialObserver = (credential: MigrationCredential) => Effect.Effect<void>

/**
 * Takes a credential, runs `body` with it and revokes it, whatever happens. A revocation that leaves something
 * behind is never silent: after a success it is the command's failure; after a failure, which it must not
 * hide, it is logged as a warning.
 */
const usingCredential = Effect.fn("ProviderLifecycle.usingCredential")(function*<A, E, R>(
  provider: MigrationProvider,
  options: { readonly ttlSeconds?: number | undefined; readonly onCredential?: CredentialObserver | undefined },
  body: Effect.Effect<A, E, R> | ((credential: MigrationCredential) => Effect.Effect<A, E, R>)
) {
  const catalog = yield* Catalog
  const leftBehind = yield* Ref.make(Option.none<CredentialRevokeError>())
  const result = yield* Effect.acquireUseRelease(
    catalog.migrationCredential(providerIdentity(provider.packageName, provider.migrationNamespace), {
      ttlSeconds: options.ttlSeconds
    }).pipe(Effect.tap((credential) => options.onCredential?.(credential) ?? Effect.void)),
    (credential) => withCredential(credential, typeof body === "function" ? body(credential) : body),
    (credential, exit) =>
      catalog.revokeCredential(credential).pipe(
        Effect.catch((error) =>
          Exit.isSuccess(exit) ? Ref.set(leftBehind, Option.some(error)) : Effect.logWarning(error.message)
        )
      )
  )
  const failure = yield* Ref.get(leftBehind)
  if (Option.isSome(failure)) return yield* failure.value
  return result
})

/**
 * As the owner (on the credential's connection): the provider's run role may read and write the rows of the
 * tables the revisions left, and read the version table and its ledger. Answers the run role (none on the
 * embedded database).
 */
const grantRowsToRunRole = (provider: MigrationProvider, credential: MigrationCredential) => {
  if (credential._tag !== "ServerCredential") return Effect.succeed(undefined)
  const versions = versionTableOf(provider)
  return grantRunRole(
    credential.runRole,
    provider.tables.map((table) => ({ schema: table.metadata.schema, table: table.metadata.tableName })),
    [versions, { schema: versions.schema, table: ledgerTableName(versions) }]
  ).pipe(
    Effect.mapError(CatalogStorageError.during(`grant the run role ${credential.runRole} its rows`)),
    Effect.as<string | undefined>(credential.runRole)
  )
}

/**
 * How every lifecycle command begins: the provider's revisions loaded (and their graph checked), and its
 * version registry row ensured in the catalog.
 */
const openProvider = Effect.fn("ProviderLifecycle.openProvider")(function*(provider: MigrationProvider) {
  const loaded = yield* loadRevisions(provider.versionLocations)
  const catalog = yield* Catalog
  const identity = providerIdentity(provider.packageName, provider.migrationNamespace)
  const registry = yield* catalog.ensureVersionRegistry(identity, provider.versionRegistry)
  return { loaded, catalog, identity, registry }
})

/** Whether the command's own connection was refused the version table (SQLSTATE 42501). */
const refusedHere = (error: MigrationDatabaseError): boolean =>
  Predicate.isTagged(error.cause, "SqlError") && describeSqlFailure(error.cause as SqlError).code === "42501"

/**
 * `current`: the heads the database is at. It is a read, and writes nothing to the catalog: the command's own
 * connection reads the version table when it may (a superuser, or a member of the provider's owner role),
 * and only when it is refused does `current` take a credential and read with that, as `upgrade` does. A
 * credential on a server is a role made, logged in as and dropped: most of what `current` cost.
 */
export const currentRevision = Effect.fn("ProviderLifecycle.currentRevision")(function*(
  provider: MigrationProvider,
  options: { readonly onCredential?: CredentialObserver | undefined } = {}
): Effect.fn.Return<CurrentReport, LifecycleError, LifecycleServices> {
  // Revisions only: `openProvider` would register the provider's version registry in the catalog, a write.
  const loaded = yield* loadRevisions(provider.versionLocations)
  const read = readMigrationState(versionTableOf(provider))
  const state = yield* read.pipe(
    Effect.catchIf(refusedHere, () => usingCredential(provider, options, read))
  )
  return {
    provider: provider.key,
    heads: state.heads,
    atHead: sameHeads(state.heads, loaded.graph.upgradedHeads),
    historyHeads: loaded.graph.upgradedHeads
  }
})

/**
 * The contract of `table` as a revision's snapshot has it, where the table is named `location` (labels and
 * descriptions from the model where known), with the snapshot's shape of it; `undefined` when the snapshot
 * has no such table.
 */
const contractInSnapshot = (
  table: AnyStorageTable,
  location: PhysicalTableName,
  snapshot: SchemaShape
): { readonly contract: TableContract; readonly shape: TableShape } | undefined => {
  const shape = snapshot.tables.find((entity) => entity.schema === location.schema && entity.table === location.table)
  if (shape === undefined) return undefined
  const model = tableContract(table)
  const known = new Map(model.columns.map((column) => [column.name, column]))
  const primary = new Set(shape.primaryKey?.columns ?? [])
  const unique = new Set((shape.objects?.uniques ?? []).filter((key) => key.columns.length === 1).flatMap((key) => key.columns))
  const columns = shape.columns.map((column): ColumnShape => ({
    name: column.name,
    data_type: dataTypeTokenForSqlType(column.type),
    backend_type: column.type.toUpperCase(),
    nullable: !column.notNull,
    primary_key: primary.has(column.name),
    unique: unique.has(column.name),
    server_default: column.default ?? null,
    label: known.get(column.name)?.label ?? column.name,
    description: known.get(column.name)?.description ?? ""
  }))
  const contract = withColumnShapes(model, columns)
  return { contract: { ...contract, physical: { schema: location.schema, table_name: location.table } }, shape }
}

/** Whether the snapshot's columns are the model's: the same names, types and nullability. */
const sameColumns = (model: TableContract, atRevision: TableContract) =>
  diffTableShapes(contractShape(model), contractShape(atRevision)).every((difference) =>
    !(["ColumnMissing", "ColumnExtra", "ColumnType", "ColumnNullability"] as const).some((tag) => difference._tag === tag)
  )

const modelName = (table: AnyStorageTable): PhysicalTableName => ({ schema: table.metadata.schema, table: table.metadata.tableName })
const nameKey = (name: PhysicalTableName) => `${name.schema}\u0000${name.table}`

/**
 * Where each of `tables` is at `heads` (`undefined`: absent there), by the renames the later revisions record.
 * Where a later revision made one of the tables under the name another had before its rename, the catalog
 * cannot give both rows that physical name (it is unique, deleted rows included): both tables are then looked
 * for under their models' names, as when revisions recorded no renames.
 */
const namesAtRevision = (
  loaded: LoadedRevisions,
  heads: ReadonlyArray<string>,
  tables: ReadonlyArray<AnyStorageTable>
): (table: AnyStorageTable) => PhysicalTableName | undefined => {
  const nameAt = tableNamesAt(loaded, heads)
  const located = new Map(tables.map((table) => [table, nameAt(modelName(table))] as const))
  const models = new Set(tables.map((table) => nameKey(modelName(table))))
  const reclaimed = new Set(
    tables.flatMap((table) => {
      const location = located.get(table)
      return location === undefined || nameKey(location) === nameKey(modelName(table)) ? [] : [nameKey(location)]
    })
  )
  return (table) => {
    const location = located.has(table) ? located.get(table) : nameAt(modelName(table))
    const own = nameKey(modelName(table))
    if (location === undefined) return reclaimed.has(own) ? modelName(table) : undefined
    return nameKey(location) !== own && models.has(nameKey(location)) ? modelName(table) : location
  }
}

/**
 * What each provider table should look like at `heads`. At the history's heads every table must match its
 * model (a table no revision creates is an error). At an earlier state (after a downgrade) a table is as the
 * snapshot of that revision says, under the name it has there (its model's name taken back through the
 * renames and moves the later revisions record): matching the model when the snapshot agrees with it,
 * shaped and named as the snapshot otherwise, and absent when that revision does not have it.
 */
const expectationsAt = Effect.fn("ProviderLifecycle.expectationsAt")(function*(
  loaded: LoadedRevisions,
  heads: ReadonlyArray<string>,
  tables: ReadonlyArray<AnyStorageTable>
) {
  const atHistoryHead = heads.length > 0 && sameHeads(heads, loaded.graph.upgradedHeads)
  const snapshot = !atHistoryHead && heads.length === 1
    ? Option.map(yield* readSnapshot(loaded.revisions.get(heads[0]!)!.source), snapshotShape)
    : Option.none()
  const nameAt = namesAtRevision(loaded, heads, tables)
  const behind = `the database is at revision ${heads.join(", ")}, behind the history's ` +
    `head${loaded.graph.upgradedHeads.length === 1 ? "" : "s"} ${loaded.graph.upgradedHeads.join(", ")}`
  return (table: AnyStorageTable): FinalizeExpectation => {
    const model = { _tag: "Present" as const, contract: tableContract(table), contractHash: modelContractHash(table) }
    if (atHistoryHead) return model
    if (heads.length === 0) return { _tag: "Absent" }
    const location = nameAt(table)
    if (location === undefined) return { _tag: "Absent" }
    const renamed = location.schema !== table.metadata.schema || location.table !== table.metadata.tableName
    const renamedNote = renamed
      ? `; a later revision renames it from ${location.schema}.${location.table} to ${table.metadata.schema}.${table.metadata.tableName}`
      : ""
    if (Option.isNone(snapshot)) return renamed ? { ...model, location, behind: behind + renamedNote } : model
    const atRevision = contractInSnapshot(table, location, snapshot.value)
    if (atRevision === undefined) return { _tag: "Absent" }
    if (!renamed && sameColumns(model.contract, atRevision.contract)) return model
    return {
      _tag: "Present",
      contract: atRevision.contract,
      contractHash: snapshotContractHash(atRevision.contract, atRevision.shape, table.metadata.namespace),
      behind: behind + renamedNote,
      location
    }
  }
})

/**
 * Refuses, before any statement runs, a migration whose plan drops a table protected from deletion (one of
 * `leaving`, rows of tables the models no longer list, or of `reserved`, rows of the models' tables, which
 * reserve names as the models do: the name such a table has in the database is the model's taken back through
 * the renames of the revisions the database is below); a plan that cannot be made is left for apply to report.
 */
const refuseProtectedDrops = Effect.fn("ProviderLifecycle.refuseProtectedDrops")(function*(
  provider: MigrationProvider,
  loaded: LoadedRevisions,
  options: MigrationOptions,
  rows: { readonly leaving: ReadonlyArray<CatalogTable>; readonly reserved: ReadonlyArray<CatalogTable> }
) {
  if (![...rows.leaving, ...rows.reserved].some((row) => row.protectFromDeletion)) return
  const state = yield* readMigrationState(versionTableOf(provider))
  const nameNow = tableNamesAt(loaded, state.heads)
  const guarded = [
    ...rows.leaving.filter((row) => row.protectFromDeletion).map((row) => ({ schema: row.schema, table: row.tableName })),
    ...rows.reserved.filter((row) => row.protectFromDeletion).flatMap((row) => {
      const name = nameNow({ schema: row.schema, table: row.tableName })
      return name === undefined ? [] : [name]
    })
  ]
  const plan = planMigration({
    loaded,
    currentHeads: state.heads,
    direction: options.direction,
    target: options.target,
    versionTable: versionTableOf(provider)
  })
  if (plan._tag === "Failure") return
  const dropped = tablesDroppedBy(plan.success, guarded)
  if (dropped.length === 0) return
  return yield* new TableDeletionRefusedError({
    provider: provider.key,
    tables: dropped.map((entry) => ({ table: `${entry.table.schema}.${entry.table.table}`, revision: entry.revision }))
  })
})

/** The rows of `rows` whose physical table does not exist. */
const goneTables = Effect.fn("ProviderLifecycle.goneTables")(function*(rows: ReadonlyArray<CatalogTable>) {
  if (rows.length === 0) return []
  const live = yield* introspectTables(rows.map((row) => ({ schema: row.schema, table: row.tableName }))).pipe(
    Effect.mapError(CatalogStorageError.during("look for the tables the models no longer list"))
  )
  return rows.filter((row) => !live.has(`${row.schema}.${row.tableName}`))
})

/** Marks the rows of tables a migration removed deleted; a protected one stays as it is. The uids marked. */
const markDroppedTables = Effect.fn("ProviderLifecycle.markDroppedTables")(function*(
  catalog: Catalog["Service"],
  tables: ReadonlyArray<{ readonly uid: string; readonly reason: string }>
) {
  const marked = new Set<string>()
  for (const { reason, uid } of tables) {
    yield* catalog.markDeleted(uid, reason).pipe(
      Effect.map(() => marked.add(uid)),
      Effect.catchTag("DeletionProtectedError", () => Effect.void)
    )
  }
  return marked
})

/** `upgrade` or `downgrade` a provider to `target`, end to end. */
export const migrateProvider = Effect.fn("ProviderLifecycle.migrateProvider")(function*(
  provider: MigrationProvider,
  options: MigrationOptions
): Effect.fn.Return<MigrationReport, LifecycleError, LifecycleServices> {
  const { loaded, catalog, identity, registry } = yield* openProvider(provider)
  const reserved = yield* catalog.reserve({ provider: identity, versionRegistryUid: registry.uid, tables: provider.tables })
  // Tables of the provider its models no longer list: their rows are marked deleted once the tables are gone.
  const leaving = (yield* catalog.list).filter((row) =>
    row.providerKey === provider.key && row.role === "application" && row.status !== "deleted" &&
    !reserved.some((kept) => kept.uid === row.uid)
  )
  yield* refuseProtectedDrops(provider, loaded, options, { leaving, reserved })
  // The lock is held on the administrator's connection, which no revision uses: nothing a revision runs
  // with the credential (`pg_advisory_unlock_all()` included) can release it.
  const { result, runRole } = yield* Effect.scoped(Effect.andThen(
    holdMigrationLock(provider.key, { waitSeconds: options.lockWaitSeconds }),
    usingCredential(
      provider,
      { ttlSeconds: options.credentialTtlSeconds, onCredential: options.onCredential },
      (credential) =>
        Effect.gen(function*() {
          const result = yield* applyMigration({ loaded, direction: options.direction, target: options.target }, {
            providerKey: provider.key,
            versionTable: versionTableOf(provider),
            lockHeld: true,
            acceptChanged: options.acceptChanged,
            onStep: options.onStep
          })
          return { result, runRole: yield* grantRowsToRunRole(provider, credential) }
        })
    )
  ))
  const heads = result.plan.to
  const expect = yield* expectationsAt(loaded, heads, provider.tables)
  const expectations = provider.tables.map((table, index) => ({ uid: reserved[index]!.uid, expectation: expect(table) }))
  const expectedAbsent = new Set(
    expectations.filter((entry) => entry.expectation._tag === "Absent").map((entry) => entry.uid)
  )
  const revision = heads.length === 0 ? null : heads.join(",")
  const report: FinalizeReport = yield* catalog.finalize({
    provider: identity,
    revision,
    tables: [
      {
        uid: registry.uid,
        expectation: {
          _tag: "Present",
          contract: tableContract(provider.versionRegistry),
          contractHash: modelContractHash(provider.versionRegistry)
        }
      },
      ...expectations
    ]
  })
  const deleted = yield* markDroppedTables(catalog, [
    ...report.tables.filter((entry) => expectedAbsent.has(entry.uid) && !entry.physicalTableExists).map((entry) => ({
      uid: entry.uid,
      reason: `revision ${revision ?? "base"} does not have it`
    })),
    ...(yield* goneTables(leaving)).map((row) => ({ uid: row.uid, reason: `${provider.key} no longer lists it` }))
  ])
  const rows = yield* catalog.list
  const byUid = new Map(rows.map((row) => [row.uid, row]))
  const inScope = reserved.map((row) => byUid.get(row.uid)).filter((row): row is CatalogTable => row !== undefined)
  // A table the revision does not have, and that is not there, is as it should be: not active, not wrong.
  const wrong = report.tables.filter((entry) =>
    !entry.finalized && !(expectedAbsent.has(entry.uid) && !entry.physicalTableExists)
  )
  if (wrong.length > 0) {
    return yield* new ProviderPhysicalStateError({
      provider: provider.key,
      revision,
      tables: wrong.map((entry) => ({
        identifier: entry.identifier,
        table: `${entry.schema}.${entry.tableName}`,
        status: entry.status,
        physicalTableExists: entry.physicalTableExists,
        reason: entry.reason ?? "not verified"
      }))
    })
  }
  const hookRan = report.ok && provider.afterRegisterMetaTables !== undefined
  if (report.ok && provider.afterRegisterMetaTables !== undefined) {
    const registered = provider.tables.map((table, index) => ({ table, row: inScope[index]!, binding: bindingOf(inScope[index]!) }))
    // The hook writes as the run role, never as the connecting user (a trigger on a table runs as it).
    // A hook that throws, or dies, fails as the hook, never as a raw defect.
    const hook = provider.afterRegisterMetaTables
    yield* asRunRole(runRole, Effect.suspend(() => hook({ provider, tables: provider.tables, registered }))).pipe(
      Effect.provideService(CurrentMigrationRegistration, {
        providerKey: provider.key,
        bindings: new Map(registered.map(({ binding }) => [bindingKey(binding.schema, binding.tableName), binding]))
      }),
      Effect.catchDefect((defect) => Effect.fail(defect)),
      Effect.mapError((error: unknown) => new ProviderHookError({ provider: provider.key, cause: error }))
    )
  }
  return {
    ok: true,
    provider: provider.key,
    package: provider.packageName,
    migrationNamespace: provider.migrationNamespace,
    direction: options.direction,
    from: result.plan.from,
    to: heads,
    applied: result.applied,
    metaTables: report.tables.map((entry) => ({
      uid: entry.uid,
      table: `${entry.schema}.${entry.tableName}`,
      status: deleted.has(entry.uid) ? "deleted" as const : entry.status
    })),
    activeCount: report.activeCount,
    reservedCount: report.reservedCount,
    failedCount: report.failedCount,
    absentAtRevision: report.tables.filter((entry) => expectedAbsent.has(entry.uid) && !entry.physicalTableExists)
      .map((entry) => `${entry.schema}.${entry.tableName}`),
    hookRan,
    editedRevisions: result.editedRevisions
  }
})

/**
 * `stamp`: records `targets` in the version table without running revisions (registry and credential only);
 * with `purge`, whatever the table held is dropped first.
 */
export const stampProvider = Effect.fn("ProviderLifecycle.stampProvider")(function*(
  provider: MigrationProvider,
  targets: string | ReadonlyArray<string>,
  options: {
    readonly purge?: boolean | undefined
    readonly lockWaitSeconds?: number | undefined
    readonly onCredential?: CredentialObserver | undefined
  } = {}
): Effect.fn.Return<StampResult, LifecycleError, LifecycleServices> {
  const { loaded } = yield* openProvider(provider)
  return yield* Effect.scoped(Effect.andThen(
    holdMigrationLock(provider.key, { waitSeconds: options.lockWaitSeconds }),
    usingCredential(
      provider,
      options,
      (credential) =>
        Effect.tap(
          stampMigration(
            { loaded, target: targets, purge: options.purge },
            { providerKey: provider.key, versionTable: versionTableOf(provider), lockHeld: true }
          ),
          () => grantRowsToRunRole(provider, credential)
        )
    )
  ))
})
