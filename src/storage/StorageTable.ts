/**
 * Storage tables: a drizzle table plus the catalog metadata that describes it, declared as a class that is
 * also the Effect service key of the table's binding (its catalog uid, data source and physical name).
 *
 * ```ts
 * export class Account extends PlatformManagedMetaTable<Account>()({
 *   name: schemaTableName("sdk_examples", "account"),
 *   namespace: "sdk-examples",
 *   identifier: "sdk_examples.account",
 *   description: "Account master rows used to scope positions.",
 *   columns: { uid: uuid().primaryKey().defaultRandom(), name: text().notNull() },
 *   columnInfo: {
 *     uid: { label: "Account UID", description: "Stable account identifier." },
 *     name: { label: "Name", description: "Display name of the account." }
 *   }
 * }) {}
 * ```
 *
 * `Account.table` is the drizzle table (`Account.table.$inferSelect` its row type); `yield* Account` reads the
 * binding, which only the migration lifecycle or `startEngine` provides, so code that needs a bound table
 * says so in its requirements. Declarations are validated when they are made (a bad one throws a
 * `StorageDefinitionError` listing every problem) and never touch a database.
 *
 * The rules are the Python SDK's: column names lower case and at most 63 bytes, a relational table's
 * timestamps with a time zone, every check constraint nameable as `ck__<table>__<name>`, the namespace
 * trimmed, and a cadence trimmed and lower-cased (`" 1D "` is `1d`, `""` is none).
 *
 * Just past 400 lines because the public types of a storage table (definitions, metadata, the class statics)
 * and the checks that make a definition valid are one contract, read together by anyone declaring a table.
 */
import { getTableColumns } from "drizzle-orm"
import {
  type AnyPgColumnBuilder,
  type AnyPgTable,
  getTableConfig,
  type PgBuildColumns,
  type PgBuildExtraConfigColumns,
  type PgColumn,
  pgSchema,
  pgTable,
  type PgTableExtraConfigValue,
  type PgTableWithColumns,
  uniqueIndex
} from "drizzle-orm/pg-core"
import * as Context from "effect/Context"
import * as Predicate from "effect/Predicate"
import { isTimestampWithTimeZone } from "./ColumnTypes.ts"
import {
  describeCheckNameProblems,
  describeColumnNameProblems,
  describeSchemaNameProblems,
  describeNaiveTimestamps,
  normalizeCadence
} from "./DefinitionRules.ts"
import { isBlank } from "./internal/isBlank.ts"
import { MAX_IDENTIFIER_LENGTH, schemaIndexName } from "./Naming.ts"
import { StorageDefinitionError } from "./StorageDefinitionError.ts"

export const StorageTableTypeId: unique symbol = Symbol.for("metatables/storage/StorageTable")
export type StorageTableTypeId = typeof StorageTableTypeId

/** `relational` (platform-managed) or `time-indexed` (rows keyed by a time index and a grain). */
export type MetaTableKind = "relational" | "time-indexed"

/** Where a catalog row is in its life: reserved by a migration, active once finalized. */
export type MetaTableStatus = "reserved" | "active" | "failed" | "deleted"

/** How a table is bound at run time: its catalog row and physical location. */
export interface StorageBinding {
  readonly uid: string
  readonly identifier: string
  readonly namespace: string
  readonly dataSourceUid: string
  readonly schema: string
  readonly tableName: string
  readonly status: MetaTableStatus
}

/** A column's label and description, both required. */
export interface ColumnInfo {
  readonly label: string
  readonly description: string
}

export interface ColumnMetadata extends ColumnInfo {
  /** The property name in the drizzle table. */
  readonly key: string
  /** The physical column name. */
  readonly name: string
}

export interface Provisioning {
  readonly createTable: boolean
  readonly ifNotExists: boolean
}

/** A time-index table's grain: the time index first, then the entity columns. */
export interface TimeIndexedProfile {
  readonly timeIndexName: string
  readonly indexNames: ReadonlyArray<string>
  readonly cadence: string | undefined
}

export interface MetaTableMetadata {
  readonly kind: MetaTableKind
  readonly tableName: string
  /** The physical schema; `public` when the table is declared without one. */
  readonly schema: string
  readonly namespace: string
  readonly identifier: string
  readonly description: string
  readonly labels: ReadonlyArray<string>
  readonly provisioning: Provisioning
  readonly protectFromDeletion: boolean
  /** Every column in declaration order. */
  readonly columns: ReadonlyArray<ColumnMetadata>
  /** Present on time-index tables. */
  readonly timeIndexed: TimeIndexedProfile | undefined
}

type ColumnBuilders = Record<string, AnyPgColumnBuilder>

