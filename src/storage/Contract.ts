/**
 * The storage contract, `relational-table.v1`, in the Python SDK's layout: the physical table and its columns
 * as the catalog records them, and what finalize and `startEngine` compare the live table against. Indexes
 * and foreign keys are not part of it: they belong to migrations.
 *
 * ```json
 * { "version": "relational-table.v1", "table_kind": "time_indexed",
 *   "authoring": { "table_model": { "kind": "drizzle", "qualname": "DailyMetrics" },
 *                  "time_indexed": { "time_index_name": "time_index", "index_names": [...], "cadence": "1d" },
 *                  "metatables": { "server_defaults": { ... } } },
 *   "physical": { "schema": "public", "table_name": "sdk_examples__daily_metrics" },
 *   "columns": [...], "constraints": [] }
 * ```
 *
 * `table_kind` and `authoring.time_indexed` appear on time-indexed tables only, `cadence` only when there is
 * one, and each column's fields are the SDK's (its `server_default` is `gen_random_uuid()` on a UUID primary
 * key and absent otherwise). What metatables records beyond that (every column's real server default) is
 * under `authoring.metatables`, a key the SDK's readers ignore. Contracts catalogs stored in the earlier
 * layout (`table_kind` on every table, a top-level `time_indexed`, nullable `server_default`s) still decode,
 * into this one.
 */
import { getTableColumns } from "drizzle-orm"
import { getTableConfig, type PgColumn } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaParser from "effect/SchemaParser"
import { backendTypeOf, dataTypeTokenOf, serverDefaultOf } from "./ColumnTypes.ts"
import type { AnyStorageTable } from "./StorageTable.ts"

export const CONTRACT_VERSION = "relational-table.v1"

/** The server default the SDK writes on a UUID primary key (and only there). */
export const SDK_UUID_SERVER_DEFAULT = "gen_random_uuid()"

export const ContractColumn = Schema.Struct({
  name: Schema.String,
  /** The SDK's data type token: `string`, `uuid`, `int64`, `timestamp with time zone`, ... */
  data_type: Schema.String,
  /** The SQL type, upper-cased: `VARCHAR(64)`, `UUID`, ... */
  backend_type: Schema.String,
  nullable: Schema.Boolean,
  primary_key: Schema.Boolean,
  unique: Schema.Boolean,
  /** As the SDK writes it: `gen_random_uuid()` on a UUID primary key, absent otherwise. */
  server_default: Schema.optionalKey(Schema.String),
  description: Schema.String,
  label: Schema.String
})
export type ContractColumn = typeof ContractColumn.Type

export const ContractTimeIndexedProfile = Schema.Struct({
  time_index_name: Schema.String,
  index_names: Schema.Array(Schema.String),
  /** Absent when the table declares none. */
  cadence: Schema.optionalKey(Schema.String)
})
export type ContractTimeIndexedProfile = typeof ContractTimeIndexedProfile.Type

/** The model the contract was made from: a drizzle table, and its storage class's name when it has one. */
export const ContractTableModel = Schema.Struct({
  kind: Schema.Literal("drizzle"),
  qualname: Schema.optionalKey(Schema.String)
})
export type ContractTableModel = typeof ContractTableModel.Type

/** What metatables records beyond the SDK's fields, under `authoring.metatables`. */
export const ContractExtension = Schema.Struct({
  /** The server default of every column that has one, as SQL (`'active'`, `now()`), by column name. */
  server_defaults: Schema.Record(Schema.String, Schema.String)
})
export type ContractExtension = typeof ContractExtension.Type

