/**
 * A model set that uses every drizzle pg-core feature a user would reach for, as storage tables of one
 * provider: every built-in column type (arrays of one to three dimensions among them), enums in `public` and
 * in another schema, domains (created by hand: drizzle models none), identity, serial and generated columns,
 * defaults of every spelling, composite primary, unique and foreign keys, every foreign-key action on delete
 * and on update, plain, unique, partial, expression, descending, operator-class, gin, gist, brin and hash indexes
 * (one with storage parameters, one built concurrently), a self-referencing foreign key, checks,
 * non-public schemas, sequences, and hostile names (quotes, spaces, dots, upper case, a keyword, non-ASCII).
 *
 * drizzle-kit writes a `"` in a name and a `'` in a JSON default's key unescaped (issue 12 item 6): for the
 * database drizzle-kit pushes, the models are spelled without them (`"drizzle-kit"`), and the names and the
 * default are set right by hand afterwards (`repairDrizzleKitSpelling`).
 * Extension types (pgvector's vectors, PostGIS geometry) are left out: the test server has neither extension.
 * So are views, row-level security policies and roles, which are not storage tables.
 *
 * `changes` applies any of the `FidelityChange`s, each made to the hardest part of the set for its kind.
 */
import { pushSchema } from "drizzle-kit/api-postgres"
import { type SQL, sql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import {
  bigint,
  bigserial,
  bit,
  boolean,
  bytea,
  char,
  check,
  cidr,
  customType,
  date,
  doublePrecision,
  foreignKey,
  index,
  inet,
  integer,
  interval,
  json,
  jsonb,
  line,
  macaddr,
  macaddr8,
  numeric,
  PgDialect,
  pgEnum,
  pgSchema,
  pgSequence,
  point,
  primaryKey,
  real,
  serial,
  smallint,
  smallserial,
  text,
  time,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar
} from "drizzle-orm/pg-core"
import type { RenameHint } from "../../src/migrations/Autogenerate.ts"
import {
  type AnyStorageTable,
  type ColumnInfo,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable,
  type SchemaObject
} from "../../src/index.ts"

/** A label and a description for every column, from its property name. */
const describe = <C extends Record<string, unknown>>(columns: C): { readonly [K in keyof C]: ColumnInfo } =>
  Object.fromEntries(Object.keys(columns).map((key) => [key, { label: key, description: `The ${key} column.` }])) as {
    readonly [K in keyof C]: ColumnInfo
  }

/** The domains the models use, made by hand before an upgrade or a push (drizzle-kit models none). */
export const fidelityDomains: ReadonlyArray<string> = [
  `CREATE SCHEMA IF NOT EXISTS fid_domains`,
  `GRANT USAGE ON SCHEMA fid_domains TO PUBLIC`,
  `CREATE DOMAIN fid_domains.fid_code AS varchar(8) CHECK (VALUE <> '')`,
  `CREATE DOMAIN fid_amount AS numeric(12, 2) NOT NULL DEFAULT 0`
]

export interface FidelityModels {
  readonly tables: ReadonlyArray<AnyStorageTable>
  /** What the provider lists beyond its tables: the sequence a default names. */
  readonly schemaObjects: ReadonlyArray<SchemaObject>
  /** Everything drizzle-kit's push is given: the drizzle tables with their enums, sequences and schemas. */
  readonly drizzleImports: Record<string, unknown>
}

const hostileNames = {
  schema: "Fid \"Odd\" Schema",
  table: "Fid \"Odd\". Table",
  tableRenamed: "Fid \"Odder\" Table",
  quotedRenamed: "q\"uote\"d",
  added: "new \"col\"",
  spaced: "a b",
  quoted: "q\"uote",
  apostrophe: "it's",
  dotted: "a.b",
  keyword: "select",
  accented: "café"
} as const

/** drizzle-kit's spelling of a name: without the `"` it cannot write. */
const withoutQuotes = (name: string) => name.replaceAll("\"", "_")

const metaDefault = (key: string) => ({ note: "it's", list: [1, "two"], nested: { [key]: null } })

export type Spelling = "metatables" | "drizzle-kit"

/** A change to the models, each of one kind, made to the hardest part of the set for that kind. */
export type FidelityChange =
  | "add a hostile column"
  | "drop a column"
  | "widen an array's element type"
  | "change a column's type"
  | "change a default"
  | "add an enum value, quoted, in a hostile schema"
  | "add an enum value in another schema"
  | "change a partial index's predicate"
  | "change a composite foreign key's actions"
  | "change a check"
  | "change a sequence"
  | "rename a hostile table"
  | "rename a hostile column"
  | "rename a column of a composite key another table references"
  | "move a table to another schema"
  | "change an identity's options"
  | "change a generated column's expression"
  | "add a unique constraint"
  | "add a table with foreign keys to a hostile table"
  | "drop a table another table referenced"
  | "add an enum value and use it at once"
  | "add an index concurrently"

export const fidelityModels = (
  spelling: Spelling = "metatables",
  changes: ReadonlySet<FidelityChange> = new Set()
): FidelityModels => {
  const spell = spelling === "metatables" ? (name: string) => name : withoutQuotes
  const changed = (change: FidelityChange) => changes.has(change)
  const ledger = pgSchema("fid_ledger")
  const odd = pgSchema(spell(hostileNames.schema))
  const mood = pgEnum("fid_mood", ["sad", "ok", "happy", "it's", ...(changed("add an enum value and use it at once") ? ["gl'ad"] : [])])
  const level = ledger.enum("Fid Level", [
    "low",
    "mid",
    "high",
    ...(changed("add an enum value in another schema") ? ["top"] : [])
  ])
  const oddKind = odd.enum(spell("odd \"kind\""), [
    "plain",
    "q'uote",
    "back\\slash",
    ...(changed("add an enum value, quoted, in a hostile schema") ? ["new 'q\"uoted' value"] : [])
  ])
  const tickets = ledger.sequence("fid_ticket_seq", {
    startWith: 100,
    increment: changed("change a sequence") ? 10 : 5,
    minValue: 50,
    maxValue: 1_000_000,
    cache: 10,
    cycle: true
  })
  const countdown = pgSequence("fid_countdown", { startWith: -1, increment: -1, minValue: -1000, maxValue: -1 })
  const shortCode = customType<{ data: string }>({ dataType: () => "fid_domains.fid_code" })
  const amount = customType<{ data: string }>({ dataType: () => "fid_amount" })

  const accountColumns = {
    id: integer().primaryKey().generatedAlwaysAsIdentity({
      startWith: 10,
      increment: changed("change an identity's options") ? 3 : 2,
      cache: 5
    }),
    uid: uuid().notNull().defaultRandom().unique(),
    name: changed("change a column's type") ? text().notNull() : varchar({ length: 64 }).notNull(),
    email: text().unique("fid_accounts_email_key", { nulls: "not distinct" }),
    created: timestamp({ precision: 3, withTimezone: true }).notNull().defaultNow(),
    mood: mood().notNull().default(
      changed("add an enum value and use it at once") ? "gl'ad" : changed("change a default") ? "happy" : "ok"
    ),
    level: level().default("mid"),
    active: boolean().notNull().default(true),
    ticket: bigint({ mode: "number" }).default(sql`nextval('fid_ledger.fid_ticket_seq')`),
    countdown: integer().default(sql`nextval('fid_countdown'::regclass)`)
  }
  class Accounts extends PlatformManagedMetaTable<Accounts>()({
    name: "fid__accounts",
    namespace: "fid",
    identifier: "fid.accounts",
    description: "Accounts: identity, enums, sequences, defaults of every spelling.",
    columns: accountColumns,
    columnInfo: describe(accountColumns),
    constraints: (table) => [
      uniqueIndex("fid_accounts_name_lower").using("btree", sql`lower(${table.name})`),
      index().on(table.created.desc().nullsFirst()),
      index("fid_accounts_active_name").on(table.name).where(sql`${table.active}`).with({ fillfactor: 70 }),
      ...(changed("add an index concurrently") ? [index().on(table.created, table.mood).concurrently()] : []),
      index().using("hash", table.email),
      check("name_present", sql`length(${table.name}) > 0`)
    ]
  }) {}

  const everythingColumns = {
    id: bigserial({ mode: "bigint" }).primaryKey(),
    small: smallint().default(-3),
    whole: integer().notNull().default(0),
    big: bigint({ mode: "bigint" }).default(9_007_199_254_740_993n),
    bigNumber: bigint("big_number", { mode: "number" }),
    counter: serial(),
    little: smallserial(),
    flag: boolean().default(false),
    note: text().default("it's \"noted\""),
    sized: varchar({ length: 12 }).default("x"),
    ...(changed("drop a column") ? {} : { unsized: varchar() }),
    code: char({ length: 3 }).default("abc"),
    single: char(),
    free: numeric(),
    precise: numeric({ precision: 10 }),
    money: numeric({ precision: 12, scale: 2 }).default("1.50"),
    ratio: real().default(0.5),
    measure: doublePrecision(),
    doc: json().default({ a: 1 }),
    meta: jsonb().notNull().default(metaDefault(spelling === "metatables" ? "k'ey" : "k_ey")),
    uid: uuid(),
    day: date().default(sql`CURRENT_DATE`),
    daytime: time(),
    clock: time({ precision: 2, withTimezone: true }),
    stamped: timestamp({ withTimezone: true }).default(sql`now()`),
    fine: timestamp({ precision: 6, withTimezone: true }),
    span: interval(),
    short_span: interval({ fields: "day to second", precision: 3 }),
    months: interval({ fields: "year to month" }),
    host: inet(),
    network: cidr(),
    mac: macaddr(),
    mac8: macaddr8(),
    spot: point(),
    spotTuple: point("spot_tuple", { mode: "tuple" }),
    edge: line(),
    edgeTuple: line("edge_tuple", { mode: "tuple" }),
    blob: bytea(),
    bits: bit({ dimensions: 8 }),
    tags: text().array().default(sql`'{}'::text[]`),
    grid: changed("widen an array's element type") ? bigint({ mode: "number" }).array().array() : integer().array().array(),
    cube: boolean().array().array().array(),
    codes: varchar({ length: 8 }).array(),
    amounts: numeric({ precision: 10, scale: 2 }).array(),
    moods: mood().array().default(changed("add an enum value and use it at once") ? ["gl'ad", "it's"] : ["ok", "it's"]),
    mood_grid: mood().array().array(),
    levels: level().array(),
    times: timestamp({ withTimezone: true }).array(),
    docs: jsonb().array(),
    uids: uuid().array(),
    short: shortCode(),
    amount: amount(),
    odd_kind: oddKind().default("q'uote"),
    doubled: numeric().generatedAlwaysAs(changed("change a generated column's expression") ? sql`money * 3` : sql`money * 2`),
    sequenced: integer().generatedByDefaultAsIdentity()
  }
  class Everything extends PlatformManagedMetaTable<Everything>()({
    name: "fid__everything",
    namespace: "fid",
    identifier: "fid.everything",
    description: "A column of every built-in type, arrays of one to three dimensions, domains and enums.",
    columns: everythingColumns,
    columnInfo: describe(everythingColumns),
    constraints: (table) => [
      index().using("gin", table.tags),
      index().using("gist", table.spot),
      index().using("brin", table.stamped),
      index().using("gin", table.meta.op("jsonb_path_ops")),
      index().using("btree", table.note.op("text_pattern_ops")),
      index().on(table.whole, table.small).where(
        changed("change a partial index's predicate") ? sql`${table.whole} > 10` : sql`${table.flag} AND ${table.whole} > 0`
      ),
      check("money_positive", changed("change a check") ? sql`${table.money} > -1` : sql`${table.money} >= 0`),
      check("small_range", sql`${table.small} BETWEEN -100 AND 100`),
      ...(changed("add a unique constraint") ? [unique().on(table.code, table.small)] : [])
    ]
  }) {}

  const entryColumns = {
    accountId: integer("account_id").notNull(),
    seq: integer(changed("rename a column of a composite key another table references") ? "line no" : "seq").notNull(),
    owner: integer(),
    fallback: integer().notNull().default(0),
    auditor: integer(),
    approver: integer(),
    reviewer: integer(),
    amount: numeric({ precision: changed("change a column's type") ? 16 : 12, scale: 2 }).notNull(),
    level: level().notNull().default("low"),
    posted: timestamp({ withTimezone: true }).notNull().defaultNow()
  }
  class Entries extends PlatformManagedMetaTable<Entries>()({
    name: "fid__entries",
    schema: "fid_ledger",
    namespace: "fid",
    identifier: "fid.entries",
    description: "Ledger entries in another schema: a composite key and every foreign-key action.",
    columns: entryColumns,
    columnInfo: describe(entryColumns),
    constraints: (table) => [
      primaryKey({ columns: [table.accountId, table.seq] }),
      foreignKey({ columns: [table.accountId], foreignColumns: [Accounts.table.id] }).onDelete("cascade").onUpdate("cascade"),
      foreignKey({ columns: [table.owner], foreignColumns: [Accounts.table.id] }).onDelete("set null").onUpdate("restrict"),
      foreignKey({ columns: [table.fallback], foreignColumns: [Accounts.table.id] }).onDelete("set default"),
      foreignKey({ columns: [table.auditor], foreignColumns: [Accounts.table.id] }).onDelete("restrict").onUpdate("set null"),
      foreignKey({ columns: [table.approver], foreignColumns: [Accounts.table.id] }).onDelete("no action"),
      foreignKey({ columns: [table.reviewer], foreignColumns: [Accounts.table.id] }).onUpdate("set default"),
      unique().on(table.accountId, table.posted),
      index().on(table.level, table.amount.desc()),
      check("amount_nonzero", sql`${table.amount} <> 0`)
    ]
  }) {}

  const allocationColumns = {
    accountId: integer("account_id").notNull(),
    seq: integer().notNull(),
    part: smallint().notNull(),
    share: numeric({ precision: 5, scale: 4 }).notNull()
  }
  class Allocations extends PlatformManagedMetaTable<Allocations>()({
    name: "fid__allocations",
    schema: "fid_ledger",
    namespace: "fid",
    identifier: "fid.allocations",
    description: "Parts of an entry: a composite foreign key onto a composite primary key.",
    columns: allocationColumns,
    columnInfo: describe(allocationColumns),
    constraints: (table) => [
      primaryKey({ columns: [table.accountId, table.seq, table.part] }),
      changed("change a composite foreign key's actions")
        ? foreignKey({ columns: [table.accountId, table.seq], foreignColumns: [Entries.table.accountId, Entries.table.seq] })
          .onDelete("restrict").onUpdate("cascade")
        : foreignKey({ columns: [table.accountId, table.seq], foreignColumns: [Entries.table.accountId, Entries.table.seq] })
          .onDelete("cascade"),
      check("share_unit", sql`${table.share} > 0 AND ${table.share} <= 1`)
    ]
  }) {}

  const oddColumns = {
    id: integer().primaryKey(),
    spaced: text(spell(hostileNames.spaced)).notNull().default("it's"),
    quoted: varchar(spell(changed("rename a hostile column") ? hostileNames.quotedRenamed : hostileNames.quoted), { length: 20 })
      .unique(),
    apostrophe: integer(hostileNames.apostrophe).default(1),
    dotted: text(hostileNames.dotted),
    keyword: text(hostileNames.keyword),
    accented: oddKind(hostileNames.accented).array(),
    account: integer().references(() => Accounts.table.id, { onDelete: "cascade" }),
    parent: integer(),
    ...(changed("add a hostile column") ? { added: text(spell(hostileNames.added)).default("it's \"new\"") } : {})
  }
  class Odd extends PlatformManagedMetaTable<Odd>()({
    name: spell(changed("rename a hostile table") ? hostileNames.tableRenamed : hostileNames.table),
    schema: spell(hostileNames.schema),
    namespace: "fid",
    identifier: "fid.odd",
    description: "Hostile names: quotes, spaces, dots, upper case, a keyword and an accent.",
    columns: oddColumns,
    columnInfo: describe(oddColumns),
    constraints: (table) => [
      index().on(table.spaced, table.keyword),
      foreignKey({ columns: [table.parent], foreignColumns: [table.id] }).onDelete("set null"),
      index(spell("odd \"dotted\" lower")).using("btree", sql`lower(${table.dotted})`).where(sql`${table.apostrophe} > 0`),
      check("it's positive", sql`${table.apostrophe} > 0`)
    ]
  }) {}

  const readingColumns = {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    sensor: text().notNull(),
    localTime: timestamp("local_time"),
    localFine: timestamp("local_fine", { precision: 0 }),
    value: doublePrecision().notNull()
  }
  class Readings extends PlatformTimeIndexMetaTable<Readings>()({
    name: "fid__readings",
    schema: changed("move a table to another schema") ? "fid_ledger" : undefined,
    namespace: "fid",
    identifier: "fid.readings",
    description: "A time-index table: the grain's unique index, and timestamps without a time zone.",
    indexNames: ["time_index", "sensor"],
    cadence: "1h",
    columns: readingColumns,
    columnInfo: describe(readingColumns)
  }) {}

  const extraColumns = {
    id: integer().primaryKey(),
    odd: integer().notNull().references(() => Odd.table.id, { onDelete: "cascade", onUpdate: "cascade" }),
    kinds: oddKind().array().array(),
    entryAccount: integer("entry_account"),
    entrySeq: integer("entry_seq")
  }
  class Extras extends PlatformManagedMetaTable<Extras>()({
    name: spell("Fid \"Extra\" Table"),
    schema: spell(hostileNames.schema),
    namespace: "fid",
    identifier: "fid.extras",
    description: "Added later: foreign keys onto the hostile table and onto the composite key.",
    columns: extraColumns,
    columnInfo: describe(extraColumns),
    constraints: (table) => [
      foreignKey({ columns: [table.entryAccount, table.entrySeq], foreignColumns: [Entries.table.accountId, Entries.table.seq] })
        .onDelete("set null"),
      index().on(table.odd)
    ]
  }) {}

  const tables: ReadonlyArray<AnyStorageTable> = [
    Accounts,
    Everything,
    Entries,
    ...(changed("drop a table another table referenced") ? [] : [Allocations]),
    Odd,
    Readings,
    ...(changed("add a table with foreign keys to a hostile table") ? [Extras] : [])
  ]
  return {
    tables,
    schemaObjects: [tickets, countdown],
    drizzleImports: {
      ...Object.fromEntries(tables.map((table, index) => [`table${index}`, table.table])),
      ledger,
      odd,
      mood,
      level,
      oddKind,
      tickets,
      countdown
    }
  }
}

/** Every name of the models that holds a `"`, which drizzle-kit's spelling writes without it. */
const quotedNames: ReadonlyArray<string> = [
  ...Object.values(hostileNames).filter((name) => name.includes("\"")),
  "odd \"kind\"",
  "odd \"dotted\" lower",
  "Fid \"Extra\" Table"
]

/**
 * Sets right, in the database drizzle-kit pushed, what `"drizzle-kit"` spelled otherwise: every schema,
 * table, index, column and enum named by a quote-less spelling gets its real name back (quoted properly),
 * and the JSON default gets its key with a `'`.
 */
export const repairDrizzleKitSpelling = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const spelled = new Map(quotedNames.map((name) => [withoutQuotes(name), name]))
  const quote = (name: string) => `"${name.replaceAll("\"", "\"\"")}"`
  const found = yield* sql.unsafe<{ readonly kind: string; readonly target: string; readonly name: string; readonly position: number }>(`
    SELECT 'COLUMN' AS kind, format('%I.%I', n.nspname, c.relname) AS target, a.attname AS name, 1 AS position
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT 'INDEX', format('%I.%I', n.nspname, c.relname), c.relname, 2
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'i'
    UNION ALL SELECT 'TABLE', format('%I.%I', n.nspname, c.relname), c.relname, 3
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r'
    UNION ALL SELECT 'TYPE', format('%I.%I', n.nspname, t.typname), t.typname, 4
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'e'
    UNION ALL SELECT 'SCHEMA', format('%I', n.nspname), n.nspname, 5 FROM pg_namespace n
    ORDER BY position`)
  for (const row of found) {
    const name = spelled.get(row.name)
    if (name === undefined) continue
    yield* sql.unsafe(
      row.kind === "COLUMN"
        ? `ALTER TABLE ${row.target} RENAME COLUMN ${quote(row.name)} TO ${quote(name)}`
        : `ALTER ${row.kind} ${row.target} RENAME TO ${quote(name)}`
    )
  }
  yield* sql.unsafe(
    `ALTER TABLE fid__everything ALTER COLUMN meta SET DEFAULT '${JSON.stringify(metaDefault("k'ey")).replaceAll("'", "''")}'::jsonb`
  )
})

