/**
 * The definers: metadata, required descriptions, grain validation, the automatic unique index over the
 * grain (and its reuse), default schema, storage tables as service keys of their bindings, and the SDK's
 * definer rules (golden cases from fixtures/naming_reference.py): cadence, column names, timestamps of
 * relational tables, check constraint names and trimmed namespaces.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  check,
  customType,
  getTableConfig,
  index,
  integer,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  varchar
} from "drizzle-orm/pg-core"
import { sql } from "drizzle-orm"
import { expectTypeOf } from "vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  isStorageTable,
  PlatformManagedMetaTable,
  PlatformTimeIndexMetaTable,
  type StorageBinding,
  StorageDefinitionError,
  type StorageInsert,
  type StorageRow
} from "../../src/index.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

const timeColumns = {
  timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
  entity: varchar({ length: 32 }).notNull(),
  value: integer()
}
const timeInfo = { timeIndex: info("Time"), entity: info("Entity"), value: info("Value") }
const base = { namespace: "tests", identifier: "tests.table", description: "A table for tests." }

/** The problems a definition is refused with. */
const problemsOf = (define: () => unknown): ReadonlyArray<string> => {
  try {
    define()
  } catch (error) {
    assert.instanceOf(error, StorageDefinitionError)
    return (error as StorageDefinitionError).problems
  }
  assert.fail("the definition was accepted")
}

describe("PlatformManagedMetaTable", () => {
  class Things extends PlatformManagedMetaTable<Things>()({
    ...base,
    name: "tests__things",
    labels: ["a", "b"],
    columns: { uid: uuid().primaryKey(), label: text().notNull() },
    columnInfo: { uid: info("UID"), label: info("Label") }
  }) {}

  it("keeps the drizzle table and the metadata side by side", () => {
    assert.strictEqual(getTableConfig(Things.table).name, "tests__things")
    assert.deepStrictEqual(Things.metadata, {
      kind: "relational",
      tableName: "tests__things",
      schema: "public",
      namespace: "tests",
      identifier: "tests.table",
      description: "A table for tests.",
      labels: ["a", "b"],
      provisioning: { createTable: true, ifNotExists: true },
      protectFromDeletion: false,
      columns: [
        { key: "uid", name: "uid", label: "UID", description: "UID of the row." },
        { key: "label", name: "label", label: "Label", description: "Label of the row." }
      ],
      timeIndexed: undefined
    })
    assert.isTrue(isStorageTable(Things))
    assert.isFalse(isStorageTable(Things.table))
  })

  it.effect("is the service key of its binding, which only a layer provides", () =>
    Effect.gen(function*() {
      const binding: StorageBinding = {
        uid: "6b3c2a9e-0000-4000-8000-000000000001",
        identifier: "tests.table",
        namespace: "tests",
        dataSourceUid: "default",
        schema: "public",
        tableName: "tests__things",
        status: "active"
      }
      const readUid = Effect.gen(function*() {
        const bound = yield* Things
        return bound.uid
      })
      assert.strictEqual(yield* readUid.pipe(Effect.provide(Layer.succeed(Things, binding))), binding.uid)
    }))

  it("puts the table in the requirements of code that reads its binding, and infers its row types", () => {
    const readUid = Effect.gen(function*() {
      const bound = yield* Things
      return bound.uid
    })
    expectTypeOf(readUid).toEqualTypeOf<Effect.Effect<string, never, Things>>()
    expectTypeOf<StorageRow<typeof Things>>().toEqualTypeOf<{ uid: string; label: string }>()
    expectTypeOf<StorageInsert<typeof Things>>().toEqualTypeOf<{ uid: string; label: string }>()
  })

  it("treats no schema, an empty schema and public alike", () => {
    for (const schema of [undefined, "", "public"]) {
      class Table extends PlatformManagedMetaTable<Table>()({
        ...base,
        name: "tests__schemas",
        schema,
        columns: { uid: uuid().primaryKey() },
        columnInfo: { uid: info("UID") }
      }) {}
      assert.strictEqual(Table.metadata.schema, "public")
      assert.isUndefined(getTableConfig(Table.table).schema)
    }
    class Named extends PlatformManagedMetaTable<Named>()({
      ...base,
      name: "tests__schemas",
      schema: "analytics",
      columns: { uid: uuid().primaryKey() },
      columnInfo: { uid: info("UID") }
    }) {}
    assert.strictEqual(Named.metadata.schema, "analytics")
    assert.strictEqual(getTableConfig(Named.table).schema, "analytics")
  })

  it("lists every column without a label or description, and the other metadata problems, at once", () => {
    const problems = problemsOf(() =>
      PlatformManagedMetaTable()({
        name: "tests__undocumented",
        namespace: " ",
        identifier: "",
        description: "",
        columns: { a: text(), b: text(), c: text() },
        columnInfo: { a: info("A"), b: { label: "B", description: " " }, c: { label: "", description: "C" } } as never
      })
    )
    assert.deepStrictEqual(problems, [
      "namespace is required",
      "identifier is required",
      "description is required: say what the table holds and why",
      "every column needs a label and a description in columnInfo; missing for: b, c"
    ])
  })

  it("refuses columnInfo for columns that do not exist, and names longer than PostgreSQL keeps", () => {
    const problems = problemsOf(() =>
      PlatformManagedMetaTable()({
        ...base,
        name: "x".repeat(64),
        columns: { a: text() },
        columnInfo: { a: info("A"), ghost: info("Ghost") } as never
      })
    )
    assert.strictEqual(problems.length, 2)
    assert.match(problems[0]!, /64 characters long; PostgreSQL keeps 63/)
    assert.match(problems[1]!, /columnInfo describes columns the table does not have: ghost/)
  })
})

