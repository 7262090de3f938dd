/**
 * The one model of a table's shape and the one diff over it: types and expressions as PostgreSQL reports
 * them compare equal to what was declared; each kind of difference is found and worded for its caller.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  asPostgresWritesThem,
  contractShape,
  describeDifferences,
  diffSchemaObjects,
  diffTableShapes,
  normalizeExpression,
  normalizeSqlType,
  type TableShape
} from "../../src/index.ts"
import { tableContract } from "../../src/index.ts"
import { Prices } from "../../storage/Prices.ts"

describe("normalizeSqlType", () => {
  it("spells what PostgreSQL reports and what was declared the same way", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["text[]", "TEXT[]"],
      ["integer[]", "integer[][]"],
      ["integer[]", "INT4[3][3]"],
      ["numeric(10,0)", "NUMERIC(10)"],
      ["numeric(10,2)", "decimal(10, 2)"],
      ["numeric", "NUMERIC"],
      ["character varying(64)", "VARCHAR(64)"],
      ["character varying(64)[]", "varchar(64)[]"],
      ["character(1)", "char"],
      ["character(3)", "CHAR(3)"],
      ["timestamp(3) with time zone", "timestamp (3) with time zone"],
      ["timestamp with time zone", "timestamptz"],
      ["timestamp with time zone", "timestamp(6) with time zone"],
      ["timestamp without time zone", "TIMESTAMP"],
      ["time(2) without time zone", "time(2)"],
      ["time with time zone", "timetz"],
      ["double precision", "float8"],
      ["real", "float(10)"],
      ["integer", "serial"],
      ["bigint", "BIGSERIAL"],
      ["public.mood", "MOOD"],
      ["other.\"Mood2\"", "other.mood2"],
      ["other.\"Mood2\"[]", "\"other\".\"Mood2\"[]"]
    ]
    for (const [reported, declared] of pairs) {
      assert.strictEqual(normalizeSqlType(reported), normalizeSqlType(declared), `${reported} vs ${declared}`)
    }
  })

  it("keeps different types apart", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["text[]", "text"],
      ["numeric(10,2)", "numeric(10)"],
      ["numeric", "numeric(10)"],
      ["character varying(64)", "varchar(32)"],
      ["timestamp with time zone", "timestamp"],
      ["timestamp(3) with time zone", "timestamptz"],
      ["other.mood", "mood"],
      ["integer", "bigint"]
    ]
    for (const [a, b] of pairs) assert.notStrictEqual(normalizeSqlType(a), normalizeSqlType(b), `${a} vs ${b}`)
  })
})

describe("normalizeExpression", () => {
  it("reads PostgreSQL's spelling of defaults and checks as the declared one", () => {
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["'x''y'::character varying", "'x''y'"],
      ["'{\"a\": \"b''c\"}'::jsonb", "'{\"a\":\"b''c\"}'"],
      ["'ok'::mood", "'ok'"],
      ["'-1'::integer", "-1"],
      ["nextval('ord_seq'::regclass)", "nextval('ord_seq')"],
      ["now()", "now()"],
      ["CHECK ((big > 0))", "\"big\" > 0"],
      ["CHECK (((price >= (0)::numeric) AND (price < (10)::numeric)))", "(\"price\" >= 0) and (\"price\" < 10)"],
      ["(b = true)", "\"b\" = true"],
      ["'2024-01-01 00:00:00+00'::timestamp with time zone", "'2024-01-01 00:00:00+00'"]
    ]
    for (const [reported, declared] of pairs) {
      assert.strictEqual(normalizeExpression(reported), normalizeExpression(declared), `${reported} vs ${declared}`)
    }
  })

  it("keeps different expressions and literals apart", () => {
    assert.notStrictEqual(normalizeExpression("'A'::text"), normalizeExpression("'a'"))
    assert.notStrictEqual(normalizeExpression("CHECK ((big > 0))"), normalizeExpression("big >= 0"))
    assert.notStrictEqual(normalizeExpression("'a::text'"), normalizeExpression("'a'"))
  })
})

const liveTable = (overrides: Partial<TableShape> = {}): TableShape => ({
  schema: "public",
  table: "t",
  columns: [
    { name: "id", type: "integer", notNull: true, default: null },
    { name: "status", type: "character varying(16)", notNull: false, default: "'new'::character varying" },
    { name: "parent", type: "integer", notNull: false, default: null }
  ],
  primaryKey: { name: "pk__t", columns: ["id"] },
  uniqueKeys: [["id"]],
  objects: {
    uniques: [],
    foreignKeys: [{
      name: "fk__t__parent",
      columns: ["parent"],
      targetSchema: "public",
      targetTable: "p",
      targetColumns: ["id"],
      onDelete: "CASCADE",
      onUpdate: "NO ACTION"
    }],
    indexes: [{ name: "ix__t__status", columns: ["status"], unique: false, method: "btree", where: "(status IS NOT NULL)" }],
    checks: [{ name: "ck__t__positive", expression: "CHECK ((id > 0))" }]
  },
  ...overrides
})

const declared: TableShape = {
  schema: "public",
  table: "t",
  columns: [
    { name: "id", type: "integer", notNull: true, default: null },
    { name: "status", type: "varchar(16)", notNull: false, default: "'new'" },
    { name: "parent", type: "integer", notNull: false, default: null }
  ],
  primaryKey: { name: "pk__t", columns: ["id"] },
  uniqueKeys: [],
  objects: {
    uniques: [],
    foreignKeys: [{
      name: "fk__t__parent",
      columns: ["parent"],
      targetSchema: "public",
      targetTable: "p",
      targetColumns: ["id"],
      onDelete: "CASCADE",
      onUpdate: "NO ACTION"
    }],
    indexes: [{ name: "ix__t__status", columns: ["status"], unique: false, method: "btree", where: "\"status\" is not null" }],
    checks: [{ name: "ck__t__positive", expression: "\"id\" > 0" }]
  }
}

describe("diffTableShapes", () => {
  it("finds nothing between a declared table and PostgreSQL's report of it", () => {
    assert.deepStrictEqual(diffTableShapes(declared, liveTable()), [])
  })

  it("finds each hand-made drift, worded as check reports it", () => {
    const live = liveTable()
    const drifted = liveTable({
      columns: live.columns.map((column) => column.name === "status" ? { ...column, default: "'old'::character varying" } : column),
      objects: {
        uniques: [],
        foreignKeys: [{ ...live.objects!.foreignKeys[0]!, onDelete: "SET NULL" }],
        indexes: [
          { name: "ix__t__status", columns: ["parent"], unique: false, method: "btree", where: "(status IS NOT NULL)" },
          { name: "ix__t__extra", columns: ["id"], unique: false, method: "btree", where: null }
        ],
        checks: [{ name: "ck__t__positive", expression: "CHECK ((id > 1))" }]
      }
    })
    assert.deepStrictEqual(describeDifferences(diffTableShapes(declared, drifted), "revision"), [
      "column public.t.status has default 'old'::character varying, the revision made it 'new'",
      "foreign key fk__t__parent on public.t: ON DELETE is SET NULL, the revision made it CASCADE",
      "index ix__t__status on public.t: columns is parent, the revision made it status",
      "index ix__t__extra on public.t is not in the revision's model",
      "check constraint ck__t__positive on public.t: expression is CHECK ((id > 1)), the revision made it \"id\" > 0"
    ])
  })

  it("writes hostile names as PostgreSQL needs them when asked, finding the same differences", () => {
    const rename = (name: string) =>
      ({ public: `we"ird`, t: "a b", status: "x;--", parent: "select", id: "Id", p: "p.q", ix__t__status: "Ix", fk__t__parent: "fk" })[
        name
      ] ?? name
    const hostile = (shape: TableShape): TableShape => ({
      ...shape,
      schema: rename(shape.schema),
      table: rename(shape.table),
      columns: shape.columns.map((column) => ({ ...column, name: rename(column.name) })),
      primaryKey: shape.primaryKey && { ...shape.primaryKey, columns: shape.primaryKey.columns.map(rename) },
      objects: {
        uniques: [],
        foreignKeys: shape.objects!.foreignKeys.map((key) => ({
          ...key,
          name: rename(key.name),
          columns: key.columns.map(rename),
          targetSchema: rename(key.targetSchema),
          targetTable: rename(key.targetTable),
          targetColumns: key.targetColumns.map(rename)
        })),
        indexes: shape.objects!.indexes.map((index) => ({ ...index, name: rename(index.name), columns: index.columns.map(rename) })),
        checks: []
      }
    })
    const live = liveTable()
    const drifted = hostile(liveTable({
      columns: [...live.columns.filter((column) => column.name !== "id"), { name: "extra", type: "text", notNull: false, default: null }],
      objects: {
        ...live.objects!,
        foreignKeys: [{ ...live.objects!.foreignKeys[0]!, targetTable: "t", targetColumns: ["status", "parent"] }],
        indexes: [
          { name: "ix__t__status", columns: ["parent", "lower(status)"], unique: false, method: "btree", where: "(status IS NOT NULL)" }
        ]
      }
    }))
    const expected = hostile(declared)
    const asDeclared = diffTableShapes(expected, drifted)
    assert.deepStrictEqual(describeDifferences(asDeclared, "revision"), [
      `column we"ird.a b.Id is missing`,
      `column we"ird.a b.extra is not in the revision's model`,
      `foreign key fk on we"ird.a b: references is we"ird.a b (x;--, select), the revision made it we"ird.p.q (Id)`,
      `index Ix on we"ird.a b: columns is select, lower(status), the revision made it x;--`
    ], "the data keeps the names as declared")
    assert.deepStrictEqual(describeDifferences(diffTableShapes(expected, drifted, asPostgresWritesThem), "revision"), [
      `column "we""ird"."a b"."Id" is missing`,
      `column "we""ird"."a b".extra is not in the revision's model`,
      `foreign key fk on "we""ird"."a b": references is "we""ird"."a b" ("x;--", "select"), ` +
      `the revision made it "we""ird"."p.q" ("Id")`,
      `index "Ix" on "we""ird"."a b": columns is "select", lower(status), the revision made it "x;--"`
    ])
  })

  it("compares a live table with its contract on what the contract describes only", () => {
    const contract = tableContract(Prices)
    const shape = contractShape(contract)
    const live: TableShape = {
      schema: shape.schema,
      table: shape.table,
      columns: shape.columns.map((column) => ({ ...column, default: "'anything'" })),
      primaryKey: null,
      uniqueKeys: [],
      objects: { uniques: [], foreignKeys: [], indexes: [{ name: "ix", columns: ["x"], unique: false, method: "gin", where: null }], checks: [] }
    }
    const grain = (contract.authoring.time_indexed?.index_names ?? []).join(", ")
    assert.deepStrictEqual(describeDifferences(diffTableShapes(shape, live), "contract"), [
      `no unique index covers the grain (${grain})`
    ])
    assert.deepStrictEqual(describeDifferences(diffTableShapes(shape, undefined), "contract"), ["the table does not exist"])
  })

  it("words a model's contract against the recorded one", () => {
    const recorded = contractShape(tableContract(Prices))
    const model: TableShape = {
      ...recorded,
      columns: [...recorded.columns.slice(1), { name: "size", type: "INTEGER", notNull: false }],
      grain: ["other"]
    }
    assert.deepStrictEqual(describeDifferences(diffTableShapes(recorded, model), "catalog"), [
      `column ${recorded.columns[0]!.name} was removed`,
      "column size was added",
      `the grain is (other) in the model, (${(recorded.grain ?? []).join(", ")}) in the catalog`
    ])
  })
})

describe("diffSchemaObjects", () => {
  it("reports missing enums and sequences, changed values and parameters, and not the live-only ones", () => {
    const sequence = { schema: "public", name: "s", increment: "1", minValue: "1", maxValue: "100", start: "1", cache: "1", cycle: false }
    const differences = diffSchemaObjects(
      {
        enums: [{ schema: "public", name: "mood", values: ["sad", "ok"] }, { schema: "x", name: "gone", values: ["a"] }],
        sequences: [sequence, { ...sequence, name: "gone_seq" }]
      },
      {
        enums: [{ schema: "public", name: "mood", values: ["sad", "ok", "happy"] }, { schema: "public", name: "other", values: [] }],
        sequences: [{ ...sequence, increment: "5" }]
      }
    )
    assert.deepStrictEqual(describeDifferences(differences, "revision"), [
      "enum public.mood has values (sad, ok, happy), the revision made it (sad, ok)",
      "enum x.gone is missing",
      "sequence public.s: INCREMENT is 5, the revision made it 1",
      "sequence public.gone_seq is missing"
    ])
  })

  it("writes their names as PostgreSQL needs them when asked", () => {
    const sequence = { schema: "a b", name: "S", increment: "1", minValue: "1", maxValue: "100", start: "1", cache: "1", cycle: false }
    const differences = diffSchemaObjects(
      { enums: [{ schema: `we"ird`, name: "mood", values: ["sad"] }], sequences: [sequence] },
      { enums: [], sequences: [] },
      asPostgresWritesThem
    )
    assert.deepStrictEqual(describeDifferences(differences, "revision"), [
      `enum "we""ird".mood is missing`,
      `sequence "a b"."S" is missing`
    ])
  })
})
