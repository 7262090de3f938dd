/**
 * Every type PostgreSQL reports back compares equal to what was declared (issue 12 item 2), on both backends:
 * a table of arrays (of any depth), numerics with and without scale, lengths, timestamp and time precision,
 * time zones, enums and domains in `public` and in another schema, deployed through `revision` + `upgrade`, is
 * finalized active and `check` finds nothing; a live type changed by hand is still reported.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import {
  char,
  customType,
  integer,
  numeric,
  pgEnum,
  pgSchema,
  text,
  time,
  timestamp,
  uuid,
  varchar
} from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import {
  buildMigrationProvider,
  buildVersionMetaTable,
  Catalog,
  checkMigrations,
  createRevision,
  loadRevisions,
  migrateProvider,
  PlatformManagedMetaTable,
  versionTableOf
} from "../../src/index.ts"
import { scratchDirectory } from "../support/revisions.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const mood = pgEnum("tf_mood", ["sad", "ok", "happy"])
const elsewhere = pgSchema("tf_other")
const level = elsewhere.enum("TfLevel", ["low", "high"])

// Domains are created by hand before the upgrade (drizzle-kit does not model them): one in another schema,
// one in public, named by the column's SQL type as a user declares a custom type.
const shortCode = customType<{ data: string }>({ dataType: () => "tf_domains.tf_code" })
const amount = customType<{ data: string }>({ dataType: () => "tf_amount" })

const info = (label: string) => ({ label, description: `${label}.` })

class Everything extends PlatformManagedMetaTable<Everything>()({
  name: "tf__everything",
  namespace: "tf",
  identifier: "tf.everything",
  description: "A column of every type PostgreSQL spells its own way.",
  columns: {
    uid: uuid().primaryKey(),
    tags: text().array(),
    grid: integer().array().array(),
    codes: varchar({ length: 8 }).array(),
    whole: numeric({ precision: 10 }),
    money: numeric({ precision: 12, scale: 2 }),
    free: numeric(),
    name: varchar({ length: 64 }).notNull(),
    code: char({ length: 3 }),
    stamped: timestamp({ precision: 3, withTimezone: true }),
    zoned: time({ withTimezone: true }),
    clock: time({ precision: 2 }),
    feeling: mood().default("ok"),
    feelings: mood().array(),
    level: level(),
    short: shortCode(),
    amount: amount()
  },
  columnInfo: {
    uid: info("UID"),
    tags: info("Tags"),
    grid: info("Grid"),
    codes: info("Codes"),
    whole: info("Whole"),
    money: info("Money"),
    free: info("Free"),
    name: info("Name"),
    code: info("Code"),
    stamped: info("Stamped"),
    zoned: info("Zoned"),
    clock: info("Clock"),
    feeling: info("Feeling"),
    feelings: info("Feelings"),
    level: info("Level"),
    short: info("Short"),
    amount: info("Amount")
  }
}) {}

const provider = () =>
  buildMigrationProvider({
    package: "tf",
    migrationNamespace: "tf",
    scriptLocation: scratchDirectory(),
    versionRegistry: buildVersionMetaTable({ namespace: "tf", identifier: "tf.alembic_version", tableName: "tf__alembic_version" }),
    tables: [Everything]
  })

const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())

describeBackends("type fidelity", (it) => {
  it.effect("deploys arrays, numerics, lengths, precisions, time zones, enums and domains active, and check finds nothing", () =>
    Effect.andThen(
      resetDatabase,
      Effect.gen(function*() {
        const migration = provider()
        const written = yield* createRevision({
          loaded: yield* loadRevisions(migration.versionLocations),
          directory: migration.versionLocations[0]!,
          tables: migration.targetTables,
          message: "initial",
          autogenerate: true,
          renames: []
        })
        assert.strictEqual(written._tag, "Written")
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE SCHEMA tf_domains`
        // The migration credential's role uses the domain: it needs the schema, as any shared schema's user does.
        yield* sql`GRANT USAGE ON SCHEMA tf_domains TO PUBLIC`
        yield* sql`CREATE DOMAIN tf_domains.tf_code AS varchar(8) CHECK (VALUE <> '')`
        yield* sql`CREATE DOMAIN tf_amount AS numeric(12, 2)`
        const report = yield* migrateProvider(migration, { target: "head", direction: "upgrade" })
        assert.deepStrictEqual([report.activeCount, report.reservedCount], [2, 0])
        const rows = yield* (yield* Catalog).list
        const row = rows.find((entry) => entry.tableName === "tf__everything")!
        assert.deepStrictEqual([row.status, row.statusReason], ["active", null])
        const backendTypes = Object.fromEntries(row.contract.columns.map((column) => [column.name, column.backend_type]))
        assert.deepInclude(backendTypes, { tags: "TEXT[]", codes: "VARCHAR(8)[]", whole: "NUMERIC(10)", level: "TF_OTHER.TFLEVEL", short: "TF_DOMAINS.TF_CODE" })

        const loaded = yield* loadRevisions(migration.versionLocations)
        const request = { loaded, tables: migration.targetTables, versionTable: versionTableOf(migration) }
        const clean = yield* checkMigrations(request)
        assert.deepStrictEqual({ ok: clean.ok, drift: clean.drift, pending: clean.pendingModelChanges }, {
          ok: true,
          drift: [],
          pending: []
        })

        yield* sql`ALTER TABLE tf__everything ALTER COLUMN whole TYPE numeric(10,2)`
        yield* sql`ALTER TABLE tf__everything ALTER COLUMN tags TYPE text USING array_to_string(tags, ',')`
        const drifted = yield* checkMigrations(request)
        assert.deepStrictEqual(drifted.drift, [
          "column public.tf__everything.tags is text, the revision made it text[]",
          "column public.tf__everything.whole is numeric(10,2), the revision made it numeric(10)"
        ])
        assert.isFalse(drifted.ok)
      }).pipe(Effect.provide(services))
    ))
})
