/**
 * Real database failures on both backends, kept as causes: messages and JSON reports show the database's
 * report (message and SQLSTATE), never the statement or its parameters that the drivers' errors carry.
 */
import { assert } from "@effect/vitest"
import { sql as drizzleSql } from "drizzle-orm"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { CatalogStorageError } from "../../src/catalog/CatalogErrors.ts"
import { DependencyReadError } from "../../src/datanode/DependencyReadError.ts"
import { Database } from "../../src/db/Database.ts"
import { reportCause } from "../../src/db/FailureCause.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const SECRET = "s3cret-in-a-statement"

describeBackends("a database failure kept as a cause", (it) => {
  it.effect("shows the database's report and SQLSTATE, not the statement or its parameters", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const failure = yield* Effect.flip(sql.unsafe(`SELECT 1 / 0 AS x, '${SECRET}' AS y WHERE $1 <> ''`, [SECRET]))
      const error = new CatalogStorageError({ operation: "divide", cause: failure })
      assert.strictEqual(error.message, "The catalog could not divide: division by zero (SQLSTATE 22012)")
      const report = reportCause(error.cause)
      assert.deepStrictEqual([report._tag, report.code, report.message], ["SqlError", "22012", "division by zero"])
      assert.notInclude(error.message + JSON.stringify(report), SECRET)
    }))

  it.effect("looks through drizzle's query error, whose message is the statement, to the database's report", () =>
    Effect.gen(function*() {
      const drizzle = yield* (yield* Database).drizzle
      const failure = yield* Effect.flip(drizzle.execute(drizzleSql.raw(`SELECT 1 / 0 AS x, '${SECRET}' AS y`)))
      assert.include(failure.message, SECRET, "drizzle's own message carries the statement")
      const error = new DependencyReadError({
        node: "Reader",
        dependency: "DataNode Source",
        table: "source (public.source)",
        reason: "database",
        cause: failure
      })
      assert.strictEqual(
        error.message,
        "DataNode \"Reader\" could not read DataNode Source from source (public.source): division by zero (SQLSTATE 22012)"
      )
      assert.notInclude(JSON.stringify(reportCause(error.cause)), SECRET)
      assert.strictEqual(reportCause(error.cause).code, "22012")
    }))
})
