/**
 * Autogenerate: the SQL that takes the database from the head revision's model to the current models
 * (upgrade) and back (downgrade), with drizzle-kit's diff over both sides' flat models.
 *
 * Renames happen only when a hint says so (declared with the provider or given on the command line); every
 * other "renamed or new?" question is answered "new", so a rename is never guessed, and the drop it implies
 * is flagged destructive, like narrowing type changes and NOT NULL without a default.
 *
 * Past 400 lines because the diff's three reviews of drizzle-kit's answer belong together: renames that
 * follow a hinted one (constraints and indexes renamed in place), rename suggestions for unhinted drop + add
 * pairs, and the destructive-change list, each reading both snapshots the same way.
 */
import type { generateMigration } from "drizzle-kit/api-postgres"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { drizzleKit } from "../storage/DrizzleKit.ts"
import { nameMask } from "../storage/DrizzleKitQuoting.ts"
import { quoteIdentifier, quoteLiteral } from "../db/SqlText.ts"
import type { SchemaSnapshot } from "../storage/StorageSchema.ts"
import type { NameCollision } from "../storage/NameCollisions.ts"
import { type ModelObject, storageSchemaModel } from "../storage/StorageSchema.ts"
import type { TableRename } from "./files/Revision.ts"
import { snapshotEntities, type SnapshotEntity } from "./files/SnapshotEntities.ts"

/** An explicit rename; without one, a table or column that disappears while another appears is a drop and an add. */
export type RenameHint =
  | {
    readonly kind: "table"
    readonly schema: string
    readonly from: string
    readonly to: string
    /** The schema the table moves to (`ALTER TABLE ... SET SCHEMA`); none when it stays in `schema`. */
    readonly toSchema?: string | undefined
  }
  | {
    readonly kind: "column"
    readonly schema: string
    /** The table's name (and, in `schema`, its schema) after the change. */
    readonly table: string
    readonly from: string
    readonly to: string
  }

export class RenameHintError extends Schema.TaggedError<RenameHintError>()("RenameHintError", {
  hint: Schema.String
}) {
  override get message(): string {
    return `Cannot read the rename hint ${JSON.stringify(this.hint)}: write table:[SCHEMA.]OLD=[SCHEMA.]NEW or ` +
      "column:[SCHEMA.]TABLE.OLD=NEW."
  }
}

/**
 * Reads `table:[schema.]old=[schema.]new` (a schema after `=` moves the table there) or
 * `column:[schema.]table.old=new` (the command line's `--rename`).
 */
export const parseRenameHint = (text: string): RenameHint | RenameHintError => {
  const match = /^(table|column):([^=]+)=([^=]+)$/.exec(text.trim())
  if (match === null) return new RenameHintError({ hint: text })
  const [, kind, path = "", target = ""] = match
  const parts = path.split(".")
  if (kind === "table") {
    const targetParts = target.split(".")
    if (parts.length > 2 || targetParts.length > 2 || [...parts, ...targetParts].some((part) => part === "")) {
      return new RenameHintError({ hint: text })
    }
    const [schema, from] = parts.length === 2 ? [parts[0]!, parts[1]!] : ["public", parts[0]!]
    const [toSchema, to] = targetParts.length === 2 ? [targetParts[0]!, targetParts[1]!] : [schema, targetParts[0]!]
    return toSchema === schema ? { kind: "table", schema, from, to } : { kind: "table", schema, from, to, toSchema }
  }
  const to = target
  if (to.includes(".")) return new RenameHintError({ hint: text })
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === "")) return new RenameHintError({ hint: text })
  return parts.length === 3
    ? { kind: "column", schema: parts[0]!, table: parts[1]!, from: parts[2]!, to }
    : { kind: "column", schema: "public", table: parts[0]!, from: parts[1]!, to }
}

export type DestructiveKind =
  | "drop-table"
  | "drop-column"
  | "type-change"
  | "not-null"
  | "not-null-without-default"
  | "enum-value-removed"

export interface DestructiveChange {
  readonly kind: DestructiveKind
  /** `schema.table` or `schema.table.column`. */
  readonly entity: string
  readonly description: string
}

