/**
 * Which failed attempts the runner repeats, over effect's real `SqlError` reasons: a failure that may pass
 * (lost connection, deadlock, serialization failure, timeouts) is retried, directly or kept as the cause of
 * metatables' errors and of the wrappers of other libraries; invalid rows, wrong output, refused reads and
 * database failures that would recur never are; an update's own failure that says nothing is.
 */
import { assert, describe, it } from "@effect/vitest"
import { EffectDrizzleQueryError } from "drizzle-orm/effect-core"
import * as Cause from "effect/Cause"
import * as Schema from "effect/Schema"
import { MigrationError } from "effect/sql/Migrator"
import {
  AuthenticationError,
  AuthorizationError,
  ConnectionError,
  ConstraintError,
  DeadlockError,
  LockTimeoutError,
  SerializationError,
  SqlError,
  type SqlErrorReason,
  SqlSyntaxError,
  StatementTimeoutError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"
import { CatalogStorageError, InvalidCatalogRowError } from "../../src/catalog/CatalogErrors.ts"
import { DataNodeDefinitionError } from "../../src/datanode/DataNodeDefinitionError.ts"
import { DependencyReadError } from "../../src/datanode/DependencyReadError.ts"
import { RowValidationError } from "../../src/datanode/RowValidationError.ts"
import { NodeOutputError } from "../../src/engine/NodeOutputError.ts"
import { isRetryableFailure } from "../../src/engine/RetryableFailure.ts"

/** The server's error behind a reason, as both clients keep it. */
const serverError = (code: string, message: string) => Object.assign(new Error(message), { code })

const props = (code: string, message: string) => ({ cause: serverError(code, message), message: "Query failed" })

/** Every reason effect/sql has, as the clients classify a SQLSTATE, and whether a retry may pass. */
const reasons: ReadonlyArray<readonly [SqlErrorReason, boolean]> = [
  [new ConnectionError(props("08006", "terminating connection due to administrator command")), true],
  [new DeadlockError(props("40P01", "deadlock detected")), true],
  [new SerializationError(props("40001", "could not serialize access due to concurrent update")), true],
  [new LockTimeoutError(props("55P03", "canceling statement due to lock timeout")), true],
  [new StatementTimeoutError(props("57014", "canceling statement due to statement timeout")), true],
  [new UniqueViolation({ ...props("23505", "duplicate key value violates unique constraint"), constraint: "pk" }), false],
  [new ConstraintError(props("23514", "new row violates check constraint")), false],
  [new SqlSyntaxError(props("42703", "column \"x\" does not exist")), false],
  [new AuthenticationError(props("28P01", "password authentication failed")), false],
  [new AuthorizationError(props("42501", "permission denied for table prices")), false],
  [new UnknownError(props("22012", "division by zero")), false]
]

const readFailure = (cause: unknown) =>
  new DependencyReadError({ node: "Reader", dependency: "DataNode Source", table: "source", reason: "database", cause })

class SourceUnavailable extends Schema.TaggedError<SourceUnavailable>()("SourceUnavailable", { url: Schema.String }) {}

describe("isRetryableFailure", () => {
  it("follows the SqlError's reason, whether it fails the update directly or is kept as a cause", () => {
    for (const [reason, retryable] of reasons) {
      const error = new SqlError({ reason })
      const name = `${reason._tag} (${retryable ? "retried" : "not retried"})`
      assert.strictEqual(isRetryableFailure(error), retryable, name)
      assert.strictEqual(isRetryableFailure(new CatalogStorageError({ operation: "record a batch", cause: error })), retryable, name)
      assert.strictEqual(isRetryableFailure(readFailure(error)), retryable, name)
      // drizzle keeps the SqlError in an Effect Cause; the Migrator keeps it as is. Neither says anything itself.
      assert.strictEqual(
        isRetryableFailure(new EffectDrizzleQueryError({ query: "select 1", params: [], cause: Cause.fail(error) })),
        retryable,
        name
      )
      assert.strictEqual(
        isRetryableFailure(new MigrationError({ kind: "Failed", message: "Migration failed", cause: error })),
        retryable,
        name
      )
    }
  })

  it("never retries invalid rows, wrong output, a refused read or a catalog row that does not decode", () => {
    const invalidRow = new RowValidationError({
      node: "Prices",
      identifier: "examples.prices",
      table: "public.prices",
      batch: 0,
      row: 1,
      rowInBatch: 1,
      column: "price",
      reason: "wrong-type",
      found: "\"12\"",
      expected: "a number",
      hint: "",
      relatedRow: null
    })
    const refusals = [
      invalidRow,
      new NodeOutputError({ node: "Prices", found: "a string" }),
      new DataNodeDefinitionError({ kind: "Prices", problems: ["no update"] }),
      new DependencyReadError({ node: "Reader", dependency: "DataNode Other", table: "other", reason: "not-a-dependency", cause: "it has none" }),
      new InvalidCatalogRowError({ table: "metatables.data_node_runs", field: "error", problem: "not an object" }),
      new CatalogStorageError({ operation: "record the start of a run", cause: "the statement returned no row" })
    ]
    for (const error of refusals) assert.isFalse(isRetryableFailure(error), error._tag)
  })

  it("retries an update's own failure that says nothing about retrying, and respects one that does", () => {
    assert.isTrue(isRetryableFailure(new SourceUnavailable({ url: "https://example.com/prices" })))
    assert.isTrue(isRetryableFailure(new Error("socket hang up")))
    assert.isTrue(isRetryableFailure("the feed was late"))
    assert.isFalse(isRetryableFailure(Object.assign(new Error("unknown ticker"), { isRetryable: false })))
  })
})
