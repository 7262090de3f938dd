/**
 * The SQL catalog on both backends: its own tables, the version registry, reservation (every reuse and
 * refusal rule, concurrency), finalize, resolution for startEngine, deletion protection.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import { Catalog, providerIdentity } from "../../src/catalog/Catalog.ts"
import { CatalogNotReadyError, InvalidCatalogRowError } from "../../src/catalog/CatalogErrors.ts"
import { CATALOG_VERSION, catalogMigrations } from "../../src/catalog/CatalogSchema.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import {
  contractServerDefault,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable,
  tableContract
} from "../../src/index.ts"
import { createPhysicalTables } from "../support/ddl.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

/** A provider's version table, as `buildVersionMetaTable` makes it. */
const versionTable = (app: string) => {
  class Versions extends PlatformManagedMetaTable<Versions>()({
    name: `${app}__alembic_version`,
    namespace: app,
    identifier: `${app}.alembic_version`,
    description: "Migration versions of the provider.",
    columns: { versionNum: varchar("version_num", { length: 32 }).primaryKey() },
    columnInfo: { versionNum: info("Version") }
  }) {}
  return Versions
}

class Accounts extends PlatformManagedMetaTable<Accounts>()({
  name: "cat__accounts",
  namespace: "cat",
  identifier: "cat.accounts",
  description: "Accounts for the catalog tests.",
  protectFromDeletion: true,
  columns: { uid: uuid().primaryKey(), name: text().notNull() },
  columnInfo: { uid: info("UID"), name: info("Name") }
}) {}

class Metrics extends PlatformTimeIndexMetaTable<Metrics>()({
  name: "cat__metrics",
  namespace: "cat",
  identifier: "cat.metrics",
  description: "Metrics for the catalog tests.",
  indexNames: ["time_index", "entity"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    entity: varchar({ length: 32 }).notNull(),
    value: doublePrecision()
  },
  columnInfo: { timeIndex: info("Time"), entity: info("Entity"), value: info("Value") }
}) {}

/** Same identifier as Metrics, another physical table. */
class MetricsTwin extends PlatformManagedMetaTable<MetricsTwin>()({
  name: "cat__metrics_twin",
  namespace: "cat",
  identifier: "cat.metrics",
  description: "A table that reuses another's identifier.",
  columns: { uid: uuid().primaryKey() },
  columnInfo: { uid: info("UID") }
}) {}

const alpha = providerIdentity("alpha", "cat")
const beta = providerIdentity("beta", "cat")

const withCatalog = <A, E, R>(body: Effect.Effect<A, E, R>) => Effect.provide(body, SqlCatalog.layer())

/** A clean database, then `body` with the catalog. */
const fresh = <A, E, R>(body: Effect.Effect<A, E, R>) => Effect.andThen(resetDatabase, withCatalog(body))

/** Registry and reservation for `provider`, as the migration lifecycle does them. */
const reserveFor = (provider: typeof alpha, tables: ReadonlyArray<typeof Accounts | typeof Metrics | typeof MetricsTwin>) =>
  Effect.gen(function*() {
    const catalog = yield* Catalog
    const registry = yield* catalog.ensureVersionRegistry(provider, versionTable(provider.packageName))
    return yield* catalog.reserve({ provider, versionRegistryUid: registry.uid, tables })
  })

