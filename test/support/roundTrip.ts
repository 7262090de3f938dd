/**
 * Takes versions of a provider's models through the lifecycle as a user does: for each, `revision` (its
 * destructive changes as expected) and `upgrade` (every table active, `check` clean), then whatever the step
 * does with rows; then `downgrade -1` one revision at a time, asserting that the live schema, read by
 * introspection, is exactly what it was before that revision, that `check` sees no drift and that the catalog
 * names every table there (active when the models list it, renamed or moved later included), a listed table's
 * row deleted only when its table is gone (then whatever the step asserts of that state); then `upgrade` to head, which must give the head's schema again with `check` clean.
 */
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeFs from "node:fs"
import type { RenameHint } from "../../src/migrations/Autogenerate.ts"
import {
  type AnyStorageTable,
  buildMigrationProvider,
  Catalog,
  buildVersionMetaTable,
  checkMigrations,
  createRevision,
  ledgerTableName,
  loadRevisions,
  type MigrationProvider,
  migrateProvider,
  type SchemaObject,
  versionTableOf
} from "../../src/index.ts"
import { progressTableName } from "../../src/migrations/runtime/VersionTable.ts"
import { scratchDirectory } from "./revisions.ts"
import { schemaShape, type SchemaShape } from "./schemaShape.ts"

export interface RoundTripStep<R> {
  readonly label: string
  readonly tables: ReadonlyArray<AnyStorageTable>
  readonly schemaObjects?: ReadonlyArray<SchemaObject> | undefined
  readonly renames?: ReadonlyArray<RenameHint> | undefined
  /** The destructive changes the revision must flag, by kind (default: none). */
  readonly destructive?: ReadonlyArray<string> | undefined
  /** Checks the revision file as written. */
  readonly file?: ((text: string) => void) | undefined
  /** What the user runs before the upgrade, as a flagged change asks. */
  readonly prepare?: string | undefined
  /** After the upgrade and its check: rows written, assertions. */
  readonly afterUpgrade?: Effect.Effect<void, unknown, R> | undefined
  /** After the downgrade of this step's revision and its check: assertions on the state before it. */
  readonly afterDowngrade?: Effect.Effect<void, unknown, R> | undefined
}

export interface RoundTrip {
  /** The provider of the last version. */
  readonly provider: MigrationProvider
  /** The schema before any revision, then after each. */
  readonly shapes: ReadonlyArray<SchemaShape>
}

const checkOf = (provider: MigrationProvider) =>
  Effect.gen(function*() {
    return yield* checkMigrations({
      loaded: yield* loadRevisions(provider.versionLocations),
      tables: provider.targetTables,
      versionTable: versionTableOf(provider)
    })
  })