/** The drizzle table a definition produces. */
export type DefinedTable<TName extends string, TColumns extends ColumnBuilders> = PgTableWithColumns<{
  name: TName
  schema: string | undefined
  columns: PgBuildColumns<TName, TColumns>
  dialect: "pg"
  isAlias: false
}>

/** Extra drizzle table configuration: indexes, unique and check constraints, composite keys, foreign keys. */
export type TableConstraints<TColumns extends ColumnBuilders> = (
  table: PgBuildExtraConfigColumns<TColumns>
) => Array<PgTableExtraConfigValue | Array<PgTableExtraConfigValue>>

export interface PlatformManagedDefinition<TName extends string, TColumns extends ColumnBuilders> {
  /** The physical table name; build it with `schemaTableName(app, concept)`. */
  readonly name: TName
  /** A named schema; none, `""` and `public` all mean the default schema. */
  readonly schema?: string | undefined
  /** Trimmed. */
  readonly namespace: string
  readonly identifier: string
  /** What the table holds and why: required. */
  readonly description: string
  readonly labels?: ReadonlyArray<string> | undefined
  readonly provisioning?: Partial<Provisioning> | undefined
  readonly protectFromDeletion?: boolean | undefined
  /** drizzle column builders, exactly as for `pgTable`. */
  readonly columns: TColumns
  /** A label and a description for every column. */
  readonly columnInfo: { readonly [K in keyof TColumns]: ColumnInfo }
  /** Indexes, constraints and composite keys, as `pgTable`'s third argument. */
  readonly constraints?: TableConstraints<TColumns> | undefined
}

export interface PlatformTimeIndexDefinition<TName extends string, TColumns extends ColumnBuilders>
  extends PlatformManagedDefinition<TName, TColumns>
{
  /** The time index column (default `time_index`); `timestamp with time zone`, NOT NULL. */
  readonly timeIndex?: string | undefined
  /** The grain: the time index first, then entity columns; all NOT NULL (default: the time index alone). */
  readonly indexNames?: ReadonlyArray<string> | undefined
  /** Expected spacing of rows, like `1d`, `15m` or `1mo` (trimmed and lower-cased; `""` means none). */
  readonly cadence?: string | undefined
}

/** What every storage table class carries beside its service key. */
export interface StorageTableStatics<TTable> {
  readonly [StorageTableTypeId]: StorageTableTypeId
  /** The drizzle table, for queries and for migrations. */
  readonly table: TTable
  readonly metadata: MetaTableMetadata
}

/**
 * Any storage table class: its drizzle table and metadata, and (as every class made by the definers is) the
 * service key of its binding, which `bindingServiceKey` returns typed as such.
 */
export interface AnyStorageTable extends StorageTableStatics<AnyPgTable> {
  /** The service key's string, `metatables/storage/<schema>.<table>`. */
  readonly key: string
}

/**
 * The table as the service key of its binding, to provide one (`Layer.succeed(bindingServiceKey(t), b)`).
 * Every storage table class is such a key; only Effect's type-level unification hides it behind the
 * structural `AnyStorageTable`.
 */
export const bindingServiceKey = (storage: AnyStorageTable): Context.Key<unknown, StorageBinding> =>
  storage as unknown as Context.Key<unknown, StorageBinding>

/** The row type read from a storage table. */
export type StorageRow<T extends { readonly table: { readonly $inferSelect: unknown } }> = T["table"]["$inferSelect"]
/** The row type written to a storage table. */
export type StorageInsert<T extends { readonly table: { readonly $inferInsert: unknown } }> = T["table"]["$inferInsert"]

export const isStorageTable = (value: unknown): value is AnyStorageTable =>
  (Predicate.isFunction(value) || Predicate.isObject(value)) && Predicate.hasProperty(value, StorageTableTypeId)

const CADENCE_PATTERN = /^[1-9]\d*(mo|s|m|h|d|w|q|y)$/

const normalizeSchema = (schema: string | undefined): string | undefined =>
  schema === undefined || schema.trim() === "" || schema === "public" ? undefined : schema

const buildTable = <TName extends string, TColumns extends ColumnBuilders>(
  name: TName,
  schema: string | undefined,
  columns: TColumns,
  constraints: TableConstraints<TColumns>
): DefinedTable<TName, TColumns> => {
  const define = (schema === undefined ? pgTable : pgSchema(schema).table) as typeof pgTable
  return define(name, columns, constraints) as unknown as DefinedTable<TName, TColumns>
}

const describeInfoProblems = (
  columns: ColumnBuilders,
  columnInfo: Record<string, ColumnInfo | undefined>
): Array<string> => {
  const problems: Array<string> = []
  const undocumented = Object.keys(columns).filter((key) =>
    isBlank(columnInfo[key]?.label) || isBlank(columnInfo[key]?.description)
  )
  if (undocumented.length > 0) {
    problems.push(`every column needs a label and a description in columnInfo; missing for: ${undocumented.join(", ")}`)
  }
  const unknown = Object.keys(columnInfo).filter((key) => !(key in columns))
  if (unknown.length > 0) problems.push(`columnInfo describes columns the table does not have: ${unknown.join(", ")}`)
  return problems
}

