/**
 * The catalog's own tables, created and evolved by an internal, versioned migration on first use.
 *
 * Each version is applied once, in order, inside one transaction that holds an advisory lock on the catalog
 * schema, so two processes starting at once serialize: the second finds the work done.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { describeSqlFailure, formatSqlFailure } from "../db/SqlFailure.ts"
import { CatalogStorageError, InvalidCatalogSchemaError } from "./CatalogErrors.ts"

export const DEFAULT_CATALOG_SCHEMA = "metatables"

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** The catalog schema, if it is a plain lower-case identifier (it is spliced into SQL, quoted). */
export const validateCatalogSchema = (schema: string): Effect.Effect<string, InvalidCatalogSchemaError> =>
  IDENTIFIER.test(schema) ? Effect.succeed(schema) : Effect.fail(new InvalidCatalogSchemaError({ schema }))

interface CatalogMigration {
  readonly version: number
  readonly description: string
  readonly statements: (schema: string) => ReadonlyArray<string>
}

/** Every version of the catalog's tables, oldest first. Never edit a released version; add one. */
export const catalogMigrations: ReadonlyArray<CatalogMigration> = [
  {
    version: 1,
    description: "data sources and meta tables",
    statements: (s) => [
      `CREATE TABLE "${s}".data_sources (
        uid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        backend text NOT NULL CHECK (backend IN ('postgres', 'pglite')),
        database_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE "${s}".meta_tables (
        uid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        data_source_uid uuid NOT NULL REFERENCES "${s}".data_sources (uid),
        identifier text NOT NULL,
        namespace text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('relational', 'time-indexed')),
        role text NOT NULL CHECK (role IN ('application', 'version-registry')),
        physical_schema text NOT NULL,
        physical_table text NOT NULL,
        status text NOT NULL CHECK (status IN ('reserved', 'active', 'failed', 'deleted')),
        status_reason text,
        contract jsonb NOT NULL,
        contract_hash text NOT NULL,
        provider_key text,
        version_registry_uid uuid REFERENCES "${s}".meta_tables (uid),
        applied_revision text,
        protect_from_deletion boolean NOT NULL DEFAULT false,
        description text NOT NULL,
        labels jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT meta_tables_physical_key UNIQUE (data_source_uid, physical_schema, physical_table),
        CONSTRAINT meta_tables_identifier_key UNIQUE (namespace, identifier)
      )`,
      `CREATE INDEX meta_tables_provider_idx ON "${s}".meta_tables (provider_key)`
    ]
  },
  {
    version: 2,
    description: "data node updates, runs and watermarks",
    statements: (s) => [
      // One row per node identity and output table: a table deleted and created again gets a new uid, and
      // the node starts over with it (its old watermarks describe rows that are gone).
      `CREATE TABLE "${s}".data_node_updates (
        uid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        update_hash text NOT NULL,
        kind text NOT NULL,
        meta_table_uid uuid NOT NULL REFERENCES "${s}".meta_tables (uid),
        hash_namespace text,
        configuration jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT data_node_updates_identity_key UNIQUE (update_hash, meta_table_uid)
      )`,
      `CREATE TABLE "${s}".data_node_runs (
        uid uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        update_uid uuid NOT NULL REFERENCES "${s}".data_node_updates (uid) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
        forced boolean NOT NULL DEFAULT false,
        attempts integer NOT NULL DEFAULT 1,
        batches integer NOT NULL DEFAULT 0,
        rows_inserted bigint NOT NULL DEFAULT 0,
        rows_updated bigint NOT NULL DEFAULT 0,
        rows_unchanged bigint NOT NULL DEFAULT 0,
        error jsonb,
        started_at timestamptz NOT NULL,
        finished_at timestamptz
      )`,
      `CREATE INDEX data_node_runs_update_idx ON "${s}".data_node_runs (update_uid, started_at DESC)`,
      // The entity key is the JSON array of the entity's grain values as text (`[]` when the grain is the
      // time index alone), so integer, uuid and text entities compare exactly whatever type they arrived as.
      `CREATE TABLE "${s}".data_node_watermarks (
        update_uid uuid NOT NULL REFERENCES "${s}".data_node_updates (uid) ON DELETE CASCADE,
        entity_key text NOT NULL,
        entity jsonb NOT NULL,
        first_time_index timestamptz NOT NULL,
        last_time_index timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (update_uid, entity_key)
      )`
    ]
  }
]

export const CATALOG_VERSION = catalogMigrations.at(-1)!.version

const storageFailure = (operation: string) => (error: SqlError) =>
  new CatalogStorageError({ operation, detail: formatSqlFailure(describeSqlFailure(error)) })

/** The newest applied version, or 0 when the catalog does not exist yet (read without locking). */
export const appliedCatalogVersion = (schema: string): Effect.Effect<number, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const [ledger] = yield* sql<{ readonly exists: boolean }>`
      SELECT to_regclass(${`"${schema}".catalog_migrations`}) IS NOT NULL AS exists`
    if (ledger?.exists !== true) return 0
    const [row] = yield* sql.unsafe<{ readonly version: number | null }>(
      `SELECT max(version) AS version FROM "${schema}".catalog_migrations`
    )
    return row?.version ?? 0
  })

/** SQLSTATEs of "it exists already": unique_violation, duplicate_object, duplicate_schema, duplicate_table. */
const ALREADY_EXISTS = new Set(["23505", "42710", "42P06", "42P07"])

const upgradeUnderLock = (schema: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.gen(function*() {
      yield* sql`SELECT pg_advisory_xact_lock(hashtextextended(${`metatables/catalog/${schema}`}, 0))`
      yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
      yield* sql.unsafe(`CREATE TABLE IF NOT EXISTS "${schema}".catalog_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`)
      const current = yield* appliedCatalogVersion(schema)
      for (const migration of catalogMigrations.filter((candidate) => candidate.version > current)) {
        for (const statement of migration.statements(schema)) yield* sql.unsafe(statement)
        yield* sql.unsafe(
          `INSERT INTO "${schema}".catalog_migrations (version, description) VALUES ($1, $2)`,
          [migration.version, migration.description]
        )
      }
    }))
  })

/**
 * Creates or upgrades the catalog's tables in `schema`; a no-op when they are current.
 *
 * A process that waited for the lock may still find the other's objects "missing": advisory locks do not
 * make PostgreSQL refresh its catalog cache, so `IF NOT EXISTS` can look at a stale one. Such a conflict
 * means the other process did the work; one retry, in a new transaction, sees it.
 */
export const ensureCatalogSchema = (
  schema: string
): Effect.Effect<void, CatalogStorageError | InvalidCatalogSchemaError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    yield* validateCatalogSchema(schema)
    if ((yield* appliedCatalogVersion(schema)) >= CATALOG_VERSION) return
    yield* upgradeUnderLock(schema).pipe(
      Effect.catchIf(
        (error) => ALREADY_EXISTS.has(describeSqlFailure(error).code ?? ""),
        () => upgradeUnderLock(schema)
      )
    )
  }).pipe(Effect.catchTag("SqlError", (error) => Effect.fail(storageFailure("create or upgrade its tables")(error))))
