/**
 * Migration providers: the boundary of one migration stream. A provider names its package and migration
 * namespace (its key is `package:namespace`), where its revisions live, which models autogenerate diffs, its
 * version registry (the storage table of its version table) and its scope: the exact, ordered list of storage
 * tables it reserves and finalizes. Tables that are imported but not listed are none of its business.
 */
import type { AnyPgTable } from "drizzle-orm/pg-core"
import { pgSchema, varchar } from "drizzle-orm/pg-core"
import type * as Effect from "effect/Effect"
import type * as SqlClient from "effect/sql/SqlClient"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as NodePath from "node:path"
import type { CatalogTable } from "../catalog/Catalog.ts"
import type { Database } from "../db/Database.ts"
import { namespaceVersionSlug, schemaTableName } from "../storage/Naming.ts"
import { isSchemaObject, type ModelObject, type SchemaObject } from "../storage/StorageSchema.ts"
import {
  type AnyStorageTable,
  isStorageTable,
  PlatformManagedMetaTable,
  type StorageBinding
} from "../storage/StorageTable.ts"
import type { RenameHint } from "./Autogenerate.ts"
import { VERSION_COLUMN, type VersionTableLocation } from "./runtime/VersionTable.ts"

export const ProviderTypeId: unique symbol = Symbol.for("metatables/migrations/MigrationProvider")
export type ProviderTypeId = typeof ProviderTypeId

/** What `afterRegisterMetaTables` receives once every table of the provider is active. */
export interface ProviderHookContext {
  readonly provider: MigrationProvider
  /** The provider's scope, in its order. */
  readonly tables: ReadonlyArray<AnyStorageTable>
  /** Each table's active binding and catalog row, in the same order. */
  readonly registered: ReadonlyArray<{ readonly table: AnyStorageTable; readonly binding: StorageBinding; readonly row: CatalogTable }>
}

/**
 * Runs after every table of the provider is active, on the project's own database connection (not the
 * migration credential), with the tables' bindings provided: the place to seed reference rows, idempotently,
 * since it runs after every successful upgrade.
 */
export type ProviderHook = (
  context: ProviderHookContext
) => Effect.Effect<void, unknown, SqlClient.SqlClient | Database>

export interface MigrationProvider {
  readonly [ProviderTypeId]: ProviderTypeId
  readonly packageName: string
  readonly migrationNamespace: string
  /** `package:namespace`. */
  readonly key: string
  /** The directory of the provider's migrations package. */
  readonly scriptLocation: string
  /** Where revisions are read from; the first is where new revisions are written. */
  readonly versionLocations: ReadonlyArray<string>
  /** The storage table of the provider's version table. */
  readonly versionRegistry: AnyStorageTable
  /** The provider's scope: the storage tables it reserves and finalizes, deduplicated, in order. */
  readonly tables: ReadonlyArray<AnyStorageTable>
  /**
   * What autogenerate compares with the head snapshot: the scope (unless other drizzle tables are listed),
   * and the enums, sequences and schemas listed in `schemaObjects`.
   */
  readonly targetTables: ReadonlyArray<ModelObject>
  /** Renames autogenerate applies (declared beside the models instead of on the command line). */
  readonly renames: ReadonlyArray<RenameHint>
  readonly afterRegisterMetaTables: ProviderHook | undefined
}

export const isMigrationProvider = (value: unknown): value is MigrationProvider =>
  Predicate.isObject(value) && Predicate.hasProperty(value, ProviderTypeId)

/** Where the provider keeps its migration state. */
export const versionTableOf = (provider: MigrationProvider): VersionTableLocation => ({
  schema: provider.versionRegistry.metadata.schema,
  table: provider.versionRegistry.metadata.tableName
})

