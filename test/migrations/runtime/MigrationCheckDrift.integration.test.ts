/**
 * `check` sees every drift from what the revisions made (issue 12 item 7), on both backends. A model with
 * defaults of every spelling, an identity and a generated column, a NULLS NOT DISTINCT unique key, a foreign
 * key with an action, plain, partial, descending, operator-class and expression indexes, checks (one PostgreSQL
 * rewrites), an enum and a sequence deploys clean; then each change made by hand is reported: a default, an
 * identity dropped, a unique key re-made without NULLS NOT DISTINCT, a foreign key's ON DELETE, an index
 * re-created on other columns, in the other order or with the default operator class, a CHECK, an index nobody
 * declared, an enum value and a sequence's increment. A database behind the history's heads, or never
 * migrated, fails; a history of two heads, both applied, is clean.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { sql as drizzleSql } from "drizzle-orm"
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgSequence,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  varchar
} from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { applyMigration } from "../../../src/migrations/runtime/MigrationApply.ts"
import { checkMigrations } from "../../../src/migrations/runtime/MigrationCheck.ts"
import { createRevision } from "../../../src/migrations/files/RevisionAuthoring.ts"
import { loadRevisions } from "../../../src/migrations/files/RevisionLoader.ts"
import { scratchDirectory, writeRevision } from "../../support/revisions.ts"
import { describeBackends, resetDatabase } from "../../support/TestDatabase.ts"

const state = pgEnum("drift_state", ["open", "closed"])
const ticketNumbers = pgSequence("drift_ticket_seq", { startWith: 100, increment: 1 })

const owners = pgTable("drift_owners", { id: integer().primaryKey() })

const tickets = pgTable("drift_tickets", {
  id: integer().primaryKey(),
  owner: integer().references(() => owners.id, { onDelete: "cascade" }),
  title: varchar({ length: 80 }).notNull().default("untitled 'draft'"),
  kind: text().notNull().default("bug"),
  state: state().notNull().default("open"),
  meta: jsonb().default({ tags: ["a"], note: "it's" }),
  price: numeric({ precision: 10, scale: 2 }).default("1.50"),
  urgent: boolean().notNull().default(false),
  number: integer().default(drizzleSql`nextval('drift_ticket_seq')`),
  opened: timestamp({ withTimezone: true }).defaultNow(),
  code: varchar({ length: 16 }).unique("uq_drift_tickets_code", { nulls: "not distinct" }),
  serial: integer().generatedAlwaysAsIdentity(),
  doubled: numeric().generatedAlwaysAs(drizzleSql`price * 2`)
}, (table) => [
  index("ix_drift_tickets_state").on(table.state, table.owner),
  index("ix_drift_tickets_urgent").on(table.opened).where(drizzleSql`${table.urgent} = true`),
  uniqueIndex("uix_drift_tickets_title").using("btree", drizzleSql`lower(${table.title})`),
  index("ix_drift_tickets_recent").on(table.opened.desc()),
  index("ix_drift_tickets_kind_pattern").using("btree", table.kind.op("text_pattern_ops")),
  check("kind_known", drizzleSql`${table.kind} in ('bug', 'feature')`),
  check("price_positive", drizzleSql`${table.price} > 0`)
])

const models = [owners, tickets, state, ticketNumbers]
const versionTable = { schema: "public", table: "drift__alembic_version" }

const deploy = Effect.gen(function*() {
  yield* resetDatabase
  const directory = scratchDirectory()
  const written = yield* createRevision({
    loaded: yield* loadRevisions([directory]),
    directory,
    tables: models,
    message: "initial",
    autogenerate: true,
    renames: []
  })
  assert.strictEqual(written._tag, "Written")
  const loaded = yield* loadRevisions([directory])
  yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, { providerKey: "drift:drift", versionTable })
  return { directory, loaded }
})

describeBackends("check sees every drift", (it) => {
  it.effect("is clean after the upgrade, then reports each hand-made drift", () =>
    Effect.gen(function*() {
      const { loaded } = yield* deploy
      const request = { loaded, tables: models, versionTable }
      const clean = yield* checkMigrations(request)
      assert.deepStrictEqual(
        { ok: clean.ok, atHeads: clean.atHeads, drift: clean.drift, pending: clean.pendingModelChanges, notes: clean.notes },
        { ok: true, atHeads: true, drift: [], pending: [], notes: [] }
      )

      const sql = yield* SqlClient.SqlClient
      yield* sql`ALTER TABLE drift_tickets ALTER COLUMN kind SET DEFAULT 'feature'`
      yield* sql`ALTER TABLE drift_tickets ALTER COLUMN serial DROP IDENTITY`
      yield* sql`ALTER TABLE drift_tickets DROP CONSTRAINT uq_drift_tickets_code`
      yield* sql`ALTER TABLE drift_tickets ADD CONSTRAINT uq_drift_tickets_code UNIQUE (code)`
      const [fk] = yield* sql<{ readonly name: string }>`
        SELECT conname AS "name" FROM pg_constraint WHERE conrelid = 'drift_tickets'::regclass AND contype = 'f'`
      yield* sql.unsafe(`ALTER TABLE drift_tickets DROP CONSTRAINT "${fk!.name}"`)
      yield* sql.unsafe(
        `ALTER TABLE drift_tickets ADD CONSTRAINT "${fk!.name}" FOREIGN KEY (owner) REFERENCES drift_owners (id) ON DELETE SET NULL`
      )
      yield* sql`DROP INDEX ix_drift_tickets_state`
      yield* sql`CREATE INDEX ix_drift_tickets_state ON drift_tickets (opened)`
      yield* sql`ALTER TABLE drift_tickets DROP CONSTRAINT ck__drift_tickets__kind_known`
      yield* sql`ALTER TABLE drift_tickets ADD CONSTRAINT ck__drift_tickets__kind_known CHECK (kind IN ('bug', 'feature', 'chore'))`
      yield* sql`CREATE INDEX ix_nobody_declared ON drift_tickets (price)`
      yield* sql`DROP INDEX ix_drift_tickets_recent`
      yield* sql`CREATE INDEX ix_drift_tickets_recent ON drift_tickets (opened)`
      yield* sql`DROP INDEX ix_drift_tickets_kind_pattern`
      yield* sql`CREATE INDEX ix_drift_tickets_kind_pattern ON drift_tickets (kind)`
      yield* sql`ALTER TYPE drift_state ADD VALUE 'stale'`
      yield* sql`ALTER SEQUENCE drift_ticket_seq INCREMENT BY 5`

      const drifted = yield* checkMigrations(request)
      assert.isFalse(drifted.ok)
      assert.deepStrictEqual(drifted.drift, [
        "column public.drift_tickets.kind has default 'feature'::text, the revision made it 'bug'::text",
        "column public.drift_tickets.serial is plain, the revision made it identity always",
        "unique constraint uq_drift_tickets_code on public.drift_tickets: nulls is distinct, the revision made it not distinct",
        `foreign key ${fk!.name} on public.drift_tickets: ON DELETE is SET NULL, the revision made it CASCADE`,
        "index ix_drift_tickets_state on public.drift_tickets: columns is opened, the revision made it state, owner",
        "index ix_nobody_declared on public.drift_tickets is not in the revision's model",
        "index ix_drift_tickets_recent on public.drift_tickets: order is asc nulls last, the revision made it desc nulls last",
        "index ix_drift_tickets_kind_pattern on public.drift_tickets: operator classes is text_ops, the revision made it " +
          "text_pattern_ops",
        "check constraint ck__drift_tickets__kind_known on public.drift_tickets: expression is " +
          "CHECK (kind = ANY (ARRAY['bug'::text, 'feature'::text, 'chore'::text])), " +
          "the revision made it CHECK (kind = ANY (ARRAY['bug'::text, 'feature'::text]))",
        "enum public.drift_state has values (open, closed, stale), the revision made it (open, closed)",
        "sequence public.drift_ticket_seq: INCREMENT is 5, the revision made it 1"
      ])
      assert.deepStrictEqual(drifted.driftDetails.map((difference) => difference._tag), [
        "ColumnDefault",
        "ColumnGeneration",
        "ObjectChanged",
        "ObjectChanged",
        "ObjectChanged",
        "ObjectExtra",
        "ObjectChanged",
        "ObjectChanged",
        "ObjectChanged",
        "EnumValues",
        "SequenceChanged"
      ])
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("fails when the database is behind the history's heads or never migrated", () =>
    Effect.gen(function*() {
      const { directory, loaded } = yield* deploy
      writeRevision(directory, { id: "0002", parents: ["0001"], message: "later", upgrade: ["SELECT 1"], downgrade: ["SELECT 1"] })
      const ahead = yield* loadRevisions([directory])
      const behind = yield* checkMigrations({ loaded: ahead, tables: models, versionTable })
      assert.deepStrictEqual(
        { ok: behind.ok, atHeads: behind.atHeads, heads: behind.heads, databaseHeads: behind.databaseHeads },
        { ok: false, atHeads: false, heads: ["0002"], databaseHeads: ["0001"] }
      )
      const never = yield* checkMigrations({ loaded, tables: models, versionTable: { schema: "public", table: "drift__never" } })
      assert.deepStrictEqual(
        { ok: never.ok, atHeads: never.atHeads, databaseHeads: never.databaseHeads },
        { ok: false, atHeads: false, databaseHeads: [] }
      )
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("compares a history of two heads, both applied, with the union of their snapshots", () =>
    Effect.gen(function*() {
      const { directory } = yield* deploy
      const extra = pgTable("drift_extra", { id: integer().primaryKey() })
      const other = pgTable("drift_other", { id: integer().primaryKey() })
      for (const [id, table] of [["0002", extra], ["0003", other]] as const) {
        yield* createRevision({
          loaded: yield* loadRevisions([directory]),
          directory,
          tables: [...models, table],
          message: `add ${id}`,
          autogenerate: true,
          renames: [],
          head: "0001",
          splice: id === "0003",
          revisionId: id
        })
      }
      const loaded = yield* loadRevisions([directory])
      assert.deepStrictEqual([...loaded.graph.heads].sort(), ["0002", "0003"])
      yield* applyMigration({ loaded, direction: "upgrade", target: "heads" }, { providerKey: "drift:drift", versionTable })
      const report = yield* checkMigrations({ loaded, tables: [...models, extra, other], versionTable })
      assert.deepStrictEqual(
        { ok: report.ok, multipleHeads: report.multipleHeads, drift: report.drift, pending: report.pendingModelChanges },
        { ok: true, multipleHeads: true, drift: [], pending: [] }
      )
      const sql = yield* SqlClient.SqlClient
      yield* sql`ALTER TABLE drift_other ADD COLUMN sneaky int`
      const drifted = yield* checkMigrations({ loaded, tables: [...models, extra, other], versionTable })
      assert.deepStrictEqual(drifted.drift, ["column public.drift_other.sneaky is not in the revision's model"])
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
