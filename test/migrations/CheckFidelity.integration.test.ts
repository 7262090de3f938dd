/**
 * `check` on the model set of every pg-core feature (`FidelityModels`), on both backends: clean after
 * `revision` + `upgrade`; then each drift of issue 12 item 7, made by hand on the hardest objects (a hostile
 * table in a hostile schema, a composite foreign key, an array column, an enum in a hostile schema, a sequence
 * in another schema), is reported once, and nothing else is.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import {
  buildMigrationProvider,
  buildVersionMetaTable,
  checkMigrations,
  createRevision,
  loadRevisions,
  migrateProvider,
  versionTableOf
} from "../../src/index.ts"
import { scratchDirectory } from "../support/revisions.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"
import { fidelityDomains, fidelityModels } from "./FidelityModels.ts"

const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())
const odd = `"Fid ""Odd"" Schema"."Fid ""Odd"". Table"`

/** A constraint's name, found by its table and a piece of its definition (generated names are long). */
const constraintName = (table: string, kind: string, definition: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{ readonly name: string }>(
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = $1::regclass AND contype = $2
         AND pg_get_constraintdef(oid) LIKE $3`,
      [table, kind, `%${definition}%`]
    )
    assert.strictEqual(rows.length, 1, `one ${kind} constraint on ${table} like ${definition}`)
    return `"${rows[0]!.name.replaceAll("\"", "\"\"")}"`
  })

describeBackends("check on every pg-core feature", (it) => {
  it.effect("is clean after the upgrade, then reports each hand-made drift on hostile and composite objects", () =>
    Effect.andThen(resetDatabase, Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      for (const statement of fidelityDomains) yield* sql.unsafe(statement)
      const models = fidelityModels()
      const migration = buildMigrationProvider({
        package: "fidk",
        migrationNamespace: "fidk",
        scriptLocation: scratchDirectory(),
        versionRegistry: buildVersionMetaTable({ namespace: "fidk", identifier: "fidk.alembic_version", tableName: "fidk__alembic_version" }),
        tables: models.tables,
        schemaObjects: models.schemaObjects
      })
      yield* createRevision({
        loaded: yield* loadRevisions(migration.versionLocations),
        directory: migration.versionLocations[0]!,
        tables: migration.targetTables,
        message: "every feature",
        autogenerate: true,
        renames: []
      })
      yield* migrateProvider(migration, { target: "head", direction: "upgrade" })
      const check = Effect.gen(function*() {
        return yield* checkMigrations({
          loaded: yield* loadRevisions(migration.versionLocations),
          tables: migration.targetTables,
          versionTable: versionTableOf(migration)
        })
      })
      const clean = yield* check
      assert.deepStrictEqual({ ok: clean.ok, drift: clean.drift, notes: clean.notes }, { ok: true, drift: [], notes: [] })

      const compositeKey = yield* constraintName("fid_ledger.fid__allocations", "f", "FOREIGN KEY (account_id, seq)")
      const positive = yield* constraintName(odd, "c", "\"it's\" > 0")
      const drifts: ReadonlyArray<readonly [string, RegExp]> = [
        [`ALTER TABLE ${odd} ALTER COLUMN "a b" SET DEFAULT 'other'`, /column Fid "Odd" Schema\.Fid "Odd"\. Table\.a b has default 'other'::text, the revision made it 'it''s'::text/],
        [`ALTER TABLE ${odd} ADD COLUMN "sneaky ""col""" integer`, /column Fid "Odd" Schema\.Fid "Odd"\. Table\.sneaky "col" is not in the revision's model/],
        [
          `ALTER TABLE fid_ledger.fid__allocations DROP CONSTRAINT ${compositeKey}`,
          /foreign key .* on fid_ledger\.fid__allocations: ON DELETE is SET NULL, the revision made it CASCADE/
        ],
        [
          `ALTER TABLE fid_ledger.fid__allocations ADD CONSTRAINT ${compositeKey} FOREIGN KEY (account_id, seq)
             REFERENCES fid_ledger.fid__entries (account_id, seq) ON DELETE SET NULL`,
          /^$/
        ],
        [`DROP INDEX "Fid ""Odd"" Schema"."odd ""dotted"" lower"`, /^$/],
        [
          `CREATE INDEX "odd ""dotted"" lower" ON ${odd} ("select") WHERE "it's" > 0`,
          /index odd "dotted" lower on .*: columns is select, the revision made it lower\("a\.b"\)/
        ],
        [`ALTER TABLE ${odd} DROP CONSTRAINT ${positive}`, /^$/],
        [`ALTER TABLE ${odd} ADD CONSTRAINT ${positive} CHECK ("it's" > 1)`, /check constraint ck__\S+ on Fid "Odd" Schema\.Fid "Odd"\. Table: expression is CHECK \("it's" > 1\), the revision made it CHECK \("it's" > 0\)/],
        [`CREATE INDEX "sneaky ""ix""" ON fid_ledger.fid__entries (owner)`, /index sneaky "ix" on fid_ledger\.fid__entries is not in the revision's model/],
        [`ALTER TYPE "Fid ""Odd"" Schema"."odd ""kind""" ADD VALUE 'sneaky''s'`, /enum Fid "Odd" Schema\.odd "kind" has values \(plain, q'uote, back\\slash, sneaky's\), the revision made it \(plain, q'uote, back\\slash\)/],
        [`ALTER SEQUENCE fid_ledger.fid_ticket_seq INCREMENT BY 7`, /sequence fid_ledger\.fid_ticket_seq: INCREMENT is 7, the revision made it 5/],
        [`ALTER TABLE fid__everything ALTER COLUMN grid TYPE bigint[]`, /column public\.fid__everything\.grid is bigint\[\], the revision made it integer\[\]/],
        [`ALTER TABLE fid__everything ALTER COLUMN whole DROP NOT NULL`, /column public\.fid__everything\.whole is nullable, the revision made it NOT NULL/],
        [`ALTER TABLE fid__everything ALTER COLUMN doubled DROP EXPRESSION`, /column public\.fid__everything\.doubled is plain, the revision made it generated/]
      ]
      for (const [statement] of drifts) yield* sql.unsafe(statement)
      const drifted = yield* check
      assert.isFalse(drifted.ok)
      const expected = drifts.map(([, pattern]) => pattern).filter((pattern) => pattern.source !== "^$")
      for (const pattern of expected) {
        assert.strictEqual(drifted.drift.filter((line) => pattern.test(line)).length, 1, `one drift matches ${pattern}:\n${drifted.drift.join("\n")}`)
      }
      assert.strictEqual(drifted.drift.length, expected.length, `nothing else is reported:\n${drifted.drift.join("\n")}`)
    }).pipe(Effect.provide(services))))
})
