/**
 * Names and strings written into SQL text: `quoteIdentifier` always quotes, doubling `"`; `quoteLiteral`
 * doubles `'`; `quoteIdentifierWhereNeeded` leaves a name bare only where PostgreSQL would read it back as the
 * same name (checked against the server's own `quote_ident` in SqlText.integration.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { quoteIdentifier, quoteIdentifierWhereNeeded, quoteLiteral } from "../../src/db/SqlText.ts"

describe("quoteIdentifier and quoteLiteral", () => {
  it("quote always, doubling the quote character inside", () => {
    assert.strictEqual(quoteIdentifier(`we"ird`), `"we""ird"`)
    assert.strictEqual(quoteIdentifier("prices"), `"prices"`)
    assert.strictEqual(quoteLiteral("it's"), `'it''s'`)
  })
})

describe("quoteIdentifierWhereNeeded", () => {
  it("leaves lower-case names of letters, digits and underscores bare", () => {
    for (const name of ["prices", "_private", "desk__ticket", "t1", "name", "abort", "value", "text"]) {
      assert.strictEqual(quoteIdentifierWhereNeeded(name), name)
    }
  })

  it("quotes names PostgreSQL would read differently or not at all, doubling a quote inside", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      [`we"ird`, `"we""ird"`],
      ["a b", `"a b"`],
      ["x;--", `"x;--"`],
      ["a.b", `"a.b"`],
      ["Prices", `"Prices"`],
      ["1st", `"1st"`],
      ["a$b", `"a$b"`],
      ["café", `"café"`],
      ["", `""`],
      [`"`, `""""`]
    ]
    for (const [name, written] of cases) assert.strictEqual(quoteIdentifierWhereNeeded(name), written, name)
  })

  it("quotes keywords of every category but unreserved", () => {
    // Reserved, type/function-name, column-name (PostgreSQL 18's JSON ones too).
    for (const name of ["select", "table", "user", "left", "similar", "int", "timestamp", "json", "json_table", "system_user"]) {
      assert.strictEqual(quoteIdentifierWhereNeeded(name), `"${name}"`, name)
    }
  })
})