export class ProviderDefinitionError extends Schema.TaggedError<ProviderDefinitionError>()("ProviderDefinitionError", {
  /** The provider's key as far as it could be read. */
  provider: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `The migration provider ${this.provider} is not valid:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}

export interface VersionMetaTableOptions {
  readonly namespace: string
  readonly identifier: string
  /** The physical schema of the version table; none, `""` and `public` are the same. */
  readonly schema?: string | undefined
  /** Prefix it like every other table: `schemaTableName("sdk_examples", "alembic_version")`. */
  readonly tableName: string
  readonly description?: string | undefined
}

/** The storage table of a provider's version table (one `version_num` column, the primary key). */
export const buildVersionMetaTable = (options: VersionMetaTableOptions): AnyStorageTable => {
  class VersionTable extends PlatformManagedMetaTable<VersionTable>()({
    name: options.tableName,
    schema: options.schema,
    namespace: options.namespace,
    identifier: options.identifier,
    description: options.description ??
      "Migration versions of this provider: the revision ids the database is at (one row per head).",
    labels: ["migrations"],
    protectFromDeletion: true,
    columns: { versionNum: varchar(VERSION_COLUMN, { length: 255 }).primaryKey() },
    columnInfo: { versionNum: { label: "Version", description: "A revision id the database is at." } }
  }) {}
  return VersionTable
}

export interface MigrationProviderOptions {
  /** The package (project) the provider belongs to; with the namespace it forms the provider key. */
  readonly package: string
  readonly migrationNamespace: string
  /** The directory of the migrations package; usually `import.meta.dirname` of the provider module. */
  readonly scriptLocation: string
  /** The folder of revisions inside it (default `versions`); each namespace gets its own sub-folder. */
  readonly versionLocationPrefix?: string | undefined
  /** More folders to read revisions from (read-only, e.g. a history shared with another provider). */
  readonly extraVersionLocations?: ReadonlyArray<string> | undefined
  readonly versionRegistry: AnyStorageTable
  /** The provider's scope, in order; the same table listed twice counts once. */
  readonly tables: ReadonlyArray<AnyStorageTable>
  /** The models autogenerate diffs (default: the scope). */
  readonly targetTables?: ReadonlyArray<AnyStorageTable | AnyPgTable> | undefined
  /**
   * Enums, sequences and schemas the provider owns beyond those its tables show (the enums its columns use
   * and the schemas its tables are in are found without listing): a sequence a default names, or
   * `pgSchema("shared").existing()` for a schema another owner creates.
   */
  readonly schemaObjects?: ReadonlyArray<SchemaObject> | undefined
  readonly renames?: ReadonlyArray<RenameHint> | undefined
  readonly afterRegisterMetaTables?: ProviderHook | undefined
}

const physical = (table: AnyStorageTable) => `${table.metadata.schema}.${table.metadata.tableName}`

/** A validated provider; every problem found is reported at once in a `ProviderDefinitionError`. */
export const buildMigrationProvider = (options: MigrationProviderOptions): MigrationProvider => {
  const packageName = Predicate.isString(options.package) ? options.package.trim() : ""
  const migrationNamespace = Predicate.isString(options.migrationNamespace) ? options.migrationNamespace.trim() : ""
  const key = `${packageName}:${migrationNamespace}`
  const problems: Array<string> = []
  if (packageName === "") problems.push("package is required")
  else if (packageName.includes(":")) problems.push(`package ${JSON.stringify(packageName)} may not contain ":"`)
  if (migrationNamespace === "") problems.push("migrationNamespace is required")
  if (!Predicate.isString(options.scriptLocation) || !NodePath.isAbsolute(options.scriptLocation)) {
    problems.push("scriptLocation must be an absolute directory (use import.meta.dirname in the provider module)")
  }
  if (!isStorageTable(options.versionRegistry)) {
    problems.push("versionRegistry must be a storage table (use buildVersionMetaTable)")
  }
  const tables: Array<AnyStorageTable> = []
  ;(Array.isArray(options.tables) ? options.tables : []).forEach((table, index) => {
    if (!isStorageTable(table)) {
      problems.push(`tables[${index}] is not a storage table (declare it with PlatformManagedMetaTable or PlatformTimeIndexMetaTable)`)
      return
    }
    if (tables.includes(table)) return
    const twin = tables.find((other) => physical(other) === physical(table))
    if (twin !== undefined) {
      problems.push(`tables[${index}] (${table.metadata.identifier}) and ${twin.metadata.identifier} are both ${physical(table)}`)
      return
    }
    const sameIdentifier = tables.find((other) =>
      other.metadata.namespace === table.metadata.namespace && other.metadata.identifier === table.metadata.identifier
    )
    if (sameIdentifier !== undefined) {
      problems.push(`tables[${index}] reuses the identifier ${table.metadata.identifier} of ${physical(sameIdentifier)}`)
      return
    }
    tables.push(table)
  })
  if (!Array.isArray(options.tables)) problems.push("tables must be an array of storage tables")
  if (isStorageTable(options.versionRegistry) && tables.some((table) => physical(table) === physical(options.versionRegistry))) {
    problems.push(`the version registry ${physical(options.versionRegistry)} cannot also be one of the provider's tables`)
  }
  ;(options.schemaObjects ?? []).forEach((object, index) => {
    if (!isSchemaObject(object)) problems.push(`schemaObjects[${index}] is not a pgEnum, pgSequence or pgSchema`)
  })
  if (options.afterRegisterMetaTables !== undefined && !Predicate.isFunction(options.afterRegisterMetaTables)) {
    problems.push("afterRegisterMetaTables must be a function (context) => Effect")
  }
  if (problems.length > 0) throw new ProviderDefinitionError({ provider: key, problems })

  const prefix = options.versionLocationPrefix ?? "versions"
  const primary = NodePath.join(options.scriptLocation, prefix, namespaceVersionSlug(migrationNamespace))
  return {
    [ProviderTypeId]: ProviderTypeId,
    packageName,
    migrationNamespace,
    key,
    scriptLocation: options.scriptLocation,
    versionLocations: [primary, ...(options.extraVersionLocations ?? [])],
    versionRegistry: options.versionRegistry,
    tables,
    // The version table's schema is made by apply before any revision runs, and holds the version table
    // after a downgrade to base: revisions neither create nor drop it.
    targetTables: [
      ...(options.targetTables ?? tables),
      ...(options.versionRegistry.metadata.schema === "public" ? [] : [pgSchema(options.versionRegistry.metadata.schema).existing()]),
      ...(options.schemaObjects ?? [])
    ],
    renames: options.renames ?? [],
    afterRegisterMetaTables: options.afterRegisterMetaTables
  }
}