describe("PlatformTimeIndexMetaTable", () => {
  const grainIndexes = (table: Parameters<typeof getTableConfig>[0]) =>
    getTableConfig(table).indexes.map((entry) => ({
      name: entry.config.name,
      unique: entry.config.unique,
      columns: entry.config.columns.map((column) => (column as { readonly name: string }).name)
    }))

  it("adds the unique index over the grain, named by the SDK convention", () => {
    class Observations extends PlatformTimeIndexMetaTable<Observations>()({
      ...base,
      name: "tests__observations",
      indexNames: ["time_index", "entity"],
      cadence: "15m",
      columns: timeColumns,
      columnInfo: timeInfo
    }) {}
    assert.deepStrictEqual(grainIndexes(Observations.table), [
      { name: "uix__tests__observations__time_index__entity", unique: true, columns: ["time_index", "entity"] }
    ])
    assert.deepStrictEqual(Observations.metadata.timeIndexed, {
      timeIndexName: "time_index",
      indexNames: ["time_index", "entity"],
      cadence: "15m"
    })
    assert.strictEqual(Observations.metadata.kind, "time-indexed")
  })

  it("defaults the time index to time_index and the grain to the time index alone", () => {
    class Series extends PlatformTimeIndexMetaTable<Series>()({
      ...base,
      name: "tests__series",
      columns: { timeIndex: timeColumns.timeIndex, value: integer() },
      columnInfo: { timeIndex: info("Time"), value: info("Value") }
    }) {}
    assert.deepStrictEqual(Series.metadata.timeIndexed, { timeIndexName: "time_index", indexNames: ["time_index"], cadence: undefined })
    assert.deepStrictEqual(grainIndexes(Series.table).map((entry) => entry.name), ["uix__tests__series__time_index"])
  })

  it.each([
    ["a unique index in another column order", (t: { timeIndex: never; entity: never }) => [uniqueIndex("my_grain").on(t.entity, t.timeIndex)], ["my_grain"]],
    ["a unique constraint", (t: { timeIndex: never; entity: never }) => [unique("my_unique").on(t.entity, t.timeIndex)], []],
    ["a composite primary key", (t: { timeIndex: never; entity: never }) => [primaryKey({ columns: [t.timeIndex, t.entity] })], []]
  ])("reuses %s instead of adding a duplicate", (_, constraints, expectedIndexes) => {
    class Reused extends PlatformTimeIndexMetaTable<Reused>()({
      ...base,
      name: "tests__reused",
      indexNames: ["time_index", "entity"],
      columns: timeColumns,
      columnInfo: timeInfo,
      constraints: constraints as never
    }) {}
    assert.deepStrictEqual(grainIndexes(Reused.table).map((entry) => entry.name), expectedIndexes)
  })

  it("still adds the grain index beside a non-unique or partial index over the same columns", () => {
    class Partial extends PlatformTimeIndexMetaTable<Partial>()({
      ...base,
      name: "tests__partial",
      indexNames: ["time_index", "entity"],
      columns: timeColumns,
      columnInfo: timeInfo,
      constraints: (t) => [
        index("plain").on(t.timeIndex, t.entity),
        uniqueIndex("partial").on(t.timeIndex, t.entity).where(sql`${t.value} > 0`)
      ]
    }) {}
    assert.deepStrictEqual(
      grainIndexes(Partial.table).map((entry) => entry.name),
      ["plain", "partial", "uix__tests__partial__time_index__entity"]
    )
  })

  it("refuses a grain that does not start with the time index, repeats or names missing columns", () => {
    const problems = problemsOf(() =>
      PlatformTimeIndexMetaTable()({
        ...base,
        name: "tests__bad_grain",
        indexNames: ["entity", "time_index", "entity", "ghost"],
        columns: timeColumns,
        columnInfo: timeInfo
      })
    )
    assert.deepStrictEqual(problems, [
      'indexNames must start with the time index "time_index", not "entity"',
      "indexNames repeats entity",
      "indexNames names columns the table does not have: ghost"
    ])
  })

  it("requires NOT NULL grain columns and a timestamp with time zone time index", () => {
    const problems = problemsOf(() =>
      PlatformTimeIndexMetaTable()({
        ...base,
        name: "tests__nullable",
        indexNames: ["time_index", "value"],
        columns: { timeIndex: timestamp("time_index").notNull(), value: integer() },
        columnInfo: { timeIndex: info("Time"), value: info("Value") }
      })
    )
    assert.strictEqual(problems.length, 2)
    assert.match(problems[0]!, /the time index "time_index" must be timestamp with time zone, not timestamp/)
    assert.match(problems[1]!, /grain columns must be NOT NULL; add \.notNull\(\) to: value/)
  })

  it("requires the time index to exist", () => {
    const problems = problemsOf(() =>
      PlatformTimeIndexMetaTable()({
        ...base,
        name: "tests__no_time",
        timeIndex: "observed_at",
        columns: timeColumns,
        columnInfo: timeInfo
      })
    )
    assert.include(problems, 'the time index "observed_at" is not a column of the table')
  })

  it.each(["1d", "15m", "1mo", "2w", "1q", "1y", "30s", "4h"])("accepts the cadence %s", (cadence) => {
    class Cadenced extends PlatformTimeIndexMetaTable<Cadenced>()({
      ...base,
      name: "tests__cadence",
      cadence,
      columns: { timeIndex: timeColumns.timeIndex },
      columnInfo: { timeIndex: info("Time") }
    }) {}
    assert.strictEqual(Cadenced.metadata.timeIndexed?.cadence, cadence)
  })

  it.each(["0d", "1", "d", "1 d", "01d", "1ms", "-1d"])("refuses the cadence %j", (cadence) => {
    const problems = problemsOf(() =>
      PlatformTimeIndexMetaTable()({
        ...base,
        name: "tests__cadence",
        cadence,
        columns: { timeIndex: timeColumns.timeIndex },
        columnInfo: { timeIndex: info("Time") }
      })
    )
    assert.deepStrictEqual(problems, [
      `cadence "${cadence}" must be a positive count and a unit (s, m, h, d, w, mo, q, y), like 1d or 15m`
    ])
  })
})

