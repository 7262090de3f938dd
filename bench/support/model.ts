/**
 * A generated model of storage tables for the migration benchmarks: entity tables, time-index tables with a
 * grain and relational tables, with foreign keys between them and a spread of column types.
 */
import {
  type AnyPgColumn,
  type AnyPgColumnBuilder,
  bigint,
  boolean,
  char,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  text,
  timestamp,
  unique,
  uuid,
  varchar
} from "drizzle-orm/pg-core"
import { schemaTableName } from "../../src/storage/Naming.ts"
import {
  type AnyStorageTable,
  type ColumnInfo,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable
} from "../../src/storage/StorageTable.ts"

export const BENCH_APP = "bench"

/** The kind of table `index` becomes: one entity table in five, three time-index tables, one limits table. */
export type GeneratedKind = "entity" | "observation" | "position" | "metric" | "limits"

export const kindOf = (position: number): GeneratedKind =>
  (["entity", "observation", "position", "metric", "limits"] as const)[position % 5]!

/** A label and a description for every column. */
const info = <T extends object>(columns: T): { readonly [K in keyof T]: ColumnInfo } =>
  Object.fromEntries(
    Object.keys(columns).map((key) => [key, { label: key, description: `Generated column ${key}.` }])
  ) as { readonly [K in keyof T]: ColumnInfo }

/** What the other tables need of an entity table: its key column, for their foreign keys. */
interface EntityTable {
  readonly table: { readonly uid: AnyPgColumn }
}

/** `review_note` (text) when the table is one of the changed ones: the second revision's change. */
const extraColumns = (changed: boolean): Record<string, AnyPgColumnBuilder> =>
  changed ? { reviewNote: text("review_note") } : {}

const entityTable = (position: number, parent: EntityTable | undefined, changed: boolean): AnyStorageTable & EntityTable => {
  const columns = {
    uid: uuid().primaryKey().defaultRandom(),
    code: varchar({ length: 64 }).notNull(),
    name: varchar({ length: 255 }).notNull(),
    active: boolean().notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    attributes: jsonb(),
    notes: text(),
    // Every other entity table points at the previous one: a chain of foreign keys between relational tables.
    ...(parent === undefined || position % 10 !== 5 ? {} : {
      parentUid: uuid("parent_uid").references(() => parent.table.uid, { onDelete: "set null" })
    }),
    ...extraColumns(changed)
  }
  class Entity extends PlatformManagedMetaTable<Entity>()({
    name: schemaTableName(BENCH_APP, `entity_${position}`),
    namespace: "bench",
    identifier: `bench.entity_${position}`,
    description: `Generated entity table ${position}: master rows referenced by the tables after it.`,
    columns,
    columnInfo: info(columns),
    constraints: (table) => [unique().on(table.code)]
  }) {}
  return Entity
}

const observationTable = (position: number, entity: EntityTable, changed: boolean) => {
  const columns = {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    entityUid: uuid("entity_uid").notNull().references(() => entity.table.uid, { onDelete: "restrict" }),
    value: doublePrecision().notNull(),
    quantity: bigint({ mode: "number" }),
    source: varchar({ length: 32 }).notNull().default("vendor"),
    ...extraColumns(changed)
  }
  class Observation extends PlatformTimeIndexMetaTable<Observation>()({
    name: schemaTableName(BENCH_APP, `observation_${position}`),
    namespace: "bench",
    identifier: `bench.observation_${position}`,
    description: `Generated daily observations ${position}, one row per entity and day.`,
    indexNames: ["time_index", "entity_uid"],
    cadence: "1d",
    columns,
    columnInfo: info(columns)
  }) {}
  return Observation
}

const positionTable = (position: number, entity: EntityTable, changed: boolean) => {
  const columns = {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    entityUid: uuid("entity_uid").notNull().references(() => entity.table.uid, { onDelete: "cascade" }),
    assetIdentifier: varchar("asset_identifier", { length: 64 }).notNull(),
    quantity: numeric({ precision: 20, scale: 6 }).notNull(),
    marketValue: doublePrecision("market_value"),
    ...extraColumns(changed)
  }
  class Position extends PlatformTimeIndexMetaTable<Position>()({
    name: schemaTableName(BENCH_APP, `position_${position}`),
    namespace: "bench",
    identifier: `bench.position_${position}`,
    description: `Generated positions ${position} per entity and asset over time.`,
    indexNames: ["time_index", "entity_uid", "asset_identifier"],
    cadence: "1d",
    columns,
    columnInfo: info(columns),
    constraints: (table) => [index().on(table.entityUid)]
  }) {}
  return Position
}

const metricTable = (position: number, changed: boolean) => {
  const columns = {
    observedAt: timestamp("observed_at", { withTimezone: true }).notNull(),
    series: varchar({ length: 128 }).notNull(),
    value: doublePrecision().notNull(),
    count: integer().notNull().default(0),
    asOf: date("as_of"),
    ...extraColumns(changed)
  }
  class Metric extends PlatformTimeIndexMetaTable<Metric>()({
    name: schemaTableName(BENCH_APP, `metric_${position}`),
    namespace: "bench",
    identifier: `bench.metric_${position}`,
    description: `Generated metric series ${position} sampled every fifteen minutes.`,
    timeIndex: "observed_at",
    indexNames: ["observed_at", "series"],
    cadence: "15m",
    columns,
    columnInfo: info(columns)
  }) {}
  return Metric
}

const limitsTable = (position: number, entity: EntityTable, changed: boolean) => {
  const columns = {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    entityUid: uuid("entity_uid").notNull().references(() => entity.table.uid, { onDelete: "cascade" }),
    limitValue: numeric("limit_value", { precision: 20, scale: 4 }).notNull(),
    currency: char({ length: 3 }).notNull(),
    validFrom: date("valid_from").notNull(),
    validTo: date("valid_to"),
    ...extraColumns(changed)
  }
  class Limits extends PlatformManagedMetaTable<Limits>()({
    name: schemaTableName(BENCH_APP, `limits_${position}`),
    namespace: "bench",
    identifier: `bench.limits_${position}`,
    description: `Generated limits ${position} per entity, valid over a date range.`,
    columns,
    columnInfo: info(columns),
    constraints: (table) => [index().on(table.entityUid, table.validFrom)]
  }) {}
  return Limits
}

/**
 * `count` storage tables (a multiple of five keeps the mix even); the tables whose positions are in
 * `changed` get one more column.
 */
export const generateModel = (count: number, changed: ReadonlySet<number> = new Set()): ReadonlyArray<AnyStorageTable> => {
  const tables: Array<AnyStorageTable> = []
  let entity: EntityTable | undefined
  for (let position = 0; position < count; position++) {
    const isChanged = changed.has(position)
    switch (kindOf(position)) {
      case "entity": {
        const made = entityTable(position, entity, isChanged)
        tables.push(made)
        entity = made
        break
      }
      case "observation":
        tables.push(observationTable(position, entity!, isChanged))
        break
      case "position":
        tables.push(positionTable(position, entity!, isChanged))
        break
      case "metric":
        tables.push(metricTable(position, isChanged))
        break
      case "limits":
        tables.push(limitsTable(position, entity!, isChanged))
        break
    }
  }
  return tables
}
