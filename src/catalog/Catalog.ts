/**
 * The catalog: the backend of record for storage tables (the spec's "TS Manager"). This module is its
 * contract; `SqlCatalog` implements it in a schema of the database.
 *
 * Migration providers reserve their tables' rows, take a short-lived migration credential, apply revisions
 * and finalize the rows (reserved -> active); `startEngine` resolves active rows into bindings.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { TableContract } from "../storage/Contract.ts"
import type { AnyStorageTable, MetaTableKind, MetaTableStatus, StorageBinding } from "../storage/StorageTable.ts"
import type {
  CatalogStorageError,
  CatalogTableNotFoundError,
  CredentialError,
  CredentialRevokeError,
  DeletionProtectedError,
  InvalidCatalogRowError,
  TableReservationError,
  VersionRegistryError
} from "./CatalogErrors.ts"

/** Who runs migrations: one provider per migration stream, keyed `package:namespace`. */
export interface ProviderIdentity {
  readonly packageName: string
  readonly migrationNamespace: string
  readonly key: string
}

export const providerIdentity = (packageName: string, migrationNamespace: string): ProviderIdentity => ({
  packageName,
  migrationNamespace,
  key: `${packageName}:${migrationNamespace}`
})

/** An application table, or the table holding a provider's migration versions. */
export type MetaTableRole = "application" | "version-registry"

/** The database the catalog's tables live in, registered automatically as `default`. */
export interface DataSource {
  readonly uid: string
  readonly name: string
  readonly backend: "postgres" | "pglite"
  readonly databaseName: string
}

/** One catalog row: a storage table's identity, physical location, status and contract. */
export interface CatalogTable {
  readonly uid: string
  readonly dataSourceUid: string
  readonly identifier: string
  readonly namespace: string
  readonly kind: MetaTableKind
  readonly role: MetaTableRole
  readonly schema: string
  readonly tableName: string
  readonly status: MetaTableStatus
  /**
   * Why the row is not active, when finalize could not verify it; on an active row, why it is as an earlier
   * revision has it (the database is behind its history).
   */
  readonly statusReason: string | null
  readonly contract: TableContract
  readonly contractHash: string
  readonly providerKey: string | null
  readonly versionRegistryUid: string | null
  /** The revision id the table was last verified at (a resolved id, never `head`); null before any. */
  readonly appliedRevision: string | null
  readonly protectFromDeletion: boolean
  readonly description: string
  readonly labels: ReadonlyArray<string>
  readonly createdAt: Date
  readonly updatedAt: Date
}

export const bindingOf = (row: CatalogTable): StorageBinding => ({
  uid: row.uid,
  identifier: row.identifier,
  namespace: row.namespace,
  dataSourceUid: row.dataSourceUid,
  schema: row.schema,
  tableName: row.tableName,
  status: row.status
})

export interface ReserveRequest {
  readonly provider: ProviderIdentity
  readonly versionRegistryUid: string
  /** The provider's scope, in order. */
  readonly tables: ReadonlyArray<AnyStorageTable>
}

/** How the status reason of a row a migration marked deleted begins (`markDeleted(uid, byMigration)`). */
export const DROPPED_BY_MIGRATION = "dropped by a migration: "

/** What a table should look like once the revision is applied: as its contract says, or not there. */
export type FinalizeExpectation =
  | {
    readonly _tag: "Present"
    readonly contract: TableContract
    readonly contractHash: string
    /**
     * Why the table is expected as an earlier revision has it rather than as its model (the database is
     * behind its history); recorded as the status reason of the row it activates, for `startEngine` to say.
     */
    readonly behind?: string | undefined
    /**
     * Where the table is, when not where its row says: at an earlier revision, before a later one renames or
     * moves it. Finalize looks for it there and records that physical name in the row (same uid).
     */
    readonly location?: { readonly schema: string; readonly table: string } | undefined
  }
  | { readonly _tag: "Absent" }

export interface FinalizeRequest {
  readonly provider: ProviderIdentity
  readonly tables: ReadonlyArray<{ readonly uid: string; readonly expectation: FinalizeExpectation }>
  /** The applied revision (a resolved id), or null when nothing is applied. */
  readonly revision: string | null
}

export interface FinalizedTable {
  readonly uid: string
  readonly identifier: string
  readonly schema: string
  readonly tableName: string
  readonly previousStatus: MetaTableStatus
  readonly status: MetaTableStatus
  readonly physicalTableExists: boolean
  /** Whether the row is active after finalize. */
  readonly finalized: boolean
  readonly reason: string | null
}