export interface AutogenerateResult {
  readonly upgrade: ReadonlyArray<string>
  readonly downgrade: ReadonlyArray<string>
  /** The models after the upgrade, to store beside the revision. */
  readonly snapshot: SchemaSnapshot
  readonly destructive: ReadonlyArray<DestructiveChange>
  readonly downgradeDestructive: ReadonlyArray<DestructiveChange>
  /**
   * What a reviewer should know beyond the SQL: names made distinct, drops that look like renames, why the
   * revision runs outside a transaction.
   */
  readonly notes: ReadonlyArray<string>
  /**
   * Whether the revision runs in one transaction: not when it uses an enum value it adds, which PostgreSQL
   * refuses before the `ADD VALUE` is committed, nor when it builds or drops an index `CONCURRENTLY`, which
   * PostgreSQL runs only outside a transaction.
   */
  readonly transactional: boolean
  /** The tables the upgrade renames or moves (the table hints that name a table of each side), for the revision to record. */
  readonly renamedTables: ReadonlyArray<TableRename>
}

/** The sentence a revision's header and the command's output give for a name made distinct. */
export const describeCollision = (collision: NameCollision): string =>
  `${collision.kind === "indexes" ? "index" : "constraint"} ${collision.name} on ${collision.table} is not ` +
  `${collision.sdkName}, the SDK's name, which ${collision.keptBy} has: the two would collide`

/** The collisions of names this revision introduces (those the baseline already had were reported then). */
const newCollisions = (baseline: SchemaSnapshot, collisions: ReadonlyArray<NameCollision>) => {
  const known = new Set(
    baseline.ddl.flatMap((entity) => "table" in entity && "name" in entity ? [`${entity.schema}.${entity.table}\u0000${entity.name}`] : [])
  )
  return collisions.filter((collision) => !known.has(`${collision.table}\u0000${collision.name}`))
}

export class AutogenerateError extends Schema.TaggedError<AutogenerateError>()("AutogenerateError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `Autogenerate failed: ${this.detail}`
  }
}

const EMPTY_ID = "00000000-0000-0000-0000-000000000000"

const loadDrizzleKit = Effect.mapError(drizzleKit, (error) => new AutogenerateError({ detail: error.message }))

/** A snapshot without drizzle-kit's random id, so the same models always give the same file. */
export const normalizeSnapshot = (snapshot: SchemaSnapshot): SchemaSnapshot => ({ ...snapshot, id: EMPTY_ID, prevIds: [] })

/** The model of no tables at all: the baseline of a provider's first revision. */
export const emptySnapshot: Effect.Effect<SchemaSnapshot, AutogenerateError> = Effect.flatMap(
  loadDrizzleKit,
  ({ generateDrizzleJson }) =>
    Effect.tryPromise({
      try: () => generateDrizzleJson({}),
      catch: (cause) => new AutogenerateError({ detail: String(cause) })
    })
).pipe(Effect.map(normalizeSnapshot))

type DrizzleHint = NonNullable<Parameters<typeof generateMigration>[2]>["hints"] extends ReadonlyArray<infer H> | undefined
  ? H
  : never

/**
 * The table a column hint names, in the model the reversed diff goes to: a column hint names its table as
 * it is after the change, so reversing it names the table as it was, before a rename of the table.
 */
const tableBeforeRenames = (
  hint: RenameHint & { readonly kind: "column" },
  renames: ReadonlyArray<RenameHint>
): { readonly schema: string; readonly table: string } => {
  const renamed = renames.find((other) =>
    other.kind === "table" && (other.toSchema ?? other.schema) === hint.schema && other.to === hint.table
  )
  return renamed?.kind === "table" ? { schema: renamed.schema, table: renamed.from } : hint
}

/** The hints that undo `renames`: each table goes back to its name and schema, each column hint names the table as it was. */
const reverseRenames = (renames: ReadonlyArray<RenameHint>): ReadonlyArray<RenameHint> =>
  renames.map((hint): RenameHint =>
    hint.kind === "table"
      ? { kind: "table", schema: hint.toSchema ?? hint.schema, from: hint.to, to: hint.from, toSchema: hint.schema }
      : { ...hint, ...tableBeforeRenames(hint, renames), from: hint.to, to: hint.from }
  )

const drizzleRename = (hint: RenameHint): DrizzleHint =>
  hint.kind === "table"
    ? { type: "rename", kind: "table", from: [hint.schema, hint.from], to: [hint.toSchema ?? hint.schema, hint.to] }
    : { type: "rename", kind: "column", from: [hint.schema, hint.table, hint.from], to: [hint.schema, hint.table, hint.to] }