export const TableContract = Schema.Struct({
  version: Schema.Literal(CONTRACT_VERSION),
  /** Present on time-indexed tables only. */
  table_kind: Schema.optionalKey(Schema.Literal("time_indexed")),
  authoring: Schema.Struct({
    table_model: ContractTableModel,
    time_indexed: Schema.optionalKey(ContractTimeIndexedProfile),
    metatables: ContractExtension
  }),
  physical: Schema.Struct({
    /** Always named: `public` for tables declared without a schema. */
    schema: Schema.String,
    table_name: Schema.String
  }),
  columns: Schema.Array(ContractColumn),
  /** Always empty: constraints belong to migrations, as in the SDK. */
  constraints: Schema.Tuple([])
})
export type TableContract = typeof TableContract.Type

/** A column as the earlier layout recorded it: every field present, the real server default or null. */
const LegacyContractColumn = Schema.Struct({
  name: Schema.String,
  data_type: Schema.String,
  backend_type: Schema.String,
  nullable: Schema.Boolean,
  primary_key: Schema.Boolean,
  unique: Schema.Boolean,
  server_default: Schema.NullOr(Schema.String),
  label: Schema.String,
  description: Schema.String
})

/** The layout catalogs stored before the contract followed the SDK's. */
const LegacyTableContract = Schema.Struct({
  version: Schema.Literal(CONTRACT_VERSION),
  physical: Schema.Struct({ schema: Schema.String, table_name: Schema.String }),
  table_kind: Schema.Literals(["relational", "time_indexed"]),
  columns: Schema.Array(LegacyContractColumn),
  time_indexed: Schema.NullOr(Schema.Struct({
    time_index_name: Schema.String,
    index_names: Schema.Array(Schema.String),
    cadence: Schema.NullOr(Schema.String)
  }))
})

/** A column's physical description, with its real server default (`null` for none). */
export interface ColumnShape {
  readonly name: string
  readonly data_type: string
  readonly backend_type: string
  readonly nullable: boolean
  readonly primary_key: boolean
  readonly unique: boolean
  readonly server_default: string | null
  readonly label: string
  readonly description: string
}

/** The column as the SDK writes it. */
const sdkColumn = (column: ColumnShape): ContractColumn => ({
  name: column.name,
  data_type: column.data_type,
  backend_type: column.backend_type,
  nullable: column.nullable,
  primary_key: column.primary_key,
  unique: column.unique,
  ...(column.primary_key && column.data_type === "uuid" ? { server_default: SDK_UUID_SERVER_DEFAULT } : {}),
  description: column.description,
  label: column.label
})

const serverDefaults = (columns: ReadonlyArray<ColumnShape>): Record<string, string> =>
  Object.fromEntries(
    columns.flatMap((column) => column.server_default === null ? [] : [[column.name, column.server_default]])
  )

const timeIndexedProfile = (
  profile: { readonly time_index_name: string; readonly index_names: ReadonlyArray<string> },
  cadence: string | null | undefined
): ContractTimeIndexedProfile => ({
  time_index_name: profile.time_index_name,
  index_names: [...profile.index_names],
  ...(cadence === null || cadence === undefined ? {} : { cadence })
})

const fromLegacy = (legacy: typeof LegacyTableContract.Type): TableContract => ({
  version: CONTRACT_VERSION,
  ...(legacy.time_indexed === null ? {} : { table_kind: "time_indexed" as const }),
  authoring: {
    table_model: { kind: "drizzle" },
    ...(legacy.time_indexed === null
      ? {}
      : { time_indexed: timeIndexedProfile(legacy.time_indexed, legacy.time_indexed.cadence) }),
    metatables: { server_defaults: serverDefaults(legacy.columns) }
  },
  physical: { schema: legacy.physical.schema, table_name: legacy.physical.table_name },
  columns: legacy.columns.map(sdkColumn),
  constraints: []
})

/** The earlier layout: a top-level `time_indexed` (null on relational tables), no `authoring`. */
const isLegacyLayout = (input: unknown): boolean =>
  Predicate.isObject(input) && Predicate.hasProperty(input, "time_indexed") && !Predicate.hasProperty(input, "authoring")

const decodeLegacy = SchemaParser.decodeUnknownEffect(LegacyTableContract)