/** The schemas drizzle-kit's push is given (the domains' schema, made by hand, is none of its business). */
export const drizzleKitSchemas: ReadonlyArray<string> = ["public", "fid_ledger", withoutQuotes(hostileNames.schema)]

/**
 * Runs drizzle-kit's own `pushSchema` on the suite's database, through an adapter over its `SqlClient`,
 * limited to `drizzleKitSchemas`; then sets its spelling right.
 */
export const pushWithDrizzleKit = (imports: Record<string, unknown>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const context = yield* Effect.context<SqlClient.SqlClient>()
    const dialect = new PgDialect()
    const database = {
      execute: (query: SQL) =>
        Effect.runPromiseWith(context)(sql.unsafe(dialect.sqlToQuery(query).sql)).then((rows) => ({ rows }))
    }
    const pushed = yield* Effect.promise(() =>
      pushSchema(imports, database as never, { schemas: [...drizzleKitSchemas], tables: [], entities: undefined, extensions: [] })
    )
    yield* Effect.promise(() => pushed.apply())
    yield* repairDrizzleKitSpelling
  })


/** Every change, in the order a round trip takes them (the hostile table is renamed before its column). */
export const fidelityChanges: ReadonlyArray<FidelityChange> = [
  "add a hostile column",
  "drop a column",
  "widen an array's element type",
  "change a column's type",
  "change a default",
  "add an enum value, quoted, in a hostile schema",
  "add an enum value in another schema",
  "change a partial index's predicate",
  "change a composite foreign key's actions",
  "change a check",
  "change a sequence",
  "rename a hostile table",
  "rename a hostile column",
  "rename a column of a composite key another table references",
  "move a table to another schema",
  "change an identity's options",
  "change a generated column's expression",
  "add a unique constraint",
  "add a table with foreign keys to a hostile table",
  "drop a table another table referenced",
  "add an enum value and use it at once",
  "add an index concurrently"
]

