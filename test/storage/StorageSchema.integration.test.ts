/**
 * drizzle-kit accepts the example tables, and the SQL it generates creates them with the SDK's names for
 * the grain's unique index, the foreign keys, the primary keys, the unique and the check constraints, on
 * both backends.
 */
import { assert } from "@effect/vitest"
import { sql as drizzleSql } from "drizzle-orm"
import { check, integer } from "drizzle-orm/pg-core"
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api-postgres"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { PlatformManagedMetaTable, storageSchemaSnapshot } from "../../src/index.ts"
import { Account } from "../../storage/Account.ts"
import { AccountLimit } from "../../storage/AccountLimit.ts"
import { AccountPositions } from "../../storage/AccountPositions.ts"
import { DailyMetrics } from "../../storage/DailyMetrics.ts"
import { observationStorage } from "../../storage/ObservationStorage.ts"
import { Prices } from "../../storage/Prices.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const examples = [Account, AccountLimit, DailyMetrics, AccountPositions, Prices, observationStorage("vendor-a")]

describeBackends("example tables through drizzle-kit", (it) => {
  it.effect("create with the SDK's constraint and index names", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const snapshot = yield* storageSchemaSnapshot(examples)
      const empty = yield* Effect.promise(() => generateDrizzleJson({}))
      const statements = yield* Effect.promise(() => generateMigration(empty, snapshot))
      for (const statement of statements) yield* sql.unsafe(statement)

      const constraints = yield* sql<{ readonly name: string; readonly kind: string; readonly table: string }>`
        SELECT c.conname AS name, c.contype AS kind, t.relname AS table
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname LIKE 'sdk_examples__%' AND c.contype IN ('p', 'u', 'f') ORDER BY 1`
      assert.deepStrictEqual(constraints, [
        { name: "fk__sdk_examples__account_limit__account_uid__sdk_ex_6837313419", kind: "f", table: "sdk_examples__account_limit" },
        { name: "fk__sdk_examples__account_positions__account_uid__sd_c5c1cfac1d", kind: "f", table: "sdk_examples__account_positions" },
        { name: "pk__sdk_examples__account", kind: "p", table: "sdk_examples__account" },
        { name: "pk__sdk_examples__account_limit", kind: "p", table: "sdk_examples__account_limit" },
        { name: "uq__sdk_examples__account__account_code", kind: "u", table: "sdk_examples__account" },
        { name: "uq__sdk_examples__account_limit__account_uid__limit_type", kind: "u", table: "sdk_examples__account_limit" }
      ])
      const [restrict] = yield* sql<{ readonly action: string }>`
        SELECT confdeltype AS action FROM pg_constraint
        WHERE conname = 'fk__sdk_examples__account_positions__account_uid__sd_c5c1cfac1d'`
      assert.strictEqual(restrict?.action, "r")

      const indexes = yield* sql<{ readonly name: string; readonly definition: string }>`
        SELECT indexname AS name, indexdef AS definition FROM pg_indexes
        WHERE tablename LIKE 'sdk_examples__%' AND indexname NOT LIKE 'pk\\_\\_%' AND indexname NOT LIKE 'uq\\_\\_%'
        ORDER BY 1`
      assert.deepStrictEqual(indexes.map((entry) => entry.name), [
        "ix__sdk_examples__account_positions__account_uid",
        "uix__sdk_examples__account_positions__time_index__ac_47055cd732",
        "uix__sdk_examples__daily_metrics__time_index__entity_identifier",
        "uix__sdk_examples__observations__vendor_a__time_inde_6cf8add8ec",
        "uix__sdk_examples__prices__time_index__asset_identifier"
      ])
      assert.match(indexes[4]!.definition, /CREATE UNIQUE INDEX .* \(time_index, asset_identifier\)/)
    }))

  it.effect("create a check constraint as ck__<table>__<name>", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      class Limits extends PlatformManagedMetaTable<Limits>()({
        name: "schema_checks__limits",
        namespace: "tests",
        identifier: "tests.limits",
        description: "Limits with a check.",
        columns: { amount: integer().notNull() },
        columnInfo: { amount: { label: "Amount", description: "The limit." } },
        constraints: (t) => [check("positive", drizzleSql`${t.amount} > 0`)]
      }) {}
      const empty = yield* Effect.promise(() => generateDrizzleJson({}))
      const snapshot = yield* storageSchemaSnapshot([Limits])
      const statements = yield* Effect.promise(() => generateMigration(empty, snapshot))
      for (const statement of statements) yield* sql.unsafe(statement)
      const checks = yield* sql<{ readonly name: string }>`
        SELECT c.conname AS name FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname = 'schema_checks__limits' AND c.contype = 'c'`
      assert.deepStrictEqual(checks.map((row) => row.name), ["ck__schema_checks__limits__positive"])
    }))
})