export const roundTrip = <R>(name: string, steps: ReadonlyArray<RoundTripStep<R>>) =>
  Effect.gen(function*() {
    const location = scratchDirectory()
    const versionTable = `${name}__alembic_version`
    const shape = schemaShape([versionTable])
    const providerOf = (step: RoundTripStep<R>) =>
      buildMigrationProvider({
        package: name,
        migrationNamespace: name,
        scriptLocation: location,
        versionRegistry: buildVersionMetaTable({ namespace: name, identifier: `${name}.alembic_version`, tableName: versionTable }),
        tables: step.tables,
        schemaObjects: step.schemaObjects
      })
    const shapes: Array<SchemaShape> = [yield* shape]
    let provider = providerOf(steps[0]!)
    for (const step of steps) {
      provider = providerOf(step)
      const written = yield* createRevision({
        loaded: yield* loadRevisions(provider.versionLocations),
        directory: provider.versionLocations[0]!,
        tables: provider.targetTables,
        message: step.label,
        autogenerate: true,
        renames: step.renames ?? []
      })
      if (written._tag !== "Written") return assert.fail(`${step.label}: no revision written`)
      assert.deepStrictEqual(written.destructive.map((change) => change.kind), step.destructive ?? [], step.label)
      step.file?.(NodeFs.readFileSync(written.path, "utf8"))
      if (step.prepare !== undefined) yield* (yield* SqlClient.SqlClient).unsafe(step.prepare)
      const report = yield* migrateProvider(provider, { target: "head", direction: "upgrade" })
      assert.deepStrictEqual([report.ok, report.activeCount, report.reservedCount], [true, step.tables.length + 1, 0], step.label)
      const check = yield* checkOf(provider)
      assert.deepStrictEqual(
        { ok: check.ok, drift: check.drift, pending: check.pendingModelChanges, notes: check.notes },
        { ok: true, drift: [], pending: [], notes: [] },
        `check after: ${step.label}`
      )
      if (step.afterUpgrade !== undefined) yield* step.afterUpgrade
      shapes.push(yield* shape)
    }

    for (let index = steps.length; index > 0; index--) {
      const label = steps[index - 1]!.label
      const report = yield* migrateProvider(provider, { target: "-1", direction: "downgrade" })
      assert.isTrue(report.ok, `downgrade of: ${label}`)
      assert.deepStrictEqual(yield* shape, shapes[index - 1], `the downgrade of "${label}" gives back the schema before it`)
      const check = yield* checkOf(provider)
      assert.deepStrictEqual(
        { drift: check.drift, edited: check.editedRevisions, atHeads: check.atHeads },
        { drift: [], edited: [], atHeads: false },
        `check after the downgrade of: ${label}`
      )
      // The catalog says what is there: each table (but the version table, its ledger and progress) is named by a row of
      // the provider, active when the models list it (renamed or moved later included); a row of a listed table
      // whose table is not there is deleted.
      const catalog = yield* Catalog
      const listed = new Set(provider.tables.map((table) => `${table.metadata.namespace}/${table.metadata.identifier}`))
      const rows = (yield* catalog.list).filter((row) => row.providerKey === provider.key && row.role === "application")
      const versions = versionTableOf(provider)
      const bookkeeping = new Set(
        [versions.table, ledgerTableName(versions), progressTableName(versions)].map((table) => `${versions.schema}.${table}`)
      )
      const live = (yield* (yield* SqlClient.SqlClient)<{ readonly schema: string; readonly table: string }>`
        SELECT schemaname AS schema, tablename AS table FROM pg_tables
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema', ${catalog.schema})`)
        .map((table) => `${table.schema}.${table.table}`).filter((table) => !bookkeeping.has(table))
      for (const table of live) {
        const row = rows.find((candidate) => `${candidate.schema}.${candidate.tableName}` === table)
        const isListed = row !== undefined && listed.has(`${row.namespace}/${row.identifier}`)
        assert.deepStrictEqual(
          [row?.identifier !== undefined, isListed ? row.status : "not listed"],
          [true, isListed ? "active" : "not listed"],
          `the catalog row of ${table} after the downgrade of: ${label}`
        )
      }
      for (const row of rows.filter((candidate) => listed.has(`${candidate.namespace}/${candidate.identifier}`))) {
        const present = live.includes(`${row.schema}.${row.tableName}`)
        assert.strictEqual(row.status, present ? "active" : "deleted", `the row of ${row.identifier} after the downgrade of: ${label}`)
      }
      const after = steps[index - 1]!.afterDowngrade
      if (after !== undefined) yield* after
    }

    const again = yield* migrateProvider(provider, { target: "head", direction: "upgrade" })
    assert.deepStrictEqual([again.ok, again.activeCount], [true, provider.tables.length + 1])
    assert.deepStrictEqual(yield* shape, shapes.at(-1), "upgrading again gives the head's schema")
    const check = yield* checkOf(provider)
    assert.deepStrictEqual({ ok: check.ok, drift: check.drift }, { ok: true, drift: [] }, "check after upgrading again")
    return { provider, shapes } satisfies RoundTrip
  })
