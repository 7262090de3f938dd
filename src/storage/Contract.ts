/**
 * The storage contract, `relational-table.v1`: the physical table and its columns as the catalog records
 * them, and what finalize and `startEngine` compare the live table against. Indexes and foreign keys are not
 * part of it: they belong to migrations.
 */
import { getTableColumns } from "drizzle-orm"
import { getTableConfig, type PgColumn } from "drizzle-orm/pg-core"
import * as Schema from "effect/Schema"
import { backendTypeOf, dataTypeTokenOf, serverDefaultOf } from "./ColumnTypes.ts"
import type { AnyStorageTable } from "./StorageTable.ts"

export const CONTRACT_VERSION = "relational-table.v1"

export const ContractColumn = Schema.Struct({
  name: Schema.String,
  /** The SDK's data type token: `string`, `uuid`, `int64`, `timestamp with time zone`, ... */
  data_type: Schema.String,
  /** The SQL type, upper-cased: `VARCHAR(64)`, `UUID`, ... */
  backend_type: Schema.String,
  nullable: Schema.Boolean,
  primary_key: Schema.Boolean,
  unique: Schema.Boolean,
  server_default: Schema.NullOr(Schema.String),
  label: Schema.String,
  description: Schema.String
})
export type ContractColumn = typeof ContractColumn.Type

export const ContractTimeIndexedProfile = Schema.Struct({
  time_index_name: Schema.String,
  index_names: Schema.Array(Schema.String),
  cadence: Schema.NullOr(Schema.String)
})
export type ContractTimeIndexedProfile = typeof ContractTimeIndexedProfile.Type

export const TableContract = Schema.Struct({
  version: Schema.Literal(CONTRACT_VERSION),
  physical: Schema.Struct({
    /** Always named: `public` for tables declared without a schema. */
    schema: Schema.String,
    table_name: Schema.String
  }),
  table_kind: Schema.Literals(["relational", "time_indexed"]),
  columns: Schema.Array(ContractColumn),
  time_indexed: Schema.NullOr(ContractTimeIndexedProfile)
})
export type TableContract = typeof TableContract.Type

/** Decodes a persisted contract strictly: unknown fields and other versions are errors. */
export const decodeTableContract = Schema.decodeUnknownEffect(TableContract, { onExcessProperty: "error" })

/** The columns of a table's contract, in declaration order. */
const contractColumns = (storage: AnyStorageTable): Array<ContractColumn> => {
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

/** The contract of a storage table. */
export const tableContract = (storage: AnyStorageTable): TableContract => {
  const { metadata } = storage
  return {
    version: CONTRACT_VERSION,
    physical: { schema: metadata.schema, table_name: metadata.tableName },
    table_kind: metadata.kind === "time-indexed" ? "time_indexed" : "relational",
    columns: contractColumns(storage),
    time_indexed: metadata.timeIndexed === undefined ? null : {
      time_index_name: metadata.timeIndexed.timeIndexName,
      index_names: [...metadata.timeIndexed.indexNames],
      cadence: metadata.timeIndexed.cadence ?? null
    }
  }
}
