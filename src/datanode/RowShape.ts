/**
 * The shape of the rows a DataNode writes into a time-index storage table: for each column, the property rows
 * carry it under, its physical name, type and constraints, and its part in the grain. Row validation checks
 * rows against it, and persistence writes the validated columns with it. Pure: derived from the drizzle table.
 */
import { getTableColumns } from "drizzle-orm"
import type { PgColumn } from "drizzle-orm/pg-core"
import { dataTypeTokenForSqlType } from "../storage/ColumnTypes.ts"
import type { AnyStorageTable } from "../storage/StorageTable.ts"

/** What a column is to the grain: the time index, one of the entity columns after it, or a value. */
export type ColumnRole = "time-index" | "entity" | "value"

export interface ShapeColumn {
  /** The property rows carry the column under (the drizzle key, as in `$inferInsert`). */
  readonly key: string
  /** The physical column name. */
  readonly name: string
  /** The contract's data type token: `string`, `int64`, `timestamp with time zone`, ...; an array's SQL type (`text[]`). */
  readonly token: string
  /**
   * The SQL type as drizzle declares it (`varchar(64)`, `numeric(20, 4)`), usable in a cast; an array column's
   * type ends in one `[]` per dimension (`text[]`, `integer[][]`).
   */
  readonly sqlType: string
  readonly notNull: boolean
  /** The database supplies a value when the column is left out (a server default or an identity). */
  readonly serverDefault: boolean
  /** A value computed in JavaScript when the row leaves the column out (drizzle's `$defaultFn`). */
  readonly defaultFn: (() => unknown) | undefined
  /** A generated column or an identity GENERATED ALWAYS: the database computes it, rows must not carry it. */
  readonly generated: boolean
  /**
   * The declared length of `varchar(n)` and `char(n)` columns (of their elements for arrays), in characters;
   * 1 for `char` without one, as PostgreSQL reads it.
   */
  readonly maxLength: number | undefined
  /** `numeric(precision, scale)` (of the elements for arrays); both undefined for an unconstrained `numeric`. */
  readonly precision: number | undefined
  readonly scale: number | undefined
  readonly role: ColumnRole
}

export interface RowShape {
  /** The table's catalog identifier (`sdk_examples.prices`), for messages. */
  readonly identifier: string
  readonly schema: string
  readonly table: string
  /** Every column, in declaration order. */
  readonly columns: ReadonlyArray<ShapeColumn>
  readonly timeIndex: ShapeColumn
  /** The time index first, then the entity columns, as the table declares its grain. */
  readonly grain: ReadonlyArray<ShapeColumn>
  /** The grain without the time index: what identifies an entity (empty when the grain is the time index alone). */
  readonly entity: ReadonlyArray<ShapeColumn>
}

const LENGTH = /^(?:varchar|character varying|char|character)\s*\(\s*(\d+)\s*\)$/i
/** `char` without a length is `char(1)` to PostgreSQL, which an explicit cast truncates to silently. */
const SINGLE_CHARACTER = /^(?:char|character)$/i
const NUMERIC = /^(?:numeric|decimal)\s*\(\s*(\d+)\s*(?:,\s*(-?\d+)\s*)?\)$/i

const shapeColumn = (key: string, column: PgColumn, role: ColumnRole): ShapeColumn => {
  // drizzle renders an array column's element type alone and keeps its dimensions apart.
  const elementType = column.getSQLType()
  const sqlType = elementType + "[]".repeat(column.dimensions)
  const length = LENGTH.exec(elementType)
  const numeric = NUMERIC.exec(elementType)
  const serverDefault = column.default !== undefined || column.generatedIdentity !== undefined ||
    /serial$/i.test(sqlType)
  return {
    key,
    name: column.name,
    token: dataTypeTokenForSqlType(sqlType),
    sqlType,
    notNull: column.notNull,
    serverDefault,
    defaultFn: column.defaultFn,
    // An identity GENERATED ALWAYS takes no value from an INSERT either (PostgreSQL refuses one).
    generated: column.generated !== undefined || column.generatedIdentity?.type === "always",
    maxLength: length !== null ? Number(length[1]) : SINGLE_CHARACTER.test(elementType) ? 1 : undefined,
    precision: numeric === null ? undefined : Number(numeric[1]),
    scale: numeric === null ? undefined : Number(numeric[2] ?? 0),
    role
  }
}

/**
 * The row shape of a time-index storage table; `undefined` for a relational one (DataNodes write
 * time-indexed rows only).
 */
export const rowShapeOf = (storage: AnyStorageTable): RowShape | undefined => {
  const profile = storage.metadata.timeIndexed
  if (profile === undefined) return undefined
  const columns = getTableColumns(storage.table) as Record<string, PgColumn>
  const entityNames = profile.indexNames.slice(1)
  const shaped = storage.metadata.columns.map(({ key }) => {
    const column = columns[key]!
    const role: ColumnRole = column.name === profile.timeIndexName
      ? "time-index"
      : entityNames.includes(column.name)
      ? "entity"
      : "value"
    return shapeColumn(key, column, role)
  })
  const byName = new Map(shaped.map((column) => [column.name, column]))
  const grain = profile.indexNames.map((name) => byName.get(name)!)
  return {
    identifier: storage.metadata.identifier,
    schema: storage.metadata.schema,
    table: storage.metadata.tableName,
    columns: shaped,
    timeIndex: grain[0]!,
    grain,
    entity: grain.slice(1)
  }
}