/** Something a model registry is built from: a storage table, a collection of them, or a function returning either. */
export type ModelSource =
  | AnyStorageTable
  | Iterable<unknown>
  | Record<string, unknown>
  | (() => unknown)

/**
 * The storage tables found in `sources` (tables, arrays, module namespaces, functions returning them), each
 * once, in the order found; two different tables with the same namespace and identifier are an error.
 */
export const buildMetaTableModelRegistry = (...sources: ReadonlyArray<ModelSource>): ReadonlyArray<AnyStorageTable> => {
  const found: Array<AnyStorageTable> = []
  const problems: Array<string> = []
  const visit = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || value === undefined) return
    if (isStorageTable(value)) {
      if (found.includes(value)) return
      const clash = found.find((other) =>
        other.metadata.namespace === value.metadata.namespace && other.metadata.identifier === value.metadata.identifier
      )
      if (clash !== undefined) {
        problems.push(`${physical(value)} and ${physical(clash)} share the identifier ${value.metadata.namespace}/${value.metadata.identifier}`)
        return
      }
      found.push(value)
      return
    }
    if (Predicate.isFunction(value)) return visit(value(), depth + 1)
    if (Predicate.isIterable(value) && !Predicate.isString(value)) {
      for (const item of value) visit(item, depth + 1)
      return
    }
    if (Predicate.isObject(value)) for (const item of Object.values(value)) visit(item, depth + 1)
  }
  for (const source of sources) visit(source, 0)
  if (problems.length > 0) throw new ProviderDefinitionError({ provider: "model registry", problems })
  return found
}

/** The conventional version table of a package: `<package>__alembic_version` in the default schema. */
export const defaultVersionTableName = (packageName: string): string => schemaTableName(packageName, "alembic_version")
