/**
 * `check`: whether the history, the models and the database agree. It reports models that differ from the
 * snapshot of the history's heads (a revision is due), a database that is not at those heads (an upgrade is
 * due), applied revisions whose files were edited since, and a live database that differs from the snapshot of
 * the revisions it is at (drift): every table the snapshot holds, with columns, defaults, keys, foreign keys,
 * indexes and checks, objects on one side only, and its enums and sequences. A history with several heads is
 * compared with the union of their snapshots.
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as SqlClient from "effect/sql/SqlClient"
import { spellDeclaredExpressions } from "../../catalog/ExpressionSpelling.ts"
import { introspectSchemaObjects, introspectTables } from "../../catalog/TableIntrospection.ts"
import {
  asDeclared,
  asPostgresWritesThem,
  diffSchemaObjects,
  diffTableShapes,
  type NameSpelling,
  type ShapeDifference
} from "../../storage/ContractDiff.ts"
import { describeDifferences } from "../../storage/ContractDiffText.ts"
import {
  type ModelObject,
  type SchemaEntity,
  type SchemaSnapshot,
  storageSchemaSnapshot
} from "../../storage/StorageSchema.ts"
import { snapshotShape, tableKey } from "../../storage/TableShape.ts"
import { autogenerate, AutogenerateError, emptySnapshot } from "../Autogenerate.ts"
import {
  editedRevisions,
  type EditedRevision,
  MigrationDatabaseError,
  readMigrationState
} from "./MigrationApply.ts"
import { readSnapshot, type SnapshotFileError } from "../files/RevisionFile.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import type { VersionTableLocation } from "./VersionTable.ts"

export interface CheckReport {
  /** Nothing to report. */
  readonly ok: boolean
  readonly heads: ReadonlyArray<string>
  readonly databaseHeads: ReadonlyArray<string>
  /** Whether the database is at the history's heads (those it records once everything is applied). */
  readonly atHeads: boolean
  /** The history has several heads; they are compared together (a merge may join them). */
  readonly multipleHeads: boolean
  /** The SQL a new revision would need: the models differ from the head revision's snapshot. */
  readonly pendingModelChanges: ReadonlyArray<string>
  readonly editedRevisions: ReadonlyArray<EditedRevision>
  /** How the live database differs from the snapshot of the revisions it is at, one sentence each. */
  readonly drift: ReadonlyArray<string>
  /** The same differences as data, in the same order. */
  readonly driftDetails: ReadonlyArray<ShapeDifference>
  /** What could not be checked, and why. */
  readonly notes: ReadonlyArray<string>
  /**
   * The drift and notes again as the text report words them, with every name written as PostgreSQL needs it
   * (`"a b"."we""ird"`, `public.prices`), so that a name holding a quote, a space or a dot reads as one name.
   */
  readonly text: { readonly drift: ReadonlyArray<string>; readonly notes: ReadonlyArray<string> }
}

/** Differences whose two sides may be one expression spelled two ways, which PostgreSQL can settle. */
const isSpelling = (difference: ShapeDifference): boolean =>
  difference._tag === "ColumnDefault" ||
  (difference._tag === "ObjectChanged" &&
    (difference.object === "check constraint" ||
      (difference.object === "index" && (difference.aspect === "columns" || difference.aspect === "predicate"))))

/**
 * Each difference between the live database and `snapshot`, as data with the names as declared, and again
 * with the names as PostgreSQL writes them (for sentences people read); both lists hold the same differences
 * in the same order.
 */
const spelledDifferences = Effect.fn("MigrationCheck.spelledDifferences")(function*(snapshot: SchemaSnapshot) {
  const expected = snapshotShape(snapshot)
  const live = yield* introspectTables(expected.tables)
  const schemas = [...new Set([...expected.enums, ...expected.sequences].map((item) => item.schema))]
  const objects = schemas.length === 0 ? { enums: [], sequences: [] } : yield* introspectSchemaObjects(schemas)
  const compared = yield* Effect.forEach(expected.tables, (table) => {
    const found = live.get(tableKey(table))
    const differences = diffTableShapes(table, found)
    // Where text rules see two spellings, PostgreSQL's own spelling of the declared side decides.
    return differences.some(isSpelling)
      ? Effect.map(spellDeclaredExpressions(table, differences), (spelled) => [spelled, found] as const)
      : Effect.succeed([table, found] as const)
  })
  const all = (spelling: NameSpelling) => [
    ...compared.flatMap(([table, found]) => diffTableShapes(table, found, spelling)),
    ...diffSchemaObjects(expected, objects, spelling)
  ]
  return { declared: all(asDeclared), quoted: all(asPostgresWritesThem) }
})