const describeMetadataProblems = (definition: PlatformManagedDefinition<string, ColumnBuilders>): Array<string> => {
  const problems: Array<string> = []
  if (isBlank(definition.namespace)) problems.push("namespace is required")
  if (isBlank(definition.identifier)) problems.push("identifier is required")
  if (isBlank(definition.description)) problems.push("description is required: say what the table holds and why")
  // PostgreSQL counts a name's bytes in UTF-8, not its characters: "é" is two.
  const nameBytes = new TextEncoder().encode(definition.name).length
  if (nameBytes > MAX_IDENTIFIER_LENGTH) {
    problems.push(
      `the table name is ${definition.name.length === nameBytes ? `${nameBytes} characters` : `${nameBytes} bytes`} ` +
        `long; PostgreSQL keeps ${MAX_IDENTIFIER_LENGTH} bytes (build it with schemaTableName, which shortens names safely)`
    )
  }
  const blankLabels = (definition.labels ?? []).filter(isBlank)
  if (blankLabels.length > 0) problems.push("labels must be non-empty strings")
  return problems
}

/** Whether a unique index or constraint (or the primary key) already covers exactly `grain`, in any order. */
const coversGrain = (table: AnyPgTable, grain: ReadonlyArray<string>): boolean => {
  const sameSet = (names: ReadonlyArray<string>) =>
    names.length === grain.length && grain.every((name) => names.includes(name))
  const config = getTableConfig(table)
  const uniqueIndexes = config.indexes.filter((index) => index.config.unique && index.config.where === undefined)
  const indexColumns = uniqueIndexes.map((index) =>
    index.config.columns.map((column) => Predicate.hasProperty(column, "name") ? String(column.name) : "")
  )
  return indexColumns.some(sameSet) ||
    config.uniqueConstraints.some((unique) => sameSet(unique.columns.map((column) => column.name))) ||
    config.primaryKeys.some((key) => sameSet(key.columns.map((column) => column.name))) ||
    (grain.length === 1 && config.columns.some((column) => column.name === grain[0] && (column.isUnique || column.primary)))
}

const describeGrainProblems = (
  columns: ReadonlyArray<PgColumn>,
  timeIndex: string,
  indexNames: ReadonlyArray<string>,
  cadence: string | undefined
): Array<string> => {
  const problems: Array<string> = []
  const byName = new Map(columns.map((column) => [column.name, column]))
  const timeColumn = byName.get(timeIndex)
  if (timeColumn === undefined) problems.push(`the time index "${timeIndex}" is not a column of the table`)
  else if (!isTimestampWithTimeZone(timeColumn)) {
    problems.push(
      `the time index "${timeIndex}" must be timestamp with time zone, not ${timeColumn.getSQLType()} ` +
        "(use timestamp({ withTimezone: true }))"
    )
  }
  if (indexNames.length === 0) problems.push("indexNames must list the grain, starting with the time index")
  else if (indexNames[0] !== timeIndex) {
    problems.push(`indexNames must start with the time index "${timeIndex}", not "${indexNames[0]}"`)
  }
  const duplicates = indexNames.filter((name, index) => indexNames.indexOf(name) !== index)
  if (duplicates.length > 0) problems.push(`indexNames repeats ${[...new Set(duplicates)].join(", ")}`)
  const unknown = indexNames.filter((name) => !byName.has(name))
  if (unknown.length > 0) problems.push(`indexNames names columns the table does not have: ${unknown.join(", ")}`)
  const nullable = indexNames.filter((name) => byName.get(name)?.notNull === false)
  if (nullable.length > 0) {
    problems.push(`grain columns must be NOT NULL; add .notNull() to: ${[...new Set(nullable)].join(", ")}`)
  }
  if (cadence !== undefined && !CADENCE_PATTERN.test(cadence)) {
    problems.push(`cadence "${cadence}" must be a positive count and a unit (s, m, h, d, w, mo, q, y), like 1d or 15m`)
  }
  return problems
}

interface BuiltDefinition<TName extends string, TColumns extends ColumnBuilders> {
  readonly table: DefinedTable<TName, TColumns>
  readonly metadata: MetaTableMetadata
}