type KeyEntity = SnapshotEntity<"pks" | "uniques" | "fks" | "indexes" | "checks">

const hintKinds = { pks: "primary_key", uniques: "unique", fks: "foreign key", indexes: "index", checks: "check" } as const

/**
 * Renames of keys, constraints and indexes that follow from the given renames, so that they are renamed in
 * place (`RENAME CONSTRAINT`, `ALTER INDEX ... RENAME`) instead of dropped and re-created (which rebuilds a
 * primary key and re-checks foreign keys under an exclusive lock): in each table, an entity that only the
 * new model names and one that only the old one names, of the same kind and the same definition once the
 * renamed table and columns are mapped, are one entity renamed. Ids name the table after the change.
 */
export const followingRenames = (
  from: SchemaSnapshot,
  to: SchemaSnapshot,
  renames: ReadonlyArray<RenameHint>
): ReadonlyArray<DrizzleHint> => {
  if (renames.length === 0) return []
  const tableAfter = new Map(renames.flatMap((hint) =>
    hint.kind === "table" ? [[tableKey(hint.schema, hint.from), { schema: hint.toSchema ?? hint.schema, table: hint.to }] as const] : []
  ))
  const columnAfter = new Map(renames.flatMap((hint) =>
    hint.kind === "column" ? [[`${tableKey(hint.schema, hint.table)}\u0000${hint.from}`, hint.to] as const] : []
  ))
  /** The schema and name a table of the old model has after the change. */
  const renamedTable = (schema: string, table: string) => tableAfter.get(tableKey(schema, table)) ?? { schema, table }
  const mapColumns = (after: { readonly schema: string; readonly table: string }, columns: ReadonlyArray<string>) =>
    columns.map((column) => columnAfter.get(`${tableKey(after.schema, after.table)}\u0000${column}`) ?? column)
  /** An entity's definition with its table and columns as after the change (for the old model). */
  const definition = (entity: KeyEntity, old: boolean): string => {
    const after = old ? renamedTable(entity.schema, entity.table) : entity
    const columns = (list: ReadonlyArray<string>) => old ? mapColumns(after, list) : list
    switch (entity.entityType) {
      case "pks":
        return JSON.stringify([entity.entityType, columns(entity.columns)])
      case "uniques":
        return JSON.stringify([entity.entityType, columns(entity.columns), entity.nullsNotDistinct])
      case "fks": {
        const target = old ? renamedTable(entity.schemaTo, entity.tableTo) : { schema: entity.schemaTo, table: entity.tableTo }
        const columnsTo = old ? mapColumns(target, entity.columnsTo) : entity.columnsTo
        return JSON.stringify([entity.entityType, columns(entity.columns), target.schema, target.table, columnsTo, entity.onUpdate, entity.onDelete])
      }
      case "indexes":
        return JSON.stringify([
          entity.entityType,
          entity.columns.map((column) => column.isExpression ? column : { ...column, value: columns([column.value])[0] }),
          entity.isUnique,
          entity.where,
          entity.method,
          entity.with
        ])
      case "checks":
        return JSON.stringify([entity.entityType, entity.value])
    }
  }
  const keyed = (snapshot: SchemaSnapshot, old: boolean) => {
    const byTable = new Map<string, Array<KeyEntity>>()
    for (const entity of snapshot.ddl) {
      if (!(entity.entityType in hintKinds)) continue
      const key = entity as KeyEntity
      const after = old ? renamedTable(key.schema, key.table) : key
      const table = tableKey(after.schema, after.table)
      byTable.set(table, [...(byTable.get(table) ?? []), key])
    }
    return byTable
  }
  const before = keyed(from, true)
  const after = keyed(to, false)
  const hints: Array<DrizzleHint> = []
  for (const [table, entities] of after) {
    const old = before.get(table) ?? []
    const onlyOld = old.filter((entity) => !entities.some((other) => other.entityType === entity.entityType && other.name === entity.name))
    const onlyNew = entities.filter((entity) => !old.some((other) => other.entityType === entity.entityType && other.name === entity.name))
    for (const next of onlyNew) {
      const matches = onlyOld.filter((entity) => entity.entityType === next.entityType && definition(entity, true) === definition(next, false))
      if (matches.length !== 1) continue
      hints.push({
        type: "rename",
        kind: hintKinds[next.entityType],
        from: [next.schema, next.table, matches[0]!.name],
        to: [next.schema, next.table, next.name]
      } as unknown as DrizzleHint)
    }
  }
  return hints
}