interface GoldenCase {
  readonly args: ReadonlyArray<string | null>
  readonly ok?: unknown
  readonly error?: string
}
const golden = JSON.parse(
  NodeFs.readFileSync(NodePath.join(import.meta.dirname, "fixtures", "naming_cases.json"), "utf8")
) as Record<"cadence" | "columnName" | "timestampColumn", ReadonlyArray<GoldenCase>>

/** The problems of a definition, or none when it is accepted. */
const problemsIfAny = (define: () => unknown): ReadonlyArray<string> => {
  try {
    define()
    return []
  } catch (error) {
    assert.instanceOf(error, StorageDefinitionError)
    return (error as StorageDefinitionError).problems
  }
}

describe("the SDK's definer rules", () => {
  describe("cadence, trimmed and lower-cased, empty meaning none", () => {
    for (const testCase of golden.cadence) {
      it(JSON.stringify(testCase.args[0]), () => {
        const define = () =>
          PlatformTimeIndexMetaTable()({
            ...base,
            name: "tests__cadence",
            cadence: testCase.args[0] ?? undefined,
            columns: { timeIndex: timeColumns.timeIndex },
            columnInfo: { timeIndex: info("Time") }
          })
        if (testCase.error !== undefined) {
          const problems = problemsIfAny(define)
          assert.strictEqual(problems.length, 1)
          assert.match(problems[0]!, /^cadence ".*" must be a positive count and a unit/)
        } else {
          assert.strictEqual(define().metadata.timeIndexed?.cadence, (testCase.ok as string | null) ?? undefined)
        }
      })
    }
  })

  describe("column names in lower case and within 63 characters", () => {
    for (const testCase of golden.columnName) {
      const name = testCase.args[0]!
      it(JSON.stringify(name), () => {
        const problems = problemsIfAny(() =>
          PlatformManagedMetaTable()({
            ...base,
            name: "tests__column_names",
            columns: { column: text(name) },
            columnInfo: { column: info("Column") }
          })
        )
        if (testCase.error === undefined) assert.deepStrictEqual(problems, [])
        else {
          assert.strictEqual(problems.length, 1)
          assert.include(problems[0], `column "${name}"`)
        }
      })
    }

    it("says how to name an upper-case column, and counts PostgreSQL's bytes, not characters", () => {
      const problems = problemsIfAny(() =>
        PlatformTimeIndexMetaTable()({
          ...base,
          name: "tests__column_names",
          columns: { timeIndex: timeColumns.timeIndex, entityId: text(), accent: text("é".repeat(40)) },
          columnInfo: { timeIndex: info("Time"), entityId: info("Entity"), accent: info("Accent") }
        })
      )
      assert.deepStrictEqual(problems, [
        'column "entityId" has upper case, which PostgreSQL folds unless quoted and the SDK refuses; give the ' +
        'column builder a lower-case name, like "entity_id"',
        // 40 characters, which the SDK would take, but 80 bytes, which PostgreSQL would cut to 63.
        `column "${"é".repeat(40)}" is 80 bytes long; PostgreSQL keeps 63`
      ])
    })
  })

  describe("timestamps of a relational table carry a time zone", () => {
    for (const testCase of golden.timestampColumn) {
      const sqlType = testCase.args[0]!
      it(sqlType, () => {
        const column = customType<{ data: Date; driverData: string }>({ dataType: () => sqlType })("at")
        const problems = problemsIfAny(() =>
          PlatformManagedMetaTable()({
            ...base,
            name: "tests__timestamps",
            columns: { at: column },
            columnInfo: { at: info("At") }
          })
        )
        if (testCase.error === undefined) assert.deepStrictEqual(problems, [])
        else assert.deepStrictEqual(problems, [
          `column "at" is ${sqlType}, a timestamp without time zone, which the SDK refuses in a relational ` +
          "table (use timestamp({ withTimezone: true }))"
        ])
      })
    }

    it("while a time-index table may keep wall times beside its time index", () => {
      class Wall extends PlatformTimeIndexMetaTable<Wall>()({
        ...base,
        name: "tests__wall",
        columns: { timeIndex: timeColumns.timeIndex, localTime: timestamp("local_time") },
        columnInfo: { timeIndex: info("Time"), localTime: info("Local time") }
      }) {}
      assert.strictEqual(Wall.metadata.columns.length, 2)
    })
  })

  it("refuses a check constraint the SDK's convention cannot name", () => {
    const problems = problemsIfAny(() =>
      PlatformManagedMetaTable()({
        ...base,
        name: "tests__checks",
        columns: { amount: integer().notNull() },
        columnInfo: { amount: info("Amount") },
        constraints: (t) => [check("positive", sql`${t.amount} > 0`), check("!!", sql`${t.amount} < 100`)]
      })
    )
    assert.deepStrictEqual(problems, [
      'check constraint "!!" cannot be named: Schema table name identifier part must contain letters or digits: "!!".'
    ])
  })

  it("trims the namespace", () => {
    class Spaced extends PlatformManagedMetaTable<Spaced>()({
      ...base,
      namespace: "  tests\u00a0",
      name: "tests__spaced",
      columns: { uid: uuid().primaryKey() },
      columnInfo: { uid: info("UID") }
    }) {}
    assert.strictEqual(Spaced.metadata.namespace, "tests")
  })
})
