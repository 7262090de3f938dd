/**
 * `startEngine` on both backends: it attaches to active tables and provides their bindings, refuses in one
 * error every table that is missing, reserved, changed since its migration, drifted or declared twice, and
 * never changes the database (no DDL, no catalog rows), which an event trigger proves on the server.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, integer, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import {
  CatalogNotReadyError,
  Engine,
  EngineAttachError,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable,
  startEngine
} from "../../src/index.ts"
import { deployTables, reserveTables } from "../support/deploy.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Quotes extends PlatformTimeIndexMetaTable<Quotes>()({
  name: "eng__quotes",
  namespace: "engine-tests",
  identifier: "engine_tests.quotes",
  description: "Quotes for the startEngine tests.",
  indexNames: ["time_index", "symbol"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    symbol: varchar({ length: 16 }).notNull(),
    price: doublePrecision().notNull()
  },
  columnInfo: { timeIndex: info("Time"), symbol: info("Symbol"), price: info("Price") }
}) {}

/** Quotes as the code now declares them: a column more than what was migrated. */
class QuotesChanged extends PlatformTimeIndexMetaTable<QuotesChanged>()({
  name: "eng__quotes",
  namespace: "engine-tests",
  identifier: "engine_tests.quotes",
  description: "Quotes for the startEngine tests.",
  indexNames: ["time_index", "symbol"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    symbol: varchar({ length: 16 }).notNull(),
    price: doublePrecision().notNull(),
    size: integer()
  },
  columnInfo: { timeIndex: info("Time"), symbol: info("Symbol"), price: info("Price"), size: info("Size") }
}) {}

class Desks extends PlatformManagedMetaTable<Desks>()({
  name: "eng__desks",
  namespace: "engine-tests",
  identifier: "engine_tests.desks",
  description: "Desks for the startEngine tests.",
  columns: { uid: uuid().primaryKey(), name: varchar({ length: 64 }).notNull() },
  columnInfo: { uid: info("UID"), name: info("Name") }
}) {}

class Trades extends PlatformTimeIndexMetaTable<Trades>()({
  name: "eng__trades",
  namespace: "engine-tests",
  identifier: "engine_tests.trades",
  description: "Trades for the startEngine tests.",
  indexNames: ["time_index", "desk_uid"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    deskUid: uuid("desk_uid").notNull(),
    notional: doublePrecision().notNull()
  },
  columnInfo: { timeIndex: info("Time"), deskUid: info("Desk"), notional: info("Notional") }
}) {}

class Fills extends PlatformTimeIndexMetaTable<Fills>()({
  name: "eng__fills",
  namespace: "engine-tests",
  identifier: "engine_tests.fills",
  description: "Fills for the startEngine tests: never migrated.",
  columns: { timeIndex: timestamp("time_index", { withTimezone: true }).notNull() },
  columnInfo: { timeIndex: info("Time") }
}) {}

/** Everything about the database that DDL or registration would change: relations, columns, catalog rows. */
const databaseShape = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const relations = yield* sql<{ readonly shape: string }>`
    SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' ||
      (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS shape
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1`
  const rows = yield* sql<{ readonly shape: string }>`
    SELECT 'meta_tables ' || count(*) || ' ' || coalesce(max(updated_at)::text, '') AS shape FROM metatables.meta_tables
    UNION ALL SELECT 'data_sources ' || count(*) FROM metatables.data_sources
    UNION ALL SELECT 'updates ' || count(*) FROM metatables.data_node_updates`
  return [...relations, ...rows].map((row) => row.shape)
})

const attach = <const T extends ReadonlyArray<Parameters<typeof startEngine>[0]["tables"][number]>>(tables: T) =>
  Effect.provide(Engine, startEngine({ tables }))