interface MissingHint {
  readonly type: string
  readonly kind: string
  readonly entity: ReadonlyArray<string>
}

const missingHintsOf = (error: unknown): ReadonlyArray<MissingHint> | undefined =>
  Predicate.hasProperty(error, "missingHints") && Array.isArray(error.missingHints)
    ? (error.missingHints as ReadonlyArray<MissingHint>)
    : undefined

/**
 * drizzle-kit's diff, answering each unhinted "renamed or new?" with "new". Names holding a `"` and enum
 * values holding a `'` are masked around it (`DrizzleKitQuoting`), so every identifier and enum value in the
 * SQL is quoted properly.
 */
const diff = Effect.fn("Autogenerate.diff")(function*(
  from: SchemaSnapshot,
  to: SchemaSnapshot,
  renames: ReadonlyArray<DrizzleHint>
): Effect.fn.Return<ReadonlyArray<string>, AutogenerateError> {
  const { generateMigration } = yield* loadDrizzleKit
  const hintNames = renames.flatMap((hint) => "from" in hint ? [...hint.from, ...hint.to] : [])
  const mask = nameMask([from, to], hintNames)
  const maskedFrom = mask.snapshot(from)
  const maskedTo = mask.snapshot(to)
  const maskHint = (hint: DrizzleHint): DrizzleHint =>
    !mask.active ? hint : ("from" in hint
      ? { ...hint, from: hint.from.map(mask.name), to: hint.to.map(mask.name) }
      : { ...hint, entity: (hint.entity as ReadonlyArray<string>).map(mask.name) }) as unknown as DrizzleHint
  let hints: Array<DrizzleHint> = renames.map(maskHint)
  for (let round = 0; round < 20; round++) {
    const attempt = yield* Effect.tryPromise({
      try: () => generateMigration(maskedFrom, maskedTo, { hints }),
      catch: (cause) => cause
    }).pipe(Effect.result)
    if (attempt._tag === "Success") {
      const statements: Array<string> = []
      for (const statement of attempt.success) {
        const restored = mask.unmask(statement)
        if ("unquoted" in restored) {
          return yield* new AutogenerateError({
            detail: `drizzle-kit wrote ${restored.unquoted.map((name) => JSON.stringify(name)).join(", ")} where it ` +
              "cannot be quoted; rename it without a double quote (a name) or a single quote (an enum value)"
          })
        }
        statements.push(restored.sql)
      }
      return statements
    }
    const missing = missingHintsOf(attempt.failure)
    if (missing === undefined || missing.length === 0) {
      return yield* new AutogenerateError({
        detail: attempt.failure instanceof Error ? attempt.failure.message : String(attempt.failure)
      })
    }
    const answers = missing.map((hint): DrizzleHint =>
      (hint.type === "rename_or_create"
        ? { type: "create", kind: hint.kind, entity: hint.entity }
        : { type: "confirm_data_loss", kind: hint.kind, entity: hint.entity }) as DrizzleHint
    )
    hints = [...hints, ...answers]
  }
  return yield* new AutogenerateError({ detail: "drizzle-kit kept asking for hints" })
})

type ColumnEntity = SnapshotEntity<"columns">
type TableEntity = SnapshotEntity<"tables">

const tableKey = (schema: string, table: string) => `${schema}.${table}`
const columnKey = (column: ColumnEntity) => `${column.schema}.${column.table}.${column.name}`

const varcharLength = /^(?:varchar|character varying)\((\d+)\)$/
const integerRank: Record<string, number> = { smallint: 1, integer: 2, bigint: 3 }
const floatRank: Record<string, number> = { real: 1, "double precision": 2 }

/**
 * Whether changing `from` to `to` keeps every value: lengthening, a wider integer or float, more digits, any
 * to text (every value has a text form, which the cast back reads).
 */