describeBackends("SqlCatalog", (it, backend) => {
  it.effect("creates its tables once, also when two processes start together", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* Effect.all([withCatalog(Catalog), withCatalog(Catalog)], { concurrency: 2 })
      const catalog = yield* withCatalog(Catalog)
      const sql = yield* SqlClient.SqlClient
      const versions = yield* sql<{ readonly version: number }>`
        SELECT migration_id AS version FROM metatables.effect_sql_migrations ORDER BY migration_id`
      assert.deepStrictEqual(versions.map((row) => row.version), catalogMigrations.map((migration) => migration.version))
      assert.strictEqual(versions.at(-1)?.version, CATALOG_VERSION)
      assert.strictEqual(catalog.schema, "metatables")
      assert.strictEqual(catalog.dataSource.name, "default")
      assert.strictEqual(catalog.dataSource.backend, backend)
    }))

  it.effect("upgrades a catalog of an older version in place, keeping its rows", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      // The catalog as the first release of metatables left it.
      yield* sql.unsafe("CREATE SCHEMA metatables")
      yield* sql.unsafe(
        "CREATE TABLE metatables.catalog_migrations (version integer PRIMARY KEY, description text NOT NULL, " +
          "applied_at timestamptz NOT NULL DEFAULT now())"
      )
      for (const statement of catalogMigrations[0]!.statements("metatables")) yield* sql.unsafe(statement)
      yield* sql.unsafe("INSERT INTO metatables.catalog_migrations (version, description) VALUES (1, 'first')")
      yield* sql.unsafe(
        "INSERT INTO metatables.data_sources (name, backend, database_name) VALUES ('default', 'pglite', 'old')"
      )
      const catalog = yield* withCatalog(Catalog)
      assert.strictEqual(catalog.dataSource.databaseName, "old")
      const versions = yield* sql<{ readonly version: number }>`
        SELECT migration_id AS version FROM metatables.effect_sql_migrations ORDER BY migration_id`
      assert.deepStrictEqual(versions.map((row) => row.version), catalogMigrations.map((migration) => migration.version))
      const [runs] = yield* sql<{ readonly present: boolean }>`
        SELECT to_regclass('metatables.data_node_runs') IS NOT NULL AS present`
      assert.isTrue(runs?.present)
    }))

  it.effect("attaches only to a current catalog, and changes nothing while attaching", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      const attach = Effect.provide(Catalog, SqlCatalog.layer({ attach: "a test" }))
      const missing = yield* Effect.flip(attach)
      assert.instanceOf(missing, CatalogNotReadyError)
      if (missing instanceof CatalogNotReadyError) {
        assert.strictEqual(missing.found, 0)
        assert.include(missing.message, "metatables migrations upgrade")
      }
      const [schema] = yield* sql<{ readonly present: boolean }>`
        SELECT to_regnamespace('metatables') IS NOT NULL AS present`
      assert.isFalse(schema?.present, "attaching created nothing")

      yield* withCatalog(Catalog)
      yield* sql.unsafe(`DELETE FROM metatables.effect_sql_migrations WHERE migration_id = ${CATALOG_VERSION}`)
      const outdated = yield* Effect.flip(attach)
      assert.instanceOf(outdated, CatalogNotReadyError)
      if (outdated instanceof CatalogNotReadyError) {
        assert.strictEqual(outdated.found, CATALOG_VERSION - 1)
        assert.include(outdated.message, "never changes the database")
      }
      yield* sql.unsafe(`INSERT INTO metatables.effect_sql_migrations (migration_id, name) VALUES (${CATALOG_VERSION}, 'x')`)
      const attached = yield* attach
      assert.strictEqual(attached.dataSource.name, "default")
    }))

  it.effect("refuses a catalog schema that is not a plain identifier", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(Catalog, SqlCatalog.layer({ schema: "Bad\"; DROP" })))
      assert.strictEqual(error._tag, "InvalidCatalogSchemaError")
    }))

  it.effect("ensures one version registry per provider, reused on every call", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const registry = versionTable("reg")
      const provider = providerIdentity("reg", "cat")
      const [first, second] = yield* Effect.all(
        [catalog.ensureVersionRegistry(provider, registry), catalog.ensureVersionRegistry(provider, registry)],
        { concurrency: 2 }
      )
      const third = yield* catalog.ensureVersionRegistry(provider, registry)
      assert.strictEqual(first.uid, second.uid)
      assert.strictEqual(first.uid, third.uid)
      assert.strictEqual(first.role, "version-registry")
      assert.strictEqual(first.status, "reserved")
      assert.strictEqual(first.providerKey, "reg:cat")

      const error = yield* Effect.flip(catalog.ensureVersionRegistry(providerIdentity("other", "cat"), registry))
      assert.strictEqual(error._tag, "VersionRegistryError")
      assert.include(error.message, "provider: expected other:cat, found reg:cat")
    })))

  it.effect("reserves missing tables with their contracts and reuses the provider's rows", () =>
    fresh(Effect.gen(function*() {
      const first = yield* reserveFor(alpha, [Accounts, Metrics, Accounts])
      assert.deepStrictEqual(first.map((row) => row.tableName), ["cat__accounts", "cat__metrics"])
      for (const row of first) {
        assert.strictEqual(row.status, "reserved")
        assert.strictEqual(row.providerKey, "alpha:cat")
        assert.isNull(row.appliedRevision)
        assert.isNotNull(row.versionRegistryUid)
      }
      assert.deepStrictEqual(first[1]?.contract, tableContract(Metrics))
      assert.strictEqual(first[1]?.kind, "time-indexed")
      assert.isTrue(first[0]?.protectFromDeletion)
      const again = yield* reserveFor(alpha, [Metrics, Accounts])
      assert.deepStrictEqual(again.map((row) => row.uid), [first[1]!.uid, first[0]!.uid])
    })))

  it.effect("refuses tables owned by another provider, naming the owner and status, and writes nothing", () =>
    fresh(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* reserveFor(alpha, [Accounts])
      const error = yield* Effect.flip(reserveFor(beta, [Metrics, Accounts]))
      assert.strictEqual(error._tag, "TableReservationError")
      if (error._tag === "TableReservationError") {
        assert.strictEqual(error.reason, "foreign-owner")
        assert.include(error.message, "Table public.cat__accounts (cat.accounts) belongs to provider alpha:cat (status reserved)")
        assert.include(error.message, "provider beta:cat cannot reserve it")
      }
      const rows = yield* sql<{ readonly table: string }>`
        SELECT physical_table AS table FROM metatables.meta_tables WHERE role = 'application' ORDER BY 1`
      assert.deepStrictEqual(rows.map((row) => row.table), ["cat__accounts"], "Metrics was not reserved for beta")
    })))

  it.effect("refuses failed and deleted rows, and identifiers already taken", () =>
    fresh(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [accounts, metrics] = yield* reserveFor(alpha, [Accounts, Metrics])
      yield* sql`UPDATE metatables.meta_tables SET status = 'failed', status_reason = 'dropped by hand' WHERE uid = ${accounts!.uid}`
      yield* sql`UPDATE metatables.meta_tables SET status = 'deleted' WHERE uid = ${metrics!.uid}`
      const failed = yield* Effect.flip(reserveFor(alpha, [Accounts]))
      assert.include(failed.message, "is marked failed (owner alpha:cat, status failed): dropped by hand")
      const deleted = yield* Effect.flip(reserveFor(alpha, [Metrics]))
      assert.include(deleted.message, "was deleted from the catalog")
      const taken = yield* Effect.flip(reserveFor(alpha, [MetricsTwin]))
      assert.include(taken.message, "the identifier is already used in its namespace by public.cat__metrics")
    })))

  it.effect("refuses two declarations of one identifier in the same request", () =>
    fresh(Effect.gen(function*() {
      const error = yield* Effect.flip(reserveFor(alpha, [Metrics, MetricsTwin]))
      assert.include(error.message, "is declared more than once in provider alpha:cat's scope")
      assert.include(error.message, "also declared as cat.metrics (public.cat__metrics)")
    })))

  it.effect("leaves exactly one row per table when two reservations of the same scope race", () =>
    fresh(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [first, second] = yield* Effect.all([reserveFor(alpha, [Accounts, Metrics]), reserveFor(alpha, [Metrics, Accounts])], {
        concurrency: 2
      })
      assert.deepStrictEqual(first.map((row) => row.uid).sort(), second.map((row) => row.uid).sort())
      const [count] = yield* sql<{ readonly count: bigint }>`
        SELECT count(*) AS count FROM metatables.meta_tables WHERE role = 'application'`
      assert.strictEqual(count?.count, 2n)
    })))

  it.effect("finalizes verified tables to active at the resolved revision and reports the others", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const [accounts, metrics] = yield* reserveFor(alpha, [Accounts, Metrics])
      yield* createPhysicalTables([Accounts])
      const present = (table: typeof Accounts | typeof Metrics) => ({
        _tag: "Present" as const,
        contract: tableContract(table),
        contractHash: SqlCatalog.modelContractHash(table)
      })
      const report = yield* catalog.finalize({
        provider: alpha,
        revision: "0001",
        tables: [{ uid: accounts!.uid, expectation: present(Accounts) }, { uid: metrics!.uid, expectation: present(Metrics) }]
      })
      assert.isFalse(report.ok)
      assert.deepStrictEqual([report.activeCount, report.reservedCount, report.failedCount], [1, 1, 0])
      assert.deepStrictEqual(report.tables.map((entry) => [entry.tableName, entry.status, entry.finalized, entry.physicalTableExists]), [
        ["cat__accounts", "active", true, true],
        ["cat__metrics", "reserved", false, false]
      ])
      assert.strictEqual(report.tables[1]?.reason, "the table does not exist")
      const stored = yield* catalog.find("cat__accounts")
      assert.strictEqual(Option.getOrThrow(stored).appliedRevision, "0001")

      yield* createPhysicalTables([Metrics])
      const again = yield* catalog.finalize({
        provider: alpha,
        revision: "0002",
        tables: [{ uid: accounts!.uid, expectation: present(Accounts) }, { uid: metrics!.uid, expectation: present(Metrics) }]
      })
      assert.isTrue(again.ok)
      assert.deepStrictEqual(again.tables.map((entry) => [entry.previousStatus, entry.status]), [["active", "active"], ["reserved", "active"]])
    })))

  it.effect("finalizes a table where the expectation says it is, recording that physical name in the same row", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const [accounts] = yield* reserveFor(alpha, [Accounts])
      // As after a downgrade below a revision that renames cat__older to cat__accounts: the table has its older name.
      yield* sql`CREATE TABLE cat__older (uid uuid PRIMARY KEY, name text NOT NULL)`
      const location = { schema: "public", table: "cat__older" }
      const contract = { ...tableContract(Accounts), physical: { schema: "public", table_name: "cat__older" } }
      const expectation = { _tag: "Present" as const, contract, contractHash: "mt_cat_older", behind: "behind the head", location }
      const report = yield* catalog.finalize({ provider: alpha, revision: "0001", tables: [{ uid: accounts!.uid, expectation }] })
      assert.isTrue(report.ok)
      assert.deepStrictEqual(report.tables.map((entry) => [entry.uid, entry.schema, entry.tableName, entry.status]), [
        [accounts!.uid, "public", "cat__older", "active"]
      ])
      const row = Option.getOrThrow(yield* catalog.find(accounts!.uid))
      assert.deepStrictEqual([row.schema, row.tableName, row.status, row.statusReason, row.contract.physical.table_name], [
        "public",
        "cat__older",
        "active",
        "behind the head",
        "cat__older"
      ])
      // The next reservation points the row at the models' name again (a rename), the same uid.
      const [again] = yield* reserveFor(alpha, [Accounts])
      assert.deepStrictEqual([again!.uid, again!.tableName, again!.status], [accounts!.uid, "cat__accounts", "reserved"])
    })))

  it.effect("names each difference between a live table and its contract", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const [metrics] = yield* reserveFor(alpha, [Metrics])
      yield* sql`CREATE TABLE cat__metrics (time_index timestamptz NOT NULL, entity text, value double precision, extra int)`
      const report = yield* catalog.finalize({
        provider: alpha,
        revision: "0001",
        tables: [{
          uid: metrics!.uid,
          expectation: { _tag: "Present", contract: tableContract(Metrics), contractHash: SqlCatalog.modelContractHash(Metrics) }
        }]
      })
      assert.strictEqual(
        report.tables[0]?.reason,
        "column entity is text, the contract says VARCHAR(32); column entity is nullable, the contract says NOT NULL; " +
          "column extra not in the contract; no unique index covers the grain (time_index, entity)"
      )
      assert.strictEqual(report.tables[0]?.status, "reserved")
    })))

  it.effect("keeps a table that the revision does not create reserved, with the reason", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const [accounts] = yield* reserveFor(alpha, [Accounts])
      const report = yield* catalog.finalize({ provider: alpha, revision: null, tables: [{ uid: accounts!.uid, expectation: { _tag: "Absent" } }] })
      assert.strictEqual(report.tables[0]?.reason, "revision base does not create the table")
      assert.strictEqual(report.tables[0]?.status, "reserved")
    })))

  it.effect("resolves active tables and reports missing, not active and changed ones apart", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const [accounts, metrics] = yield* reserveFor(alpha, [Accounts, Metrics])
      yield* sql`UPDATE metatables.meta_tables SET status = 'active', contract_hash = ${SqlCatalog.modelContractHash(Accounts)} WHERE uid = ${accounts!.uid}`
      const resolution = yield* catalog.resolveActive([Accounts, Metrics, MetricsTwin])
      assert.deepStrictEqual(resolution.active.map((entry) => entry.row.uid), [accounts!.uid])
      assert.deepStrictEqual(resolution.notActive.map((entry) => entry.row.uid), [metrics!.uid])
      assert.deepStrictEqual(resolution.missing, [MetricsTwin])
      yield* sql`UPDATE metatables.meta_tables SET contract_hash = 'mt_cat_older' WHERE uid = ${accounts!.uid}`
      const changed = yield* catalog.resolveActive([Accounts])
      assert.strictEqual(changed.mismatched[0]?.row.contractHash, "mt_cat_older")
      assert.strictEqual(changed.mismatched[0]?.modelContractHash, SqlCatalog.modelContractHash(Accounts))
    })))

  it.effect("reads a row finalized before the contract followed the SDK's layout, and still resolves it", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const [metrics] = yield* reserveFor(alpha, [Metrics])
      // The document tableContract wrote before issue 16: table_kind and time_indexed at the top level on every
      // table, every column's real server default (or null) in server_default.
      const model = tableContract(Metrics)
      const legacy = {
        version: model.version,
        physical: model.physical,
        table_kind: "time_indexed",
        columns: model.columns.map((column) => ({
          name: column.name,
          data_type: column.data_type,
          backend_type: column.backend_type,
          nullable: column.nullable,
          primary_key: column.primary_key,
          unique: column.unique,
          server_default: contractServerDefault(model, column.name),
          label: column.label,
          description: column.description
        })),
        time_indexed: { time_index_name: "time_index", index_names: ["time_index", "entity"], cadence: null }
      }
      yield* sql`UPDATE metatables.meta_tables SET status = 'active', contract = ${JSON.stringify(legacy)}::jsonb,
        contract_hash = ${SqlCatalog.modelContractHash(Metrics)} WHERE uid = ${metrics!.uid}`
      const resolution = yield* catalog.resolveActive([Metrics])
      assert.deepStrictEqual(resolution.active.map((entry) => entry.row.uid), [metrics!.uid])
      assert.deepStrictEqual(resolution.active[0]?.row.contract, {
        ...model,
        authoring: { ...model.authoring, table_model: { kind: "drizzle" } }
      })
      // A problem in a row of the earlier layout is named at its own field too.
      yield* sql`UPDATE metatables.meta_tables SET contract = jsonb_set(contract, '{table_kind}', '"view"')
        WHERE uid = ${metrics!.uid}`
      const invalid = yield* Effect.flip(catalog.find("cat__metrics"))
      assert.instanceOf(invalid, InvalidCatalogRowError)
      if (invalid instanceof InvalidCatalogRowError) assert.strictEqual(invalid.field, "contract.table_kind")
    })))

  it.effect("refuses to mark a protected table deleted and marks others", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const [accounts, metrics] = yield* reserveFor(alpha, [Accounts, Metrics])
      const protectedError = yield* Effect.flip(catalog.markDeleted(accounts!.uid))
      assert.strictEqual(protectedError._tag, "DeletionProtectedError")
      assert.include(protectedError.message, "public.cat__accounts (cat.accounts")
      assert.strictEqual((yield* catalog.markDeleted(metrics!.uid)).status, "deleted")
      const missing = yield* Effect.flip(catalog.markDeleted("00000000-0000-4000-8000-000000000000"))
      assert.strictEqual(missing._tag, "CatalogTableNotFoundError")
    })))

  it.effect("lists rows and finds them by uid, physical name and identifier", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const [accounts] = yield* reserveFor(alpha, [Accounts])
      const listed = yield* catalog.list
      assert.deepStrictEqual(listed.map((row) => row.tableName), ["alpha__alembic_version", "cat__accounts"])
      for (const reference of [accounts!.uid, accounts!.uid.toUpperCase(), "cat__accounts", "public.cat__accounts", "cat.accounts"]) {
        assert.strictEqual(Option.getOrThrow(yield* catalog.find(reference)).uid, accounts!.uid, reference)
      }
      assert.isTrue(Option.isNone(yield* catalog.find("nothing")))
    })))

  it.effect("names the table and column of a row it did not write, instead of returning it", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      const sql = yield* SqlClient.SqlClient
      const [accounts] = yield* reserveFor(alpha, [Accounts])
      yield* sql`UPDATE metatables.meta_tables SET labels = '{"not": "a list"}'::jsonb WHERE uid = ${accounts!.uid}`
      const labels = yield* Effect.flip(catalog.list)
      assert.instanceOf(labels, InvalidCatalogRowError)
      if (labels instanceof InvalidCatalogRowError) {
        assert.strictEqual(labels.table, "metatables.meta_tables")
        assert.strictEqual(labels.field, "labels")
      }
      yield* sql`UPDATE metatables.meta_tables SET labels = '[]'::jsonb,
        contract = jsonb_set(contract, '{version}', '"relational-table.v0"') WHERE uid = ${accounts!.uid}`
      const contract = yield* Effect.flip(catalog.find("cat__accounts"))
      assert.instanceOf(contract, InvalidCatalogRowError)
      if (contract instanceof InvalidCatalogRowError) {
        assert.strictEqual(contract.field, "contract.version")
        assert.include(contract.message, "A row of metatables.meta_tables has an invalid contract.version")
      }
    })))

  it.effect("keeps credential lifetimes between 60 and 3600 seconds", () =>
    fresh(Effect.gen(function*() {
      const catalog = yield* Catalog
      for (const ttlSeconds of [59, 3601, 1.5]) {
        const error = yield* Effect.flip(catalog.migrationCredential(alpha, { ttlSeconds }))
        assert.strictEqual(error._tag, "CredentialError")
        assert.include(error.message, `cannot live ${ttlSeconds} seconds: choose 60 to 3600 seconds`)
      }
    })))
})
