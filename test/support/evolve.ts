/**
 * Takes models through autogenerate as a user does: for each version of the models, `revision` (written to
 * a scratch version location) and `upgrade`; then `downgrade -1` back to base, asserting after each step
 * that the live schema, read by introspection, is exactly what it was before that revision; then `upgrade`
 * to head again, which must give the head's schema once more.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type { RenameHint } from "../../src/migrations/Autogenerate.ts"
import { createRevision, type NewRevisionOutcome } from "../../src/migrations/files/RevisionAuthoring.ts"
import { loadRevisions } from "../../src/migrations/files/RevisionLoader.ts"
import { applyMigration } from "../../src/migrations/runtime/MigrationApply.ts"
import type { ModelObject } from "../../src/storage/StorageSchema.ts"
import { scratchDirectory } from "./revisions.ts"
import { schemaShape, type SchemaShape } from "./schemaShape.ts"
import { resetDatabase } from "./TestDatabase.ts"

export const evolveVersionTable = { schema: "public", table: "tests__alembic_version" }
export const evolveOptions = { providerKey: "tests:evolve", versionTable: evolveVersionTable }

export interface ModelVersion {
  readonly tables: ReadonlyArray<ModelObject>
  readonly renames?: ReadonlyArray<RenameHint>
}

export interface Evolution {
  readonly directory: string
  /** Each revision as written. */
  readonly outcomes: ReadonlyArray<NewRevisionOutcome>
  /** The schema before any revision, then after each. */
  readonly shapes: ReadonlyArray<SchemaShape>
}

const shape = schemaShape([evolveVersionTable.table])
const load = (directory: string) => loadRevisions([directory]).pipe(Effect.provide(NodeFileSystem.layer))

/** Writes and applies a revision per version, then runs the downgrade/upgrade round trip. */
export const evolve = <R = never>(
  versions: ReadonlyArray<ModelVersion>,
  options: { readonly afterUpgrade?: (step: number) => Effect.Effect<void, unknown, R> } = {}
) =>
  Effect.gen(function*() {
    yield* resetDatabase
    const directory = scratchDirectory("evolve")
    const shapes: Array<SchemaShape> = [yield* shape]
    const outcomes: Array<NewRevisionOutcome> = []
    for (const [index, version] of versions.entries()) {
      const loaded = yield* load(directory)
      const outcome = yield* createRevision({
        loaded,
        directory,
        tables: version.tables,
        message: `step ${index + 1}`,
        autogenerate: true,
        renames: version.renames ?? []
      }).pipe(Effect.provide(NodeFileSystem.layer))
      outcomes.push(outcome)
      if (outcome._tag === "NoChanges") continue
      yield* applyMigration({ loaded: yield* load(directory), direction: "upgrade", target: "head" }, evolveOptions)
      if (options.afterUpgrade !== undefined) yield* options.afterUpgrade(index)
      shapes.push(yield* shape)
    }
    const loaded = yield* load(directory)
    for (let step = shapes.length - 1; step > 0; step--) {
      yield* applyMigration({ loaded, direction: "downgrade", target: "-1" }, evolveOptions)
      assert.deepStrictEqual(yield* shape, shapes[step - 1], `the downgrade of revision ${step} gives back the schema before it`)
    }
    yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, evolveOptions)
    assert.deepStrictEqual(yield* shape, shapes.at(-1), "upgrading again gives the head's schema")
    return { directory, outcomes, shapes } satisfies Evolution
  })