/**
 * Each difference between the live database and `snapshot`, as data: every table it holds (columns with
 * their types, nullability and defaults; primary key, unique constraints, foreign keys, indexes and checks,
 * and any of those the live table has beyond it), and its enums and sequences.
 */
export const snapshotDifferences = (snapshot: SchemaSnapshot) =>
  Effect.map(spelledDifferences(snapshot), (differences) => differences.declared)

/** Each difference between the live database and `snapshot`, one sentence each. */
export const compareWithSnapshot = (snapshot: SchemaSnapshot) =>
  Effect.map(snapshotDifferences(snapshot), (differences) => describeDifferences(differences, "revision"))

const entityKey = (entity: SchemaEntity): string => {
  const record = entity as unknown as Record<string, unknown>
  return [entity.entityType, record["schema"], record["table"], record["name"]].map((part) => String(part ?? "")).join("\u0000")
}

/** Two heads holding one entity differently: `kept`'s was used. */
interface Disagreement {
  readonly kept: string
  readonly other: string
  readonly entity: SchemaEntity
}

const describeDisagreement = ({ entity, kept, other }: Disagreement, spelling: NameSpelling): string => {
  const record = entity as unknown as Record<string, unknown>
  const where = [record["schema"], record["table"], record["name"]]
    .flatMap((part) => typeof part === "string" ? [spelling.name(part)] : [])
    .join(".")
  return `revisions ${kept} and ${other} differ on ${entity.entityType} ${where}; ${kept}'s was used`
}

const unionWithDisagreements = (
  snapshots: readonly [readonly [string, SchemaSnapshot], ...ReadonlyArray<readonly [string, SchemaSnapshot]>]
): { readonly snapshot: SchemaSnapshot; readonly disagreements: ReadonlyArray<Disagreement> } => {
  const first = snapshots[0]
  const entities = new Map<string, readonly [string, SchemaEntity]>()
  const disagreements: Array<Disagreement> = []
  for (const [revision, snapshot] of snapshots) {
    for (const entity of snapshot.ddl) {
      const key = entityKey(entity)
      const known = entities.get(key)
      if (known === undefined) entities.set(key, [revision, entity])
      else if (JSON.stringify(known[1]) !== JSON.stringify(entity)) disagreements.push({ kept: known[0], other: revision, entity })
    }
  }
  return { snapshot: { ...first[1], ddl: [...entities.values()].map(([, entity]) => entity) }, disagreements }
}

/**
 * The snapshots of several heads as one: every entity any of them holds. Where two heads hold one entity
 * differently, the first head's is kept and the disagreement returned.
 */
export const unionOfSnapshots = (
  snapshots: readonly [readonly [string, SchemaSnapshot], ...ReadonlyArray<readonly [string, SchemaSnapshot]>]
): { readonly snapshot: SchemaSnapshot; readonly disagreements: ReadonlyArray<string> } => {
  const { disagreements, snapshot } = unionWithDisagreements(snapshots)
  return { snapshot, disagreements: disagreements.map((disagreement) => describeDisagreement(disagreement, asDeclared)) }
}

/** An entity as text with its keys in order, so that equal entities read from anywhere give equal text. */
const entityText = (entity: SchemaEntity): string =>
  JSON.stringify(entity, (_key, value: unknown) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value)

/** Whether two snapshots hold the same entities (their ids aside). */
const sameEntities = (a: SchemaSnapshot, b: SchemaSnapshot): boolean => {
  if (a.ddl.length !== b.ddl.length) return false
  const counts = new Map<string, number>()
  for (const entity of a.ddl) {
    const text = entityText(entity)
    counts.set(text, (counts.get(text) ?? 0) + 1)
  }
  for (const entity of b.ddl) {
    const text = entityText(entity)
    const count = counts.get(text) ?? 0
    if (count === 0) return false
    counts.set(text, count - 1)
  }
  return true
}

/**
 * The SQL a revision would need to bring `baseline` to the models. Models whose snapshot holds exactly the
 * baseline's entities need none, which is the common case and spares drizzle-kit's diff.
 */