export interface FinalizeReport {
  /** Every table is active. */
  readonly ok: boolean
  readonly activeCount: number
  readonly reservedCount: number
  readonly failedCount: number
  readonly tables: ReadonlyArray<FinalizedTable>
}

/** How `resolveActive` found each requested table. */
export interface ActiveResolution {
  readonly active: ReadonlyArray<{ readonly table: AnyStorageTable; readonly row: CatalogTable }>
  /** No catalog row: the table was never migrated. */
  readonly missing: ReadonlyArray<AnyStorageTable>
  /** A row that is reserved, failed or deleted. */
  readonly notActive: ReadonlyArray<{ readonly table: AnyStorageTable; readonly row: CatalogTable }>
  /** An active row whose recorded contract differs from the model's: the model changed since the upgrade. */
  readonly mismatched: ReadonlyArray<{
    readonly table: AnyStorageTable
    readonly row: CatalogTable
    readonly modelContractHash: string
  }>
}

/**
 * A short-lived identity for applying migrations. On a server: a LOGIN role with a password that expires,
 * whose sessions act as the provider's owner role. On the embedded database: the in-process connection.
 */
export type MigrationCredential =
  | {
    readonly _tag: "ServerCredential"
    readonly role: string
    readonly ownerRole: string
    /** The provider's run role (see `ProviderRoles`), which the credential grants row access to. */
    readonly runRole: string
    readonly expiresAt: Date
    /** A connection URI with the password; never print it. */
    readonly uri: Redacted.Redacted<string>
  }
  | {
    readonly _tag: "InProcessCredential"
    readonly expiresAt: Date
  }

export interface CredentialOptions {
  /** Lifetime in seconds, 60 to 3600 (default 900). */
  readonly ttlSeconds?: number | undefined
  /** `lock_timeout` of the credential's sessions (default 10 seconds). */
  readonly lockTimeout?: string | undefined
  /** `statement_timeout` of the credential's sessions (default 15 minutes). */
  readonly statementTimeout?: string | undefined
}

export interface CatalogService {
  /** The schema holding the catalog's own tables. */
  readonly schema: string
  readonly dataSource: DataSource
  /** The provider's version-registry row, created on first use, validated strictly after. */
  readonly ensureVersionRegistry: (
    provider: ProviderIdentity,
    registry: AnyStorageTable
  ) => Effect.Effect<CatalogTable, VersionRegistryError | CatalogStorageError | InvalidCatalogRowError>
  /** Rows for the provider's tables: missing ones created as reserved, the provider's own ones reused. */
  readonly reserve: (
    request: ReserveRequest
  ) => Effect.Effect<ReadonlyArray<CatalogTable>, TableReservationError | CatalogStorageError | InvalidCatalogRowError>
  readonly migrationCredential: (
    provider: ProviderIdentity,
    options?: CredentialOptions
  ) => Effect.Effect<MigrationCredential, CredentialError | CatalogStorageError | InvalidCatalogRowError>
  /** Ends the credential's sessions and drops its role; what could not be done is the error. */
  readonly revokeCredential: (credential: MigrationCredential) => Effect.Effect<void, CredentialRevokeError>
  /** Checks each physical table and flips verified rows to active, recording the revision. */
  readonly finalize: (
    request: FinalizeRequest
  ) => Effect.Effect<FinalizeReport, CatalogTableNotFoundError | CatalogStorageError | InvalidCatalogRowError>
  readonly resolveActive: (
    tables: ReadonlyArray<AnyStorageTable>
  ) => Effect.Effect<ActiveResolution, CatalogStorageError | InvalidCatalogRowError>
  /**
   * Marks a row deleted; refused for protected tables. A row a migration marks (`byMigration`, the reason)
   * is taken back by its provider's next reservation of the table (a downgrade dropped it, an upgrade makes
   * it again); any other deleted row stays refused.
   */
  readonly markDeleted: (
    uid: string,
    byMigration?: string | undefined
  ) => Effect.Effect<
    CatalogTable,
    DeletionProtectedError | CatalogTableNotFoundError | CatalogStorageError | InvalidCatalogRowError
  >
  readonly list: Effect.Effect<ReadonlyArray<CatalogTable>, CatalogStorageError | InvalidCatalogRowError>
  /** A row by uid, physical table (`table` or `schema.table`) or identifier. */
  readonly find: (reference: string) => Effect.Effect<Option.Option<CatalogTable>, CatalogStorageError | InvalidCatalogRowError>
}

export class Catalog extends Context.Service<Catalog, CatalogService>()("metatables/catalog/Catalog") {}
