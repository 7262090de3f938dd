/**
 * The drizzle-kit model of a set of storage tables (the flat list of tables, columns, indexes and
 * constraints that migrations diff), with the SDK's naming convention applied to every primary key, unique
 * constraint, foreign key and index the author did not name: `pk__T`, `uq__T__cols`,
 * `fk__T__cols__target__cols`, `ix__T__cols`, `uix__T__cols`; and to every check constraint, whose name
 * drizzle requires: `check("positive", ...)` becomes `ck__T__positive`, as SQLAlchemy's convention makes it.
 *
 * drizzle-kit ends the process over a schema it refuses; `DrizzleKitRefusals` finds those problems first, so
 * they become a `SchemaSnapshotError` and no global (`process.exit`, `console.log`) is ever touched.
 */
import type { generateDrizzleJson } from "drizzle-kit/api-postgres"
import { is, SQL } from "drizzle-orm"
import {
  type AnyPgColumn,
  type AnyPgTable,
  getTableConfig,
  isPgEnum,
  isPgSchema,
  isPgSequence,
  type PgEnum,
  type PgEnumObject,
  pgSchema,
  type PgSchema,
  type PgSequence
} from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { drizzleKit } from "./DrizzleKit.ts"
import { quoteLiteral } from "../db/SqlText.ts"
import { drizzleKitRefusals } from "./DrizzleKitRefusals.ts"
import { type NameCollision, separateCollidingNames } from "./NameCollisions.ts"
import {
  schemaCheckConstraintName,
  schemaForeignKeyName,
  schemaIndexName,
  schemaPrimaryKeyName,
  schemaUniqueConstraintName
} from "./Naming.ts"
import { type AnyStorageTable, isStorageTable } from "./StorageTable.ts"

/** drizzle-kit's PostgreSQL schema model. */
export type SchemaSnapshot = Awaited<ReturnType<typeof generateDrizzleJson>>
export type SchemaEntity = SchemaSnapshot["ddl"][number]

export class SchemaSnapshotError extends Schema.TaggedError<SchemaSnapshotError>()("SchemaSnapshotError", {
  tables: Schema.Array(Schema.String),
  cause: Schema.Defect()
}) {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `drizzle-kit could not model the tables ${this.tables.join(", ")}: ${reason}`
  }
}

/**
 * Names an unnamed entity by the SDK convention, and a check constraint from its given name; other named
 * entities (and other entity types) pass unchanged.
 */
export const applyNamingConvention = (entity: SchemaEntity): SchemaEntity => {
  switch (entity.entityType) {
    case "pks":
      return entity.nameExplicit ? entity : { ...entity, name: schemaPrimaryKeyName(entity.table), nameExplicit: true }
    case "uniques":
      return entity.nameExplicit
        ? entity
        : { ...entity, name: schemaUniqueConstraintName(entity.table, entity.columns), nameExplicit: true }
    case "fks":
      return entity.nameExplicit ? entity : {
        ...entity,
        name: schemaForeignKeyName(entity.table, entity.columns, entity.tableTo, entity.columnsTo),
        nameExplicit: true
      }
    case "indexes":
      return entity.nameExplicit ? entity : {
        ...entity,
        name: schemaIndexName(entity.table, entity.columns.map((column) => column.value), { unique: entity.isUnique }),
        nameExplicit: true
      }
    case "checks":
      return { ...entity, name: schemaCheckConstraintName(entity.table, entity.name) }
    default:
      return entity
  }
}

/**
 * An enum, sequence or schema of the models. Enums the columns use and the schemas of tables, enums and
 * sequences are found from the tables; list the others (a sequence a default names, an enum no column uses
 * yet, `pgSchema("shared").existing()` for a schema another owner creates).
 */
export type SchemaObject = PgEnum<[string, ...Array<string>]> | PgEnumObject<object> | PgSequence | PgSchema

/** What a model snapshot is made of: storage tables, drizzle tables, and their enums, sequences and schemas. */
export type ModelObject = AnyStorageTable | AnyPgTable | SchemaObject

export const isSchemaObject = (value: unknown): value is SchemaObject =>
  isPgEnum(value) || isPgSequence(value) || isPgSchema(value)

const drizzleTableOf = (table: AnyStorageTable | AnyPgTable): AnyPgTable =>
  isStorageTable(table) ? table.table : table