const isWidening = (from: string, to: string): boolean => {
  if (to === "text") return true
  const fromLength = varcharLength.exec(from)?.[1]
  const toLength = varcharLength.exec(to)?.[1]
  if (fromLength !== undefined && (to === "varchar" || (toLength !== undefined && Number(toLength) >= Number(fromLength)))) {
    return true
  }
  const numericFrom = /^numeric\((\d+),(\d+)\)$/.exec(from.replace(/\s/g, ""))
  const numericTo = /^numeric\((\d+),(\d+)\)$/.exec(to.replace(/\s/g, ""))
  if (numericFrom !== null && (to === "numeric" || (numericTo !== null &&
    Number(numericTo[1]) - Number(numericTo[2]) >= Number(numericFrom[1]) - Number(numericFrom[2]) &&
    Number(numericTo[2]) >= Number(numericFrom[2])))) {
    return true
  }
  if (from in integerRank && to in integerRank) return integerRank[to]! >= integerRank[from]!
  if (from in floatRank && to in floatRank) return floatRank[to]! >= floatRank[from]!
  return false
}

const hintPart = (schema: string, name: string) => schema === "public" ? name : `${schema}.${name}`
const expressible = (...names: ReadonlyArray<string>) => names.every((name) => !/[.=]/.test(name) && name.trim() === name)

/**
 * Where the diff drops a table or column and adds one of a compatible shape, the hint that would make it a
 * rename instead (renames are never guessed): a column dropped and one added in the same table with the same
 * or a wider type; a table dropped and one added whose columns have the same names and compatible types.
 */
export const renameSuggestions = (
  from: SchemaSnapshot,
  to: SchemaSnapshot,
  renames: ReadonlyArray<RenameHint>
): ReadonlyArray<string> => {
  const hinted = new Set(renames.map((hint) => hint.kind === "table" ? `table ${hint.schema}.${hint.from}` : `column ${hint.schema}.${hint.table}.${hint.from}`))
  const tablesBefore = new Set(snapshotEntities(from, "tables").map((table) => tableKey(table.schema, table.name)))
  const tablesAfter = new Set(snapshotEntities(to, "tables").map((table) => tableKey(table.schema, table.name)))
  const columnsOf = (snapshot: SchemaSnapshot) => {
    const byTable = new Map<string, Array<ColumnEntity>>()
    for (const column of snapshotEntities(snapshot, "columns")) {
      const key = tableKey(column.schema, column.table)
      byTable.set(key, [...(byTable.get(key) ?? []), column])
    }
    return byTable
  }
  const before = columnsOf(from)
  const after = columnsOf(to)
  const compatible = (old: ColumnEntity, next: ColumnEntity) =>
    old.dimensions === next.dimensions && (old.type === next.type || isWidening(old.type, next.type))
  const suggestions: Array<string> = []
  const droppedTables = snapshotEntities(from, "tables").filter((table) =>
    !tablesAfter.has(tableKey(table.schema, table.name)) && !hinted.has(`table ${tableKey(table.schema, table.name)}`)
  )
  const addedTables = snapshotEntities(to, "tables").filter((table) => !tablesBefore.has(tableKey(table.schema, table.name)))
  for (const dropped of droppedTables) {
    const oldColumns = before.get(tableKey(dropped.schema, dropped.name)) ?? []
    for (const added of addedTables) {
      const newColumns = after.get(tableKey(added.schema, added.name)) ?? []
      const matches = oldColumns.length > 0 && oldColumns.length === newColumns.length && oldColumns.every((old) => {
        const next = newColumns.find((column) => column.name === old.name)
        return next !== undefined && compatible(old, next)
      })
      if (!matches || !expressible(dropped.schema, dropped.name, added.schema, added.name)) continue
      const moved = added.schema !== dropped.schema
      suggestions.push(
        `table ${tableKey(dropped.schema, dropped.name)} is dropped and ${tableKey(added.schema, added.name)} added with the ` +
          `same columns: if it was ${moved ? "moved" : "renamed"}, write the revision again with --rename ` +
          `table:${hintPart(dropped.schema, dropped.name)}=${moved ? tableKey(added.schema, added.name) : added.name} to keep its rows`
      )
    }
  }
  for (const [table, oldColumns] of before) {
    const newColumns = after.get(table)
    if (newColumns === undefined) continue
    const dropped = oldColumns.filter((column) =>
      !newColumns.some((next) => next.name === column.name) && !hinted.has(`column ${columnKey(column)}`)
    )
    const added = newColumns.filter((column) => !oldColumns.some((old) => old.name === column.name))
    for (const old of dropped) {
      for (const next of added.filter((column) => compatible(old, column))) {
        if (!expressible(old.schema, old.table, old.name, next.name)) continue
        suggestions.push(
          `column ${columnKey(old)} is dropped and ${next.name} added with a compatible type (${old.type} to ` +
            `${next.type}): if it was renamed, write the revision again with --rename ` +
            `column:${hintPart(old.schema, old.table)}.${old.name}=${next.name} to keep its values`
        )
      }
    }
  }
  return suggestions
}

