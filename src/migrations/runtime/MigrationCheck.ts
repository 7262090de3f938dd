/**
 * `check`: whether the history, the models and the database agree. It reports models that differ from the
 * head revision's snapshot (a revision is due), applied revisions whose files were edited since, and a live
 * database that differs from the snapshot of the revision it is at (drift).
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as SqlClient from "effect/sql/SqlClient"
import { introspectSchemaObjects, introspectTables } from "../../catalog/TableIntrospection.ts"
import { describeDifferences, diffSchemaObjects, diffTableShapes } from "../../storage/ContractDiff.ts"
import type { ModelObject, SchemaSnapshot } from "../../storage/StorageSchema.ts"
import { snapshotShape, tableKey } from "../../storage/TableShape.ts"
import { autogenerate, type AutogenerateError, emptySnapshot } from "../Autogenerate.ts"
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

/**
 * Each difference between the live database and `snapshot`: every table it holds (columns with their types,
 * nullability and defaults; primary key, unique constraints, foreign keys, indexes and checks, and any of
 * those the live table has beyond it), and its enums and sequences.
 */
export const compareWithSnapshot = Effect.fn("MigrationCheck.compareWithSnapshot")(function*(snapshot: SchemaSnapshot) {
  const expected = snapshotShape(snapshot)
  const live = yield* introspectTables(expected.tables)
  const schemas = [...new Set([...expected.enums, ...expected.sequences].map((item) => item.schema))]
  const objects = schemas.length === 0 ? { enums: [], sequences: [] } : yield* introspectSchemaObjects(schemas)
  const differences = [
    ...expected.tables.flatMap((table) => diffTableShapes(table, live.get(tableKey(table)))),
    ...diffSchemaObjects(expected, objects)
  ]
  return describeDifferences(differences, "revision")
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