type AnyEnum = PgEnum<[string, ...Array<string>]> | PgEnumObject<object>

/**
 * The enums, sequences and schemas the models need, each once: those listed, the enums the tables' columns
 * use, and a schema (created by the models' owner) for every schema a table, enum or sequence is in unless
 * it is listed (as existing, for one). Two different definitions under one name are an error.
 */
const schemaObjectsOf = (
  tables: ReadonlyArray<AnyPgTable>,
  listed: ReadonlyArray<SchemaObject>
): {
  readonly objects: ReadonlyArray<SchemaObject>
  /** Schemas listed as existing: used, never created or dropped. */
  readonly existing: ReadonlySet<string>
  readonly conflicts: ReadonlyArray<string>
} => {
  const enums = new Map<string, AnyEnum>()
  const sequences = new Map<string, PgSequence>()
  const schemas = new Map<string, PgSchema>()
  const conflicts: Array<string> = []
  const qualified = (schema: string | undefined, name: string | undefined) => `${schema ?? "public"}.${name ?? ""}`
  const addEnum = (value: AnyEnum) => {
    const key = qualified(value.schema, value.enumName)
    const known = enums.get(key)
    if (known === undefined) enums.set(key, value)
    else if (known !== value && JSON.stringify(known.enumValues) !== JSON.stringify(value.enumValues)) {
      conflicts.push(`the enum ${key} is declared twice with different values`)
    }
  }
  for (const object of listed) {
    if (isPgSchema(object)) schemas.set(object.schemaName, object)
    else if (isPgSequence(object)) {
      const key = qualified(object.schema, object.seqName)
      const known = sequences.get(key)
      if (known !== undefined && known !== object && JSON.stringify(known.seqOptions) !== JSON.stringify(object.seqOptions)) {
        conflicts.push(`the sequence ${key} is declared twice with different options`)
      }
      sequences.set(key, object)
    } else addEnum(object)
  }
  const schemaNames = new Set<string>()
  for (const table of tables) {
    const config = getTableConfig(table)
    if (config.schema !== undefined) schemaNames.add(config.schema)
    for (const column of config.columns) {
      const used: unknown = (column as { readonly enum?: unknown }).enum
      if (isPgEnum(used)) addEnum(used as AnyEnum)
    }
  }
  for (const value of [...enums.values(), ...sequences.values()]) if (value.schema !== undefined) schemaNames.add(value.schema)
  for (const name of schemaNames) if (name !== "public" && !schemas.has(name)) schemas.set(name, pgSchema(name))
  // drizzle-kit leaves out everything in a schema marked existing, tables included: it gets a plain schema,
  // whose entity is taken out of the model afterwards.
  const existing = new Set([...schemas.values()].filter((schema) => schema.isExisting).map((schema) => schema.schemaName))
  for (const name of existing) schemas.set(name, pgSchema(name))
  return { objects: [...schemas.values(), ...enums.values(), ...sequences.values()], existing, conflicts }
}

const physicalName = (table: AnyPgTable): string => {
  const config = getTableConfig(table)
  return `${config.schema ?? "public"}.${config.name}`
}

const stringColumnTypes = new Set(["PgText", "PgVarchar", "PgChar", "PgEnumColumn"])
const jsonColumnTypes = new Set(["PgJson", "PgJsonb"])

/** One element of a PostgreSQL array literal: always double-quoted, `\\` and `"` escaped; NULL for null. */
const arrayLiteral = (value: unknown, element: (item: unknown) => string): string =>
  Array.isArray(value)
    ? `{${value.map((item) => Array.isArray(item) ? arrayLiteral(item, element) : item === null ? "NULL" : `"${element(item).replaceAll("\\", "\\\\").replaceAll("\"", "\\\"")}"`).join(",")}}`
    : element(value)

/**
 * The default of a text, enum or JSON column (or an array of them) as a literal quoted properly, where
 * drizzle-kit's would be wrong: it leaves a `'` in a JSON object's key unescaped (ending the literal early)
 * and doubles backslashes, which standard strings keep as two. `undefined` where drizzle-kit's is right, so
 * the snapshots of ordinary models stay as drizzle-kit writes them.
 */