/** What the diff from `from` to `to` would lose or refuse on a table with rows. */
export const destructiveChanges = (
  from: SchemaSnapshot,
  to: SchemaSnapshot,
  renames: ReadonlyArray<RenameHint>
): ReadonlyArray<DestructiveChange> => {
  const renamedTables = new Map<string, string>(
    renames.flatMap((hint) =>
      hint.kind === "table" ? [[tableKey(hint.schema, hint.from), tableKey(hint.toSchema ?? hint.schema, hint.to)] as const] : []
    )
  )
  const renamedColumns = new Map<string, string>(
    renames.flatMap((hint) =>
      hint.kind === "column" ? [[`${hint.schema}.${hint.table}.${hint.from}`, `${hint.schema}.${hint.table}.${hint.to}`] as const] : []
    )
  )
  const tablesAfter = new Set(snapshotEntities(to, "tables").map((table: TableEntity) => tableKey(table.schema, table.name)))
  const tablesBefore = new Set(snapshotEntities(from, "tables").map((table: TableEntity) => tableKey(table.schema, table.name)))
  const columnsAfter = new Map(snapshotEntities(to, "columns").map((column) => [columnKey(column), column]))
  const changes: Array<DestructiveChange> = []
  for (const table of snapshotEntities(from, "tables")) {
    const key = tableKey(table.schema, table.name)
    if (!tablesAfter.has(key) && !renamedTables.has(key)) {
      changes.push({ kind: "drop-table", entity: key, description: `drops table ${key} and its rows` })
    }
  }
  for (const column of snapshotEntities(from, "columns")) {
    const key = columnKey(column)
    const table = tableKey(column.schema, column.table)
    if (!tablesAfter.has(table)) continue
    const after = columnsAfter.get(renamedColumns.get(key) ?? key)
    if (after === undefined) {
      changes.push({ kind: "drop-column", entity: key, description: `drops column ${key} and its values` })
      continue
    }
    const dimensions = (entity: ColumnEntity) => entity.dimensions > 0 ? "[]".repeat(entity.dimensions) : ""
    if (after.dimensions !== column.dimensions || (after.type !== column.type && !isWidening(column.type, after.type))) {
      changes.push({
        kind: "type-change",
        entity: key,
        description: `changes ${key} from ${column.type}${dimensions(column)} to ${after.type}${dimensions(after)}, which ` +
          "may fail or lose values"
      })
    }
    if (!column.notNull && after.notNull) {
      // A default fills the rows inserted afterwards, not the NULLs already there: SET NOT NULL fails on those.
      changes.push(
        after.default === null
          ? {
            kind: "not-null-without-default",
            entity: key,
            description: `makes ${key} NOT NULL without a default, which fails while a row holds NULL`
          }
          : {
            kind: "not-null",
            entity: key,
            description: `makes ${key} NOT NULL, which fails while a row holds NULL (its default fills new rows ` +
              "only: set the NULLs with an UPDATE before it)"
          }
      )
    }
  }
  const enumsAfter = new Map(snapshotEntities(to, "enums").map((entity) => [tableKey(entity.schema, entity.name), entity]))
  for (const entity of snapshotEntities(from, "enums")) {
    const key = tableKey(entity.schema, entity.name)
    const removed = entity.values.filter((value) => enumsAfter.get(key)?.values.includes(value) === false)
    if (removed.length > 0) {
      changes.push({
        kind: "enum-value-removed",
        entity: key,
        description: `removes ${removed.map((value) => JSON.stringify(value)).join(", ")} from the enum ${key}: PostgreSQL ` +
          "cannot remove an enum value, so the type is re-created without it (its columns pass through text), " +
          "which fails while a row holds a removed value"
      })
    }
  }
  const columnsBefore = new Set(snapshotEntities(from, "columns").map(columnKey))
  const renamedTargets = new Set<string>(renamedColumns.values())
  for (const column of snapshotEntities(to, "columns")) {
    const key = columnKey(column)
    const table = tableKey(column.schema, column.table)
    if (!tablesBefore.has(table) || columnsBefore.has(key) || renamedTargets.has(key)) continue
    if (column.notNull && column.default === null && column.generated === null && column.identity === null) {
      changes.push({
        kind: "not-null-without-default",
        entity: key,
        description: `adds ${key} NOT NULL without a default, which fails on a table with rows`
      })
    }
  }
  return changes
}