const pendingChanges = Effect.fn("MigrationCheck.pendingChanges")(function*(
  tables: ReadonlyArray<ModelObject>,
  baseline: SchemaSnapshot
) {
  const models = yield* storageSchemaSnapshot(tables).pipe(
    Effect.mapError((error) => new AutogenerateError({ detail: error.message }))
  )
  if (sameEntities(models, baseline)) return []
  return (yield* autogenerate({ tables, baseline, renames: [] })).upgrade
})

const sameHeads = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((id) => b.includes(id))

export interface CheckRequest {
  readonly loaded: LoadedRevisions
  readonly tables: ReadonlyArray<ModelObject>
  readonly versionTable: VersionTableLocation
}

export const checkMigrations = Effect.fn("MigrationCheck.checkMigrations")(function*(
  request: CheckRequest
): Effect.fn.Return<
  CheckReport,
  MigrationDatabaseError | SnapshotFileError | AutogenerateError,
  SqlClient.SqlClient | FileSystem.FileSystem
> {
  const { loaded } = request
  // A head another branch depends on is applied with its dependant: only the heads recorded at the end count.
  const heads = loaded.graph.upgradedHeads
  // Each revision's snapshot is read once: the history's heads and the database's are often the same.
  const read = new Map<string, Option.Option<SchemaSnapshot>>()
  const snapshotOf = (revision: string) =>
    read.has(revision)
      ? Effect.succeed(read.get(revision)!)
      : Effect.tap(readSnapshot(loaded.revisions.get(revision)!.source), (snapshot) => Effect.sync(() => read.set(revision, snapshot)))
  /** A note, worded with names as `spelling` writes them. */
  type Note = (spelling: NameSpelling) => string
  /** The snapshot of `revisions` (their union when there are several), or none when one has none. */
  const snapshotAt = (revisions: ReadonlyArray<string>, purpose: string, notes: Array<Note>) =>
    Effect.gen(function*() {
      const found: Array<readonly [string, SchemaSnapshot]> = []
      for (const revision of revisions) {
        const snapshot = yield* snapshotOf(revision)
        if (Option.isNone(snapshot)) {
          notes.push(() => `revision ${revision} has no model snapshot; ${purpose} not compared`)
          return Option.none<SchemaSnapshot>()
        }
        found.push([revision, snapshot.value])
      }
      const [first, ...rest] = found
      if (first === undefined) return Option.none<SchemaSnapshot>()
      const { disagreements, snapshot } = unionWithDisagreements([first, ...rest])
      notes.push(...disagreements.map((disagreement): Note => (spelling) => describeDisagreement(disagreement, spelling)))
      return Option.some(snapshot)
    })

  // The models against the heads' snapshot is work in this process (drizzle-kit models the tables); the
  // database against its revisions' snapshot is mostly the database's. They run side by side.
  const modelNotes: Array<Note> = []
  const models = Effect.gen(function*() {
    const baseline = heads.length === 0
      ? Option.some(yield* emptySnapshot)
      : yield* snapshotAt(heads, "the models were", modelNotes)
    return Option.isSome(baseline) ? yield* pendingChanges(request.tables, baseline.value) : []
  })
  const databaseNotes: Array<Note> = []
  const database = Effect.gen(function*() {
    const state = yield* readMigrationState(request.versionTable)
    const none = { state, drift: { declared: [], quoted: [] } }
    if (state.heads.length === 0) return none
    const snapshot = yield* snapshotAt(state.heads, "the database was", databaseNotes)
    if (Option.isNone(snapshot)) return none
    const drift = yield* spelledDifferences(snapshot.value).pipe(
      Effect.mapError((error) => new MigrationDatabaseError({ operation: "introspect the database", cause: error }))
    )
    return { state, drift }
  })
  const [pendingModelChanges, { drift, state }] = yield* Effect.all([models, database], { concurrency: 2 })
  const driftDetails = drift.declared
  const notes = [...modelNotes, ...databaseNotes]
  const atHeads = sameHeads(state.heads, heads)
  const edited = editedRevisions(loaded, state.ledger)
  return {
    ok: atHeads && pendingModelChanges.length === 0 && edited.length === 0 && driftDetails.length === 0,
    heads,
    databaseHeads: state.heads,
    atHeads,
    multipleHeads: heads.length > 1,
    pendingModelChanges,
    editedRevisions: edited,
    drift: describeDifferences(driftDetails, "revision"),
    driftDetails,
    notes: notes.map((note) => note(asDeclared)),
    text: {
      drift: describeDifferences(drift.quoted, "revision"),
      notes: notes.map((note) => note(asPostgresWritesThem))
    }
  }
})