export const literalDefault = (column: AnyPgColumn): string | undefined => {
  if (!column.hasDefault || column.default === undefined || column.default === null || is(column.default, SQL)) return undefined
  const json = jsonColumnTypes.has(column.columnType)
  if (!json && !stringColumnTypes.has(column.columnType)) return undefined
  const element = (item: unknown): string => json ? JSON.stringify(item) : String(item)
  const value: unknown = column.default
  if (Array.isArray(value)) {
    const text = arrayLiteral(value, element)
    return /['\\"]/.test(JSON.stringify(value)) ? quoteLiteral(text) : undefined
  }
  const text = element(value)
  return (json ? text.includes("'") : text.includes("\\")) ? quoteLiteral(text) : undefined
}

/** Every column default drizzle-kit would write wrongly, by `schema.table.column`. */
const literalDefaults = (tables: ReadonlyArray<AnyPgTable>): ReadonlyMap<string, string> => {
  const defaults = new Map<string, string>()
  for (const table of tables) {
    const config = getTableConfig(table)
    for (const column of config.columns) {
      const literal = literalDefault(column)
      if (literal !== undefined) defaults.set(JSON.stringify([config.schema ?? "public", config.name, column.name]), literal)
    }
  }
  return defaults
}

/** A model snapshot, and the generated names made distinct in it because they would have collided. */
export interface StorageSchemaModel {
  readonly snapshot: SchemaSnapshot
  readonly collisions: ReadonlyArray<NameCollision>
}

/**
 * The model of `models` (storage tables or plain drizzle tables, with their enums, sequences and schemas),
 * named by the SDK convention.
 */
export const storageSchemaSnapshot = Effect.fn("StorageSchema.storageSchemaSnapshot")(function*(
  models: ReadonlyArray<ModelObject>
): Effect.fn.Return<SchemaSnapshot, SchemaSnapshotError> {
  return (yield* storageSchemaModel(models)).snapshot
})

/** `storageSchemaSnapshot`, with the generated names it had to make distinct (`NameCollisions`). */
export const storageSchemaModel = Effect.fn("StorageSchema.storageSchemaModel")(function*(
  models: ReadonlyArray<ModelObject>
): Effect.fn.Return<StorageSchemaModel, SchemaSnapshotError> {
  const tables = models.filter((model): model is AnyStorageTable | AnyPgTable => !isSchemaObject(model))
  const drizzleTables = [...new Set(tables.map(drizzleTableOf))]
  const names = drizzleTables.map(physicalName)
  const repeated = [...new Set(names.filter((name, index) => names.indexOf(name) !== index))]
  if (repeated.length > 0) {
    return yield* new SchemaSnapshotError({
      tables: names,
      cause: new Error(`different table definitions share the name ${repeated.join(", ")}`)
    })
  }
  // drizzle-kit would print these and end the process; asked first, they become the error's report.
  const refusals = drizzleKitRefusals(drizzleTables)
  if (refusals.length > 0) return yield* new SchemaSnapshotError({ tables: names, cause: new Error(refusals.join("\n")) })
  const { conflicts, existing, objects } = schemaObjectsOf(drizzleTables, models.filter(isSchemaObject))
  if (conflicts.length > 0) return yield* new SchemaSnapshotError({ tables: names, cause: new Error(conflicts.join("\n")) })
  const imports = Object.fromEntries([
    ...drizzleTables.map((table, index) => [`table${index}`, table] as const),
    ...objects.map((object, index) => [`object${index}`, object] as const)
  ])
  const { generateDrizzleJson } = yield* Effect.mapError(drizzleKit, (cause) => new SchemaSnapshotError({ tables: names, cause }))
  const snapshot = yield* Effect.tryPromise({
    try: () => generateDrizzleJson(imports),
    catch: (cause) => new SchemaSnapshotError({ tables: names, cause })
  })
  const defaults = literalDefaults(drizzleTables)
  const withLiterals = (entity: SchemaEntity): SchemaEntity => {
    if (entity.entityType !== "columns" || defaults.size === 0) return entity
    const literal = defaults.get(JSON.stringify([entity.schema, entity.table, entity.name]))
    return literal === undefined ? entity : { ...entity, default: literal }
  }
  const owned = snapshot.ddl.filter((entity) => !(entity.entityType === "schemas" && existing.has(entity.name)))
  const { collisions, ddl } = separateCollidingNames(owned, owned.map(applyNamingConvention))
  return { snapshot: { ...snapshot, ddl: ddl.map(withLiterals) }, collisions }
})
