/**
 * `check`: whether the history, the models and the database agree. It reports models that differ from the
 * head revision's snapshot (a revision is due), applied revisions whose files were edited since, and a live
 * database that differs from the snapshot of the revision it is at (drift).
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import { introspectTables, normalizeSqlType, physicalKey } from "../../catalog/TableIntrospection.ts"
import { pgArrayLiteral } from "../../db/PgArrayLiteral.ts"
import type { ModelObject, SchemaSnapshot } from "../../storage/StorageSchema.ts"
import { autogenerate, type AutogenerateError, emptySnapshot } from "../Autogenerate.ts"
import {
  editedRevisions,
  type EditedRevision,
  MigrationDatabaseError,
  readMigrationState
} from "./MigrationApply.ts"
import { readSnapshot, type SnapshotFileError } from "../files/RevisionFile.ts"
import { snapshotEntities } from "../files/SnapshotEntities.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"
import type { VersionTableLocation } from "./VersionTable.ts"

export interface CheckReport {
  /** Nothing to report. */
  readonly ok: boolean
  readonly heads: ReadonlyArray<string>
  readonly databaseHeads: ReadonlyArray<string>
  /** The history has several heads: a merge is due. */
  readonly multipleHeads: boolean
  /** The SQL a new revision would need: the models differ from the head revision's snapshot. */
  readonly pendingModelChanges: ReadonlyArray<string>
  readonly editedRevisions: ReadonlyArray<EditedRevision>
  /** How the live database differs from the snapshot of the revision it is at. */
  readonly drift: ReadonlyArray<string>
  /** What could not be checked, and why. */
  readonly notes: ReadonlyArray<string>
}

const entityLabels: Record<string, string> = {
  indexes: "index",
  pks: "primary key",
  uniques: "unique constraint",
  fks: "foreign key",
  checks: "check constraint"
}

/** The names of the indexes and constraints of the given tables, keyed `schema.table`. */
const liveNames = (keys: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly key: string; readonly name: string }>`
      SELECT n.nspname || '.' || c.relname AS "key", i.relname AS "name"
      FROM pg_catalog.pg_index x
      JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
      JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral(keys)}::text[])
      UNION
      SELECT n.nspname || '.' || c.relname, k.conname
      FROM pg_catalog.pg_constraint k
      JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype IN ('p', 'u', 'f', 'c') AND (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral(keys)}::text[])`
    const names = new Map<string, Set<string>>()
    for (const row of rows) names.set(row.key, (names.get(row.key) ?? new Set()).add(row.name))
    return names
  })

/** Each difference between the live database and `snapshot`, for the snapshot's tables. */
export const compareWithSnapshot = (snapshot: SchemaSnapshot) =>
  Effect.gen(function*() {
    const tables = snapshotEntities(snapshot, "tables").map((table) => ({ schema: table.schema, table: table.name }))
    const live = yield* introspectTables(tables)
    const names = yield* liveNames(tables.map(physicalKey))
    const drift: Array<string> = []
    for (const table of tables) {
      const key = physicalKey(table)
      const found = live.get(key)
      if (found === undefined) {
        drift.push(`table ${key} is missing`)
        continue
      }
      const columns = snapshotEntities(snapshot, "columns").filter((column) =>
        column.schema === table.schema && column.table === table.table
      )
      const liveColumns = new Map(found.columns.map((column) => [column.name, column]))
      for (const column of columns) {
        const actual = liveColumns.get(column.name)
        if (actual === undefined) drift.push(`column ${key}.${column.name} is missing`)
        else {
          if (normalizeSqlType(actual.type) !== normalizeSqlType(column.type)) {
            drift.push(`column ${key}.${column.name} is ${actual.type}, the revision made it ${column.type}`)
          }
          if (actual.notNull !== column.notNull) {
            drift.push(`column ${key}.${column.name} is ${actual.notNull ? "NOT NULL" : "nullable"}, the revision ` +
              `made it ${column.notNull ? "NOT NULL" : "nullable"}`)
          }
        }
      }
      const declared = new Set(columns.map((column) => column.name))
      for (const column of found.columns) {
        if (!declared.has(column.name)) drift.push(`column ${key}.${column.name} is not in the revision's model`)
      }
      const expected = [
        ...snapshotEntities(snapshot, "indexes"),
        ...snapshotEntities(snapshot, "pks"),
        ...snapshotEntities(snapshot, "uniques"),
        ...snapshotEntities(snapshot, "fks"),
        ...snapshotEntities(snapshot, "checks")
      ].filter((entity) => entity.schema === table.schema && entity.table === table.table)
      const present = names.get(key) ?? new Set<string>()
      for (const entity of expected) {
        if (!present.has(entity.name)) drift.push(`${entityLabels[entity.entityType]} ${entity.name} on ${key} is missing`)
      }
    }
    return drift
  })

export interface CheckRequest {
  readonly loaded: LoadedRevisions
  readonly tables: ReadonlyArray<ModelObject>
  readonly versionTable: VersionTableLocation
}

export const checkMigrations = (
  request: CheckRequest
): Effect.Effect<
  CheckReport,
  MigrationDatabaseError | SnapshotFileError | AutogenerateError,
  SqlClient.SqlClient | FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    const { loaded } = request
    // A head another branch depends on is applied with its dependant: only the heads recorded at the end count.
    const heads = loaded.graph.upgradedHeads
    const notes: Array<string> = []
    const snapshotOf = (revision: string) => readSnapshot(loaded.revisions.get(revision)!.source)

    let pendingModelChanges: ReadonlyArray<string> = []
    if (heads.length <= 1) {
      const baseline = heads[0] === undefined ? Option.some(yield* emptySnapshot) : yield* snapshotOf(heads[0])
      if (Option.isSome(baseline)) {
        pendingModelChanges = (yield* autogenerate({ tables: request.tables, baseline: baseline.value, renames: [] })).upgrade
      } else notes.push(`the head revision ${heads[0]} has no model snapshot; the models were not compared`)
    }

    const state = yield* readMigrationState(request.versionTable)
    let drift: ReadonlyArray<string> = []
    if (state.heads.length === 1) {
      const snapshot = yield* snapshotOf(state.heads[0]!)
      if (Option.isSome(snapshot)) {
        drift = yield* compareWithSnapshot(snapshot.value).pipe(
          Effect.mapError((error) =>
            new MigrationDatabaseError({ operation: "introspect the database", cause: error })
          )
        )
      } else notes.push(`revision ${state.heads[0]} has no model snapshot; the database was not compared`)
    } else if (state.heads.length > 1) {
      notes.push("the database is at several heads; it was not compared with a snapshot")
    }
    const edited = editedRevisions(loaded, state.ledger)
    return {
      ok: heads.length <= 1 && pendingModelChanges.length === 0 && edited.length === 0 && drift.length === 0,
      heads,
      databaseHeads: state.heads,
      multipleHeads: heads.length > 1,
      pendingModelChanges,
      editedRevisions: edited,
      drift,
      notes
    }
  })
