/**
 * How a kept cause is shown: the database's report for messages and JSON, never the statement, its
 * parameters or a connection URL that the driver's error carries; and errors that build their message from it.
 */
import { assert, describe, it } from "@effect/vitest"
import { EffectDrizzleQueryError } from "drizzle-orm/effect-core"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { MigrationError } from "effect/sql/Migrator"
import { SqlError, UniqueViolation, UnknownError } from "effect/sql/SqlError"
import { CatalogStorageError } from "../../src/catalog/CatalogErrors.ts"
import { Database } from "../../src/db/Database.ts"
import { formatCause, reportCause } from "../../src/db/FailureCause.ts"

const SECRET = "pw-5ecret-in-the-statement"

/** A PostgreSQL error as both clients keep it: the server's fields on an Error; PGlite adds the statement. */
const serverError = (fields: Record<string, string>) => Object.assign(new Error(fields["message"]), fields)

const uniqueViolation = new SqlError({
  reason: new UniqueViolation({
    cause: Object.assign(
      serverError({
        message: "duplicate key value violates unique constraint \"items_pkey\"",
        code: "23505",
        detail: "Key (id)=(1) already exists.",
        constraint: "items_pkey"
      }),
      { query: `INSERT INTO items VALUES (1, '${SECRET}')`, params: [SECRET] }
    ),
    message: "PGlite: Query failed",
    operation: "execute",
    constraint: "items_pkey"
  })
})

const REPORT = "duplicate key value violates unique constraint \"items_pkey\" (SQLSTATE 23505) " +
  "Detail: Key (id)=(1) already exists."

describe("formatCause", () => {
  it("shows the database's report behind an SqlError, not the client's message or the statement", () => {
    assert.strictEqual(formatCause(uniqueViolation), REPORT)
  })

  it("shows the database's report behind drizzle's query error, whose message is the statement", () => {
    const drizzle = new EffectDrizzleQueryError({ query: `select '${SECRET}'`, params: [SECRET], cause: uniqueViolation })
    assert.include(drizzle.message, SECRET)
    assert.strictEqual(formatCause(drizzle), REPORT)
  })

  it("follows the Migrator's error, which names only the migration, to what failed beneath it", () => {
    const failed = new MigrationError({ kind: "Failed", message: "Migration \"2_runs\" failed", cause: uniqueViolation })
    assert.strictEqual(formatCause(failed), `Migration "2_runs" failed: ${REPORT}`)
    assert.strictEqual(formatCause(new MigrationError({ kind: "Locked", message: "Migrations already running" })), "Migrations already running")
  })

  it("shows other errors by their message, a sentence as it is, and anything else as a string", () => {
    const wrapped = new Error("could not write the file", { cause: new Error("EACCES: permission denied") })
    assert.strictEqual(formatCause(wrapped), "could not write the file")
    assert.strictEqual(formatCause("the statement returned no row"), "the statement returned no row")
    assert.strictEqual(formatCause(42), "42")
  })

  it("does not repeat the database's report when the wrapping error already says it", () => {
    const storage = new CatalogStorageError({ operation: "reserve tables", cause: uniqueViolation })
    assert.strictEqual(formatCause(storage), `The catalog could not reserve tables: ${REPORT}`)
  })

  it("falls back to the reason's tag when the database said nothing", () => {
    const bare = new SqlError({ reason: new UnknownError({ cause: undefined }) })
    assert.strictEqual(formatCause(bare), "UnknownError")
  })
})

describe("reportCause", () => {
  it("reports an SqlError by its reason, SQLSTATE and the database's fields, without statement or parameters", () => {
    const report = reportCause(uniqueViolation)
    assert.deepStrictEqual(JSON.parse(JSON.stringify(report)), {
      _tag: "SqlError",
      reason: "UniqueViolation",
      message: "duplicate key value violates unique constraint \"items_pkey\"",
      code: "23505",
      detail: "Key (id)=(1) already exists.",
      constraint: "items_pkey",
      retryable: false
    })
  })

  it("reports an error by tag and message, with what it wraps, and never its stack", () => {
    const failed = new MigrationError({ kind: "Failed", message: "Migration \"2_runs\" failed", cause: uniqueViolation })
    const printed = JSON.stringify(reportCause(failed))
    assert.deepStrictEqual(JSON.parse(printed).cause.code, "23505")
    assert.strictEqual(JSON.parse(printed)._tag, "MigrationError")
    assert.notInclude(printed, SECRET)
    assert.notInclude(printed, "    at ")
    assert.deepStrictEqual(reportCause("it has none"), { message: "it has none" })
  })

  it("keeps the password of a connection URL that does not parse out of the message and the report", () =>
    Effect.gen(function*() {
      const url = `postgres://metatables:${SECRET}@db.example:not-a-port/app`
      const exit = yield* Effect.exit(Effect.provide(Effect.void, Database.layerServer(Redacted.make(url))))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
      assert.strictEqual(error?._tag, "DatabaseConnectionError")
      // The driver keeps the URL it could not parse on the error it wraps: it must go no further.
      const driverError: unknown = error?._tag === "DatabaseConnectionError" && error.cause instanceof SqlError
        ? error.cause.reason.cause
        : undefined
      assert.include(String((driverError as { readonly input?: unknown } | undefined)?.input), SECRET)
      assert.notInclude(error?.message ?? "", SECRET)
      assert.notInclude(JSON.stringify(reportCause(error?.cause)), SECRET)
      assert.strictEqual(reportCause(error?.cause).code, "ERR_INVALID_URL")
    }))
})