describeBackends("startEngine", (it, backend) => {
  it.effect("attaches active tables and provides their bindings", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const [quotes, desks] = yield* deployTables([Quotes, Desks])
      const program = Effect.gen(function*() {
        const engine = yield* Engine
        const binding = yield* Quotes
        const deskBinding = yield* Desks
        return { engine, binding, deskBinding }
      })
      const { binding, deskBinding, engine } = yield* Effect.provide(program, startEngine({ tables: [Quotes, Desks, Quotes] }))
      assert.strictEqual(binding.uid, quotes!.uid)
      assert.strictEqual(binding.status, "active")
      assert.strictEqual(deskBinding.uid, desks!.uid)
      assert.deepStrictEqual([...engine.tables.keys()], ["public.eng__quotes", "public.eng__desks"])
      assert.strictEqual(engine.tables.get("public.eng__quotes")?.shape?.grain.map((column) => column.key).join(), "timeIndex,symbol")
      assert.isUndefined(engine.tables.get("public.eng__desks")?.shape, "a relational table has no row shape")
    }))

  it.effect("refuses, in one error, every table that is missing, reserved, changed, drifted or declared twice", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      yield* deployTables([Quotes, Desks])
      yield* reserveTables([Trades])
      yield* sql.unsafe(`ALTER TABLE "eng__desks" ADD COLUMN "extra" text`)
      const before = yield* databaseShape

      const error = yield* Effect.flip(attach([QuotesChanged, Desks, Trades, Fills]))
      assert.instanceOf(error, EngineAttachError)
      if (!(error instanceof EngineAttachError)) return
      const byTable = new Map(error.refusals.map((refusal) => [refusal.table, refusal]))
      assert.strictEqual(byTable.get("public.eng__fills")?.problem, "missing")
      assert.strictEqual(byTable.get("public.eng__trades")?.problem, "not-active")
      assert.strictEqual(byTable.get("public.eng__trades")?.status, "reserved")
      assert.strictEqual(byTable.get("public.eng__quotes")?.problem, "changed")
      assert.deepStrictEqual(byTable.get("public.eng__quotes")?.details, ["column size was added"])
      assert.strictEqual(byTable.get("public.eng__desks")?.problem, "drift")
      assert.deepStrictEqual(byTable.get("public.eng__desks")?.details, ["column extra not in the contract"])
      assert.strictEqual(error.requested, 4)
      assert.include(error.message, "startEngine cannot attach 4 of 4 storage tables")
      assert.include(error.message, "engine_tests.fills (public.eng__fills) has no catalog row: it was never migrated")
      assert.include(error.message, "engine_tests.trades (public.eng__trades) is reserved in the catalog, not active")
      assert.include(error.message, "metatables migrations revision")
      assert.include(error.message, "metatables migrations check")

      const duplicate = yield* Effect.flip(attach([Quotes, QuotesChanged]))
      assert.instanceOf(duplicate, EngineAttachError)
      if (duplicate instanceof EngineAttachError) {
        assert.deepStrictEqual(duplicate.refusals.map((refusal) => refusal.problem), ["duplicate"])
        assert.include(duplicate.message, "is given by two different storage table classes")
      }
      assert.deepStrictEqual(yield* databaseShape, before, "refusing changed nothing")
    }))

  it.effect("refuses a database without a current catalog, and creates none", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      const error = yield* Effect.flip(attach([Quotes]))
      assert.instanceOf(error, CatalogNotReadyError)
      const [schema] = yield* sql<{ readonly present: boolean }>`SELECT to_regnamespace('metatables') IS NOT NULL AS present`
      assert.isFalse(schema?.present)
    }))

  it.effect("issues no DDL and writes no catalog row while attaching", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      const sql = yield* SqlClient.SqlClient
      yield* deployTables([Quotes, Desks])
      // Event triggers need a server (PGlite runs PostgreSQL in single-user mode, where they are disabled).
      if (backend === "postgres") {
        yield* sql.unsafe("CREATE TABLE public.ddl_log (tag text NOT NULL, happened_at timestamptz DEFAULT now())")
        yield* sql.unsafe(`CREATE FUNCTION public.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
          BEGIN INSERT INTO public.ddl_log (tag) VALUES (tg_tag); END $$`)
        yield* sql.unsafe("CREATE EVENT TRIGGER log_ddl ON ddl_command_start EXECUTE FUNCTION public.log_ddl()")
      }
      const before = yield* databaseShape
      yield* Effect.provide(Effect.void, startEngine({ tables: [Quotes, Desks] }))
      yield* Effect.flip(attach([Quotes, Trades]))
      assert.deepStrictEqual(yield* databaseShape, before)
      if (backend === "postgres") {
        // The probe itself works: DDL after the trigger is logged.
        yield* sql.unsafe("CREATE TABLE public.ddl_probe (id int)")
        const logged = yield* sql<{ readonly tag: string }>`SELECT tag FROM public.ddl_log ORDER BY happened_at`
        yield* sql.unsafe("DROP EVENT TRIGGER log_ddl")
        assert.deepStrictEqual(logged.map((row) => row.tag), ["CREATE TABLE"], "only the probe's DDL was logged")
      }
    }))
})