/**
 * A contract as the catalog may hold it: this layout, or the earlier one decoded into it (told apart by shape,
 * so a problem in either is reported at its own field). Encoding always writes this layout.
 */
export const StoredTableContract = Schema.Unknown.pipe(
  Schema.decodeTo(TableContract, {
    decode: SchemaGetter.transformEffect((input: unknown, options) =>
      isLegacyLayout(input)
        ? Effect.map(decodeLegacy(input, options), fromLegacy)
        // Validated as this layout by TableContract itself, right after.
        : Effect.succeed(input as typeof TableContract.Encoded)
    ),
    encode: SchemaGetter.passthroughSupertype()
  })
)

/** Decodes a persisted contract strictly (unknown fields and other versions are errors), in either layout. */
export const decodeTableContract = Schema.decodeUnknownEffect(StoredTableContract, { onExcessProperty: "error" })

/** The grain of a time-indexed contract (time index first), undefined for a relational one. */
export const contractGrain = (contract: TableContract): ReadonlyArray<string> | undefined =>
  contract.authoring.time_indexed?.index_names

/** The real server default of a column as SQL, or `null` when the database supplies none. */
export const contractServerDefault = (contract: TableContract, column: string): string | null =>
  Object.hasOwn(contract.authoring.metatables.server_defaults, column)
    ? contract.authoring.metatables.server_defaults[column]!
    : null

/**
 * `contract` with its columns replaced by `columns` (physical descriptions with their real server defaults),
 * written as the SDK writes columns, the server defaults recorded under `authoring.metatables`.
 */
export const withColumnShapes = (contract: TableContract, columns: ReadonlyArray<ColumnShape>): TableContract => ({
  ...contract,
  authoring: { ...contract.authoring, metatables: { ...contract.authoring.metatables, server_defaults: serverDefaults(columns) } },
  columns: columns.map(sdkColumn)
})

/** The columns of a table, in declaration order, with their real server defaults. */
const columnShapes = (storage: AnyStorageTable): Array<ColumnShape> => {
  const config = getTableConfig(storage.table)
  const compositeKeyColumns = new Set(config.primaryKeys.flatMap((key) => key.columns.map((column) => column.name)))
  const columns = getTableColumns(storage.table) as Record<string, PgColumn>
  return storage.metadata.columns.map((info) => {
    const column = columns[info.key]!
    return {
      name: column.name,
      data_type: dataTypeTokenOf(column),
      backend_type: backendTypeOf(column),
      nullable: !column.notNull,
      primary_key: column.primary || compositeKeyColumns.has(column.name),
      unique: column.isUnique,
      server_default: serverDefaultOf(column),
      label: info.label,
      description: info.description
    }
  })
}

/** The storage class's name (`Account`), when it has one of its own. */
const tableModelOf = (storage: AnyStorageTable): ContractTableModel => {
  const name: unknown = Predicate.hasProperty(storage, "name") ? storage.name : undefined
  return Predicate.isString(name) && name !== "" ? { kind: "drizzle", qualname: name } : { kind: "drizzle" }
}

/** The contract of a storage table. */
export const tableContract = (storage: AnyStorageTable): TableContract => {
  const { metadata } = storage
  const columns = columnShapes(storage)
  const profile = metadata.timeIndexed
  return {
    version: CONTRACT_VERSION,
    ...(profile === undefined ? {} : { table_kind: "time_indexed" as const }),
    authoring: {
      table_model: tableModelOf(storage),
      ...(profile === undefined ? {} : {
        time_indexed: timeIndexedProfile(
          { time_index_name: profile.timeIndexName, index_names: profile.indexNames },
          profile.cadence
        )
      }),
      metatables: { server_defaults: serverDefaults(columns) }
    },
    physical: { schema: metadata.schema, table_name: metadata.tableName },
    columns: columns.map(sdkColumn),
    constraints: []
  }
}