/** The rename hints a change needs, given in code as a provider's `renames` (the command line cannot spell these names). */
export const fidelityRenames = (change: FidelityChange): ReadonlyArray<RenameHint> => {
  switch (change) {
    case "rename a hostile table":
      return [{ kind: "table", schema: hostileNames.schema, from: hostileNames.table, to: hostileNames.tableRenamed }]
    case "rename a hostile column":
      return [{
        kind: "column",
        schema: hostileNames.schema,
        table: hostileNames.tableRenamed,
        from: hostileNames.quoted,
        to: hostileNames.quotedRenamed
      }]
    case "rename a column of a composite key another table references":
      return [{ kind: "column", schema: "fid_ledger", table: "fid__entries", from: "seq", to: "line no" }]
    case "move a table to another schema":
      return [{ kind: "table", schema: "public", from: "fid__readings", to: "fid__readings", toSchema: "fid_ledger" }]
    default:
      return []
  }
}

/** One row in every table of the initial models (its columns as first named). */
export const fidelityRows: ReadonlyArray<string> = [
  `INSERT INTO fid__accounts (name, email) VALUES ('Ada', 'ada@example.com')`,
  `INSERT INTO fid__everything DEFAULT VALUES`,
  `INSERT INTO fid_ledger.fid__entries (account_id, seq, fallback, amount) VALUES (10, 1, 10, 12.5)`,
  `INSERT INTO fid_ledger.fid__allocations (account_id, seq, part, share) VALUES (10, 1, 1, 0.5)`,
  `INSERT INTO "Fid ""Odd"" Schema"."Fid ""Odd"". Table" (id, "q""uote", account) VALUES (1, 'it''s', 10)`,
  `INSERT INTO fid__readings (time_index, sensor, value) VALUES ('2026-01-01T00:00:00Z', 's1', 1.5)`
]
