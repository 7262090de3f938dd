/**
 * A trace of an upgrade shows its steps: the catalog created, the provider's registry and tables reserved, the
 * migration lock taken on the administrator's connection, a migration credential issued under it (its owner
 * role serialized by a transaction lock), the credential revoked and the tables finalized against the live
 * database.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { text, uuid } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import {
  buildMigrationProvider,
  buildVersionMetaTable,
  createRevision,
  loadRevisions,
  migrateProvider,
  PlatformManagedMetaTable
} from "../../src/index.ts"
import { scratchDirectory } from "../support/revisions.ts"
import { recordSpans, spanNames } from "../support/SpanRecorder.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

class Gauges extends PlatformManagedMetaTable<Gauges>()({
  name: "spans__gauges",
  namespace: "spans",
  identifier: "spans.gauges",
  description: "Gauges of the span tests.",
  columns: { uid: uuid().primaryKey(), label: text().notNull() },
  columnInfo: { uid: { label: "UID", description: "UID." }, label: { label: "Label", description: "Label." } }
}) {}

const PREFIXES = [
  "SqlCatalog.",
  "CatalogSchema.ensureCatalogSchema",
  "Catalog.",
  "MigrationCredentials.issue",
  "MigrationCredentials.revoke",
  "AdvisoryLock.",
  "TableIntrospection."
]

describeBackends("the trace of an upgrade", (it, backend) => {
  it.effect("shows each step in order", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const migration = buildMigrationProvider({
        package: "spans",
        migrationNamespace: "spans",
        scriptLocation: scratchDirectory(),
        versionRegistry: buildVersionMetaTable({
          namespace: "spans",
          identifier: "spans.alembic_version",
          tableName: "spans__alembic_version"
        }),
        tables: [Gauges]
      })
      yield* createRevision({
        loaded: yield* loadRevisions(migration.versionLocations),
        directory: migration.versionLocations[0]!,
        tables: [Gauges],
        message: "initial",
        autogenerate: true,
        renames: []
      })
      const { result, spans } = yield* recordSpans(
        migrateProvider(migration, { target: "head", direction: "upgrade" }).pipe(Effect.provide(SqlCatalog.layer()))
      )
      assert.isTrue(result.ok)
      assert.deepStrictEqual(spanNames(spans, PREFIXES), [
        // The catalog's tables, created on first use.
        "SqlCatalog.make",
        "CatalogSchema.ensureCatalogSchema",
        // The lifecycle: registry, reservation, the lock, the credential and the apply under it, then finalize.
        "Catalog.ensureVersionRegistry",
        "Catalog.reserve",
        // The provider's rows, for the tables its models no longer list.
        "Catalog.list",
        "AdvisoryLock.holdAdvisoryLock",
        "Catalog.migrationCredential",
        "MigrationCredentials.issue",
        // A server's credential needs the provider's owner role, created under a transaction lock; the
        // embedded database has no roles.
        ...(backend === "postgres" ? ["AdvisoryLock.advisoryTransactionLock"] : []),
        "MigrationCredentials.revoke",
        "Catalog.finalize",
        "TableIntrospection.introspectTables",
        "Catalog.list"
      ])
      const parentOf = (name: string) => spans.find((span) => span.name === name)?.ancestors[0]
      assert.strictEqual(parentOf("MigrationCredentials.issue"), "Catalog.migrationCredential")
      assert.strictEqual(parentOf("TableIntrospection.introspectTables"), "Catalog.finalize")
      if (backend === "postgres") {
        const lock = spans.find((span) => span.name === "AdvisoryLock.advisoryTransactionLock")
        assert.isTrue(lock?.ancestors.includes("MigrationCredentials.ensureOwner"), String(lock?.ancestors))
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
