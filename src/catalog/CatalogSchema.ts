/**
 * The catalog's own tables, created and evolved on first use by effect/sql's `Migrator`, whose ledger
 * (`effect_sql_migrations`) lives in the catalog schema beside them.
 *
 * Concurrent first use is safe: on PostgreSQL the Migrator applies the pending versions in one transaction that
 * first takes `LOCK TABLE <ledger> IN ACCESS EXCLUSIVE MODE`, so a second process waits, then reads the ledger
 * afresh and finds nothing left to do (a relation lock, unlike an advisory lock, also refreshes the waiting
 * session's view of the system catalogs). Creating the schema and the ledger table comes before that lock and
 * tolerates another process creating them at the same moment.
 *
 * Catalogs made before the Migrator recorded their versions in `catalog_migrations`. A version found there is
 * adopted: the Migrator records it without running its statements, so such a catalog carries forward with every
 * row. That ledger is left in place, unchanged, and still counts when reading the catalog's version.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { quoteIdentifier } from "../db/SqlText.ts"
import { CatalogStorageError, type InvalidCatalogRowError, InvalidCatalogSchemaError } from "./CatalogErrors.ts"
import { decodeCatalogRows } from "./internal/catalogRows.ts"

export const DEFAULT_CATALOG_SCHEMA = "metatables"

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** The catalog schema, if it is a plain lower-case identifier (it is spliced into SQL, quoted). */
export const validateCatalogSchema = (schema: string): Effect.Effect<string, InvalidCatalogSchemaError> =>
  IDENTIFIER.test(schema) ? Effect.succeed(schema) : Effect.fail(new InvalidCatalogSchemaError({ schema }))

export interface CatalogMigration {
  readonly version: number
  /** The Migrator's name for the version (its ledger keeps it beside the number). */
  readonly name: string
  readonly statements: (schema: string) => ReadonlyArray<string>
}

/** Every version of the catalog's tables, oldest first. Never edit a released version; add one. */
export const catalogMigrations: ReadonlyArray<CatalogMigration> = [
  {
    version: 1,
    name: "data_sources_and_meta_tables",
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
    name: "data_node_updates_runs_and_watermarks",
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
  },
  {
    version: 3,
    name: "data_node_run_leases_and_backfills",
    statements: (s) => [
      // A run whose process is gone is `abandoned`: the next run of its node records it so.
      `ALTER TABLE "${s}".data_node_runs DROP CONSTRAINT data_node_runs_status_check`,
      `ALTER TABLE "${s}".data_node_runs ADD CONSTRAINT data_node_runs_status_check
        CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'abandoned'))`,
      // The lease: which process runs it ({pid, host, processStartedAt}) and when it last said it was alive.
      `ALTER TABLE "${s}".data_node_runs ADD COLUMN holder jsonb`,
      `ALTER TABLE "${s}".data_node_runs ADD COLUMN heartbeat_at timestamptz`,
      // What the run covered: an ordinary run, or a backfill over a range ({from, to, entities, completedThrough}).
      `ALTER TABLE "${s}".data_node_runs ADD COLUMN mode text NOT NULL DEFAULT 'run' CHECK (mode IN ('run', 'backfill'))`,
      `ALTER TABLE "${s}".data_node_runs ADD COLUMN as_of timestamptz`,
      `ALTER TABLE "${s}".data_node_runs ADD COLUMN backfill jsonb`
    ]
  }
]

export const CATALOG_VERSION = catalogMigrations.at(-1)!.version

/** The Migrator's ledger of applied versions, in the catalog schema. */
const LEDGER = "effect_sql_migrations"
/** The ledger of the hand-written runner that preceded the Migrator (columns `version`, `description`). */
const LEGACY_LEDGER = "catalog_migrations"

const qualified = (schema: string, table: string): string => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`

/** The newest version each ledger records, 0 for a ledger that does not exist (read without locking). */
const recordedVersions = Effect.fn("CatalogSchema.recordedVersions")(function*(schema: string) {
  const sql = yield* SqlClient.SqlClient
  const [presence] = yield* sql<{ readonly ledger: boolean; readonly legacy: boolean }>`
    SELECT to_regclass(${qualified(schema, LEDGER)}) IS NOT NULL AS ledger,
      to_regclass(${qualified(schema, LEGACY_LEDGER)}) IS NOT NULL AS legacy`
  const newest = (exists: boolean, column: string, table: string) =>
    exists
      ? sql.unsafe(`SELECT max(${column}) AS ${column} FROM ${qualified(schema, table)}`).pipe(
        Effect.flatMap(decodeCatalogRows(Schema.Struct({ [column]: Schema.NullOr(Schema.Int) }), `${schema}.${table}`)),
        Effect.map(([row]) => row?.[column] ?? 0)
      )
      : Effect.succeed(0)
  return {
    ledger: yield* newest(presence?.ledger === true, "migration_id", LEDGER),
    legacy: yield* newest(presence?.legacy === true, "version", LEGACY_LEDGER)
  }
})

/** The newest applied version, or 0 when the catalog does not exist yet (read without locking). */
export const appliedCatalogVersion = Effect.fn("CatalogSchema.appliedCatalogVersion")(function*(
  schema: string
): Effect.fn.Return<number, SqlError | InvalidCatalogRowError, SqlClient.SqlClient> {
  const { ledger, legacy } = yield* recordedVersions(schema)
  return Math.max(ledger, legacy)
})

/**
 * One version as a Migrator migration: its statements, unless the runner before the Migrator applied them.
 * It runs in the Migrator's transaction, after its lock, so the check and the statements see one state.
 */
const migrationEffect = Effect.fn("CatalogSchema.migrate")(function*(schema: string, migration: CatalogMigration) {
  const { legacy } = yield* recordedVersions(schema)
  if (migration.version <= legacy) return
  const sql = yield* SqlClient.SqlClient
  for (const statement of migration.statements(schema)) yield* sql.unsafe(statement)
})

const loader = (schema: string): Migrator.Loader =>
  Migrator.fromRecord(Object.fromEntries(
    catalogMigrations.map((migration) => [`${migration.version}_${migration.name}`, migrationEffect(schema, migration)])
  ))

const runMigrator = Migrator.make({})

/**
 * `CREATE SCHEMA IF NOT EXISTS` can still fail when another session creates the schema at the same moment
 * (both pass the check, one insert wins); the schema being there afterwards is all that matters.
 */
const createSchema = Effect.fn("CatalogSchema.createSchema")(function*(schema: string) {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`).pipe(
    Effect.catch((error) =>
      Effect.flatMap(
        sql<{ readonly present: boolean }>`SELECT to_regnamespace(${quoteIdentifier(schema)}) IS NOT NULL AS present`,
        ([row]) => row?.present === true ? Effect.void : Effect.fail(error)
      )
    )
  )
})

/** Creates or upgrades the catalog's tables in `schema`; a no-op when the Migrator's ledger is current. */
export const ensureCatalogSchema = Effect.fn("CatalogSchema.ensureCatalogSchema")(function*(schema: string) {
  yield* validateCatalogSchema(schema)
  if ((yield* recordedVersions(schema)).ledger >= CATALOG_VERSION) return
  yield* createSchema(schema)
  yield* runMigrator({ loader: loader(schema), table: `${schema}.${LEDGER}` })
},
  Effect.mapError((error) =>
    error._tag === "SqlError" || error._tag === "MigrationError"
      ? new CatalogStorageError({ operation: "create or upgrade its tables", cause: error })
      : error
  )
)