/**
 * The table renames and moves among `renames` that the diff from `from` to `to` makes: those whose table is in
 * `from` under its old name and in `to` under its new one (a hint naming anything else renames nothing).
 */
export const tableRenamesMade = (
  from: SchemaSnapshot,
  to: SchemaSnapshot,
  renames: ReadonlyArray<RenameHint>
): ReadonlyArray<TableRename> => {
  const before = new Set(snapshotEntities(from, "tables").map((table) => tableKey(table.schema, table.name)))
  const after = new Set(snapshotEntities(to, "tables").map((table) => tableKey(table.schema, table.name)))
  return renames.flatMap((hint): ReadonlyArray<TableRename> => {
    if (hint.kind !== "table") return []
    const rename = { from: { schema: hint.schema, table: hint.from }, to: { schema: hint.toSchema ?? hint.schema, table: hint.to } }
    const moves = rename.from.schema !== rename.to.schema || rename.from.table !== rename.to.table
    return moves && before.has(tableKey(rename.from.schema, rename.from.table)) && after.has(tableKey(rename.to.schema, rename.to.table))
      ? [rename]
      : []
  })
}

export interface AutogenerateRequest {
  /** The provider's target tables (storage tables or plain drizzle tables) with their enums, sequences and schemas. */
  readonly tables: ReadonlyArray<ModelObject>
  /** The model after the head revision; the empty model for a first revision. */
  readonly baseline: SchemaSnapshot
  readonly renames: ReadonlyArray<RenameHint>
}

/**
 * Says in the SQL what drizzle-kit's removal of an enum value does: PostgreSQL has no `ALTER TYPE ... DROP
 * VALUE`, so the type is dropped and re-created; the comment goes before its `DROP TYPE`.
 */
