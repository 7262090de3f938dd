/**
 * The JSON error document: an error's fields, its message, and the cause it keeps shown by what the database
 * reported (SQLSTATE, message, detail), never the driver's error object, its statement or a stack.
 */
import { assert, describe, it } from "@effect/vitest"
import { SqlError, UniqueViolation } from "effect/sql/SqlError"
import { CatalogStorageError, CatalogTableNotFoundError } from "../../src/catalog/CatalogErrors.ts"
import { errorDocument } from "../../src/cli/ErrorDocument.ts"
import { toJson } from "../../src/cli/Output.ts"

const SECRET = "pw-kept-in-the-statement"

/** A unique violation as PGlite reports it: the server's fields, plus the statement and its parameters. */
const violation = new SqlError({
  reason: new UniqueViolation({
    cause: Object.assign(new Error("duplicate key value violates unique constraint \"meta_tables_pkey\""), {
      code: "23505",
      detail: "Key (uid)=(1) already exists.",
      constraint: "meta_tables_pkey",
      query: `INSERT INTO meta_tables VALUES (1, '${SECRET}')`,
      params: [SECRET]
    }),
    message: "PGlite: Query failed",
    constraint: "meta_tables_pkey"
  })
})

describe("errorDocument", () => {
  it("shows a kept cause by the database's report, with no statement, parameter or stack", () => {
    const error = new CatalogStorageError({ operation: "reserve tables", cause: violation })
    const printed = toJson(errorDocument(error))
    const document = JSON.parse(printed)
    assert.strictEqual(document._tag, "CatalogStorageError")
    assert.strictEqual(document.operation, "reserve tables")
    assert.strictEqual(document.message, error.message)
    assert.include(document.message, "(SQLSTATE 23505)")
    assert.deepStrictEqual(
      [document.cause._tag, document.cause.reason, document.cause.code, document.cause.constraint, document.cause.retryable],
      ["SqlError", "UniqueViolation", "23505", "meta_tables_pkey", false]
    )
    assert.strictEqual(document.cause.detail, "Key (uid)=(1) already exists.")
    assert.notInclude(printed, SECRET)
    assert.notInclude(printed, "    at ")
  })

  it("shows an SqlError that reaches the command line the same way, not as a dump of its reason", () => {
    const printed = toJson(errorDocument(violation))
    assert.strictEqual(JSON.parse(printed).cause.code, "23505")
    assert.notInclude(printed, SECRET)
  })

  it("adds no cause to an error that keeps none", () => {
    const document = errorDocument(new CatalogTableNotFoundError({ reference: "prices" }))
    assert.deepStrictEqual(Object.keys(document).sort(), ["_tag", "message", "reference"])
  })
})
