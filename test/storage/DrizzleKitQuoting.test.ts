/**
 * The mask around drizzle-kit: names with a `"` are replaced in both models and quoted properly in the SQL;
 * a mask drizzle-kit wrote outside double quotes is refused rather than passed on. Defaults drizzle-kit
 * would write wrongly (a `'` in a JSON key, backslashes) become literals quoted properly, and so do enum values
 * holding a `'`.
 */
import { assert, describe, it } from "@effect/vitest"
import { integer, jsonb, pgTable, text, varchar } from "drizzle-orm/pg-core"
import { getTableConfig } from "drizzle-orm/pg-core"
import { nameMask } from "../../src/storage/DrizzleKitQuoting.ts"
import { literalDefault, type SchemaSnapshot } from "../../src/storage/StorageSchema.ts"

const snapshot = (names: ReadonlyArray<string>): SchemaSnapshot =>
  ({
    version: "8",
    dialect: "postgres",
    id: "x",
    prevIds: [],
    ddl: names.map((name) => ({ schema: "public", name, isRlsEnabled: false, entityType: "tables" })),
    renames: []
  }) as unknown as SchemaSnapshot

describe("nameMask", () => {
  it("masks only names holding a double quote, and quotes them properly on the way back", () => {
    const mask = nameMask([snapshot(["plain", "we\"ird"])])
    assert.isTrue(mask.active)
    assert.strictEqual(mask.name("plain"), "plain")
    const masked = mask.name("we\"ird")
    assert.match(masked, /^mtq_[0-9a-f]{24}$/)
    const ddl = mask.snapshot(snapshot(["plain", "we\"ird"])).ddl as ReadonlyArray<{ readonly name: string }>
    assert.deepStrictEqual(ddl.map((entity) => entity.name), ["plain", masked])
    assert.deepStrictEqual(mask.unmask(`DROP TABLE "${masked}";`), { sql: "DROP TABLE \"we\"\"ird\";" })
  })

  it("refuses a mask written outside double quotes", () => {
    const mask = nameMask([snapshot(["we\"ird"])])
    const masked = mask.name("we\"ird")
    assert.deepStrictEqual(mask.unmask(`SELECT nextval('${masked}')`), { unquoted: ["we\"ird"] })
  })

  it("masks enum values holding a single quote, and quotes them properly as literals on the way back", () => {
    const enums = (values: ReadonlyArray<string>): SchemaSnapshot =>
      ({ ...snapshot([]), ddl: [{ schema: "public", name: "kind", values, entityType: "enums" }] }) as unknown as SchemaSnapshot
    const mask = nameMask([enums(["plain", "it's"]), enums(["plain", "it's", "q'uo\"te"])])
    assert.isTrue(mask.active)
    assert.strictEqual(mask.value("plain"), "plain")
    const masked = mask.value("q'uo\"te")
    assert.match(masked, /^mtv_[0-9a-f]{24}$/)
    const ddl = mask.snapshot(enums(["plain", "q'uo\"te"])).ddl as ReadonlyArray<{ readonly values: ReadonlyArray<string> }>
    assert.deepStrictEqual(ddl[0]!.values, ["plain", masked])
    assert.deepStrictEqual(mask.unmask(`ALTER TYPE "kind" ADD VALUE '${masked}' BEFORE '${mask.value("it's")}';`), {
      sql: "ALTER TYPE \"kind\" ADD VALUE 'q''uo\"te' BEFORE 'it''s';"
    })
    assert.deepStrictEqual(mask.unmask(`SELECT ${masked}`), { unquoted: ["q'uo\"te"] })
  })

  it("changes nothing when no name needs it", () => {
    const mask = nameMask([snapshot(["plain"])])
    assert.isFalse(mask.active)
    assert.deepStrictEqual(mask.unmask("DROP TABLE \"plain\";"), { sql: "DROP TABLE \"plain\";" })
  })
})

describe("literalDefault", () => {
  const table = pgTable("t", {
    id: integer().primaryKey().default(1),
    plain: text().default("ordinary"),
    quoted: text().default("it's"),
    slash: varchar({ length: 20 }).default("a\\b"),
    json: jsonb().default({ "k'": "v" }),
    jsonPlain: jsonb().default({ k: "it's" }),
    list: text().array().default(["a'b", "c\"d", "e\\f"])
  })
  const columns = Object.fromEntries(getTableConfig(table).columns.map((column) => [column.name, column]))

  it("leaves the defaults drizzle-kit writes right as they are", () => {
    assert.isUndefined(literalDefault(columns["id"]!))
    assert.isUndefined(literalDefault(columns["plain"]!))
    assert.isUndefined(literalDefault(columns["quoted"]!))
  })

  it("quotes the ones it would write wrongly", () => {
    assert.strictEqual(literalDefault(columns["slash"]!), "'a\\b'")
    assert.strictEqual(literalDefault(columns["json"]!), `'{"k''":"v"}'`)
    assert.strictEqual(literalDefault(columns["jsonPlain"]!), `'{"k":"it''s"}'`)
    assert.strictEqual(literalDefault(columns["list"]!), `'{"a''b","c\\"d","e\\\\f"}'`)
  })
})