const explainEnumRecreation = (
  statements: ReadonlyArray<string>,
  from: SchemaSnapshot,
  to: SchemaSnapshot
): ReadonlyArray<string> => {
  const after = new Map(snapshotEntities(to, "enums").map((entity) => [tableKey(entity.schema, entity.name), entity]))
  const notes = new Map<string, string>()
  for (const entity of snapshotEntities(from, "enums")) {
    const target = after.get(tableKey(entity.schema, entity.name))
    const removed = entity.values.filter((value) => target !== undefined && !target.values.includes(value))
    if (removed.length === 0) continue
    const drop = entity.schema === "public" ? [`DROP TYPE ${quoteIdentifier(entity.name)}`] : []
    drop.push(`DROP TYPE ${quoteIdentifier(entity.schema)}.${quoteIdentifier(entity.name)}`)
    const note = `-- PostgreSQL cannot remove a value from an enum: ${JSON.stringify(`${entity.schema}.${entity.name}`)} is ` +
      `re-created without ${removed.map((value) => JSON.stringify(value)).join(", ")}, its columns passing through ` +
      "text; this fails while a row holds a removed value.\n"
    for (const prefix of drop) notes.set(prefix, note)
  }
  if (notes.size === 0) return statements
  return statements.map((statement) => {
    for (const [prefix, note] of notes) if (statement.startsWith(`${prefix};`)) return `${note}${statement}`
    return statement
  })
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Whether `statement` holds `value` as a literal (`'value'`) or as an element of an array literal (`'{a,value}'`). */
const usesValue = (statement: string, value: string): boolean => {
  if (statement.includes(quoteLiteral(value))) return true
  // In an array literal an element is bare, or double-quoted with `"` and `\` escaped; the literal doubles `'`.
  const quoted = `"${value.replace(/[\\"]/g, "\\$&")}"`.replaceAll("'", "''")
  const elements = [quoted, ...(/^[^\s{},"\\']+$/.test(value) ? [value] : [])]
  return elements.some((element) => new RegExp(`[{,]${escapeRegExp(element)}[,}]`).test(statement))
}

/**
 * The enum values `statements` add (going from `from` to `to`) and then use in a later statement: as a
 * default, in a check or an index predicate, or in a cast. PostgreSQL refuses such a use ("unsafe use of new
 * value") until the transaction that added the value commits. Found by the value's literal in the SQL, which
 * may also match a text literal that merely looks the same: that costs only the transaction.
 */
export const enumValuesUsedWhenAdded = (
  statements: ReadonlyArray<string>,
  from: SchemaSnapshot,
  to: SchemaSnapshot
): ReadonlyArray<string> => {
  const before = new Map(snapshotEntities(from, "enums").map((entity) => [tableKey(entity.schema, entity.name), entity.values]))
  const used: Array<string> = []
  for (const entity of snapshotEntities(to, "enums")) {
    const known = before.get(tableKey(entity.schema, entity.name))
    if (known === undefined) continue
    for (const value of entity.values.filter((candidate) => !known.includes(candidate))) {
      const literal = quoteLiteral(value)
      const added = statements.findIndex((statement) => statement.startsWith("ALTER TYPE") && statement.includes(`ADD VALUE ${literal}`))
      if (added >= 0 && statements.slice(added + 1).some((statement) => usesValue(statement, value))) {
        used.push(`${JSON.stringify(value)} of ${tableKey(entity.schema, entity.name)}`)
      }
    }
  }
  return used
}

export const autogenerate = Effect.fn("Autogenerate.autogenerate")(function*(
  request: AutogenerateRequest
): Effect.fn.Return<AutogenerateResult, AutogenerateError> {
  const model = yield* storageSchemaModel(request.tables).pipe(
    Effect.mapError((error) => new AutogenerateError({ detail: error.message }))
  )
  const snapshot = normalizeSnapshot(model.snapshot)
  const reversed = reverseRenames(request.renames)
  const upgrade = explainEnumRecreation(
    yield* diff(request.baseline, snapshot, [
      ...request.renames.map(drizzleRename),
      ...followingRenames(request.baseline, snapshot, request.renames)
    ]),
    request.baseline,
    snapshot
  )
  const downgrade = upgrade.length === 0 ? [] : explainEnumRecreation(
    yield* diff(snapshot, request.baseline, [
      ...reversed.map(drizzleRename),
      ...followingRenames(snapshot, request.baseline, reversed)
    ]),
    snapshot,
    request.baseline
  )
  const usedWhenAdded = [
    ...enumValuesUsedWhenAdded(upgrade, request.baseline, snapshot),
    ...enumValuesUsedWhenAdded(downgrade, snapshot, request.baseline)
  ]
  const concurrently = [...upgrade, ...downgrade].some((statement) => /\b(CREATE|DROP)\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY\b/i.test(statement))
  const outside = [
    ...(usedWhenAdded.length === 0 ? [] : [
      `it uses the enum value${usedWhenAdded.length === 1 ? "" : "s"} ${usedWhenAdded.join(", ")} it adds, which ` +
      "PostgreSQL refuses before the ADD VALUE is committed"
    ]),
    ...(concurrently ? ["it builds or drops an index CONCURRENTLY, which PostgreSQL runs only outside a transaction"] : [])
  ]
  return {
    upgrade,
    downgrade,
    snapshot,
    destructive: destructiveChanges(request.baseline, snapshot, request.renames),
    downgradeDestructive: destructiveChanges(snapshot, request.baseline, reversed),
    notes: upgrade.length === 0 ? [] : [
      ...newCollisions(request.baseline, model.collisions).map(describeCollision),
      ...renameSuggestions(request.baseline, snapshot, request.renames),
      ...(outside.length === 0 ? [] : [
        "runs outside a transaction (each statement is committed as it succeeds, and a rerun resumes after the " +
        `last one): ${outside.join("; ")}`
      ])
    ],
    transactional: outside.length === 0,
    renamedTables: upgrade.length === 0 ? [] : tableRenamesMade(request.baseline, snapshot, request.renames)
  }
})