const buildDefinition = <TName extends string, TColumns extends ColumnBuilders>(
  definition: PlatformManagedDefinition<TName, TColumns>,
  timeIndexed: { readonly timeIndex: string; readonly indexNames: ReadonlyArray<string>; readonly cadence: string | undefined } | undefined
): BuiltDefinition<TName, TColumns> => {
  const schema = normalizeSchema(definition.schema)
  const constraints: TableConstraints<TColumns> = definition.constraints ?? (() => [])
  const probe = buildTable(definition.name, schema, definition.columns, constraints)
  const physicalColumns = getTableConfig(probe).columns
  const columnsByKey = getTableColumns(probe) as Record<string, PgColumn>

  const problems = [
    ...describeMetadataProblems(definition as PlatformManagedDefinition<string, ColumnBuilders>),
    ...describeInfoProblems(definition.columns, definition.columnInfo as Record<string, ColumnInfo | undefined>)
  ]
  const names = physicalColumns.map((column) => column.name)
  const repeated = names.filter((name, index) => names.indexOf(name) !== index)
  if (repeated.length > 0) problems.push(`several properties map to the column ${[...new Set(repeated)].join(", ")}`)
  if (timeIndexed !== undefined) {
    problems.push(
      ...describeGrainProblems(physicalColumns, timeIndexed.timeIndex, timeIndexed.indexNames, timeIndexed.cadence)
    )
  }
  problems.push(
    ...describeSchemaNameProblems(schema ?? "public"),
    ...describeColumnNameProblems(physicalColumns),
    ...describeCheckNameProblems(probe)
  )
  if (timeIndexed === undefined) problems.push(...describeNaiveTimestamps(physicalColumns))
  if (problems.length > 0) throw new StorageDefinitionError({ table: definition.name, problems })

  const grain = timeIndexed?.indexNames ?? []
  const table = timeIndexed === undefined || coversGrain(probe, grain)
    ? probe
    : buildTable(definition.name, schema, definition.columns, (columns) => {
      const byName = new Map(Object.values(columns).map((column) => [column.name, column]))
      const [first, ...rest] = grain.map((name) => byName.get(name)!)
      return [...constraints(columns), uniqueIndex(schemaIndexName(definition.name, grain, { unique: true })).on(first!, ...rest)]
    })

  const columnInfo = definition.columnInfo as Record<string, ColumnInfo>
  const metadata: MetaTableMetadata = {
    kind: timeIndexed === undefined ? "relational" : "time-indexed",
    tableName: definition.name,
    schema: schema ?? "public",
    namespace: definition.namespace.trim(),
    identifier: definition.identifier,
    description: definition.description,
    labels: [...(definition.labels ?? [])],
    provisioning: {
      createTable: definition.provisioning?.createTable ?? true,
      ifNotExists: definition.provisioning?.ifNotExists ?? true
    },
    protectFromDeletion: definition.protectFromDeletion ?? false,
    columns: Object.entries(columnsByKey).map(([key, column]) => ({
      key,
      name: column.name,
      label: columnInfo[key]!.label,
      description: columnInfo[key]!.description
    })),
    timeIndexed: timeIndexed === undefined
      ? undefined
      : { timeIndexName: timeIndexed.timeIndex, indexNames: [...timeIndexed.indexNames], cadence: timeIndexed.cadence }
  }
  return { table, metadata }
}

const storageTableClass = <Self, TName extends string, TColumns extends ColumnBuilders>(
  built: BuiltDefinition<TName, TColumns>
) => {
  const { metadata, table } = built
  const key = Context.Service<Self, StorageBinding>()(`metatables/storage/${metadata.schema}.${metadata.tableName}`)
  return class StorageTable extends key {
    static readonly [StorageTableTypeId]: StorageTableTypeId = StorageTableTypeId
    static readonly table: DefinedTable<TName, TColumns> = table
    static readonly metadata: MetaTableMetadata = metadata
  }
}

/**
 * Declares a platform-managed (relational) storage table. Use as the base of a class:
 * `class Account extends PlatformManagedMetaTable<Account>()({ ... }) {}`.
 */
export const PlatformManagedMetaTable = <Self>() =>
<const TName extends string, TColumns extends ColumnBuilders>(
  definition: PlatformManagedDefinition<TName, TColumns>
) => storageTableClass<Self, TName, TColumns>(buildDefinition(definition, undefined))

/**
 * Declares a time-index storage table: rows keyed by a time index and a grain, which gets a unique index
 * (named by the SDK convention) unless an equivalent unique index or constraint is declared already.
 */
export const PlatformTimeIndexMetaTable = <Self>() =>
<const TName extends string, TColumns extends ColumnBuilders>(
  definition: PlatformTimeIndexDefinition<TName, TColumns>
) => {
  const timeIndex = definition.timeIndex ?? "time_index"
  return storageTableClass<Self, TName, TColumns>(buildDefinition(definition, {
    timeIndex,
    indexNames: definition.indexNames ?? [timeIndex],
    cadence: normalizeCadence(definition.cadence)
  }))
}
