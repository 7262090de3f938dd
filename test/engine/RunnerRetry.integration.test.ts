/**
 * The runner's retries against real database failures, on both backends: a write that fails with a reason the
 * database calls passing (serialization failure, deadlock) is tried again and lands; one that would fail again
 * (a check violation) is reported after one attempt; one that keeps passing-failing is reported as retried until
 * the schedule ends, its last attempt once, as not retried; an update that throws is reported as the update's bug,
 * not retried. A trigger raises the failures with their SQLSTATE; a
 * sequence, which a rollback does not rewind, counts the attempts.
 */
import { assert } from "@effect/vitest"
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as SqlClient from "effect/sql/SqlClient"
import {
  DataNode,
  DataNodeConfiguration,
  graphTables,
  PlatformTimeIndexMetaTable,
  type RunEvent,
  runNodes,
  startEngine
} from "../../src/index.ts"
import { deployTables } from "../support/deploy.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

class Marks extends PlatformTimeIndexMetaTable<Marks>()({
  name: "retry__marks",
  namespace: "retry-tests",
  identifier: "retry_tests.marks",
  description: "Marks written by the retry tests.",
  indexNames: ["time_index", "source"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    source: varchar({ length: 16 }).notNull(),
    value: doublePrecision().notNull()
  },
  columnInfo: { timeIndex: info("Time"), source: info("Source"), value: info("Value") }
}) {}

class MarkConfig extends DataNodeConfiguration<MarkConfig>("RetryMarkConfig")({
  source: Schema.String.annotate({ description: "The source written." })
}) {}

class MarkNode extends DataNode({
  kind: "RetryMark",
  configuration: MarkConfig,
  storage: Marks,
  update: (ctx) => Effect.succeed([{ timeIndex: new Date(Date.UTC(2024, 0, 1)), source: ctx.configuration.source, value: 1 }])
}) {}

class ThrowingNode extends DataNode({
  kind: "RetryThrowing",
  configuration: MarkConfig,
  storage: Marks,
  update: (ctx) =>
    Effect.sync(() => {
      throw new TypeError(`no rows for ${ctx.configuration.source}`)
    })
}) {}

/** The next `failures` inserts into the table fail with SQLSTATE `code`; the ones after succeed. */
const failInserts = (code: string, failures: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* sql.unsafe("DROP TRIGGER IF EXISTS flaky ON retry__marks")
    yield* sql.unsafe("DROP SEQUENCE IF EXISTS retry_attempts")
    yield* sql.unsafe("CREATE SEQUENCE retry_attempts")
    // The trigger runs as the writer, which on a server is the provider's run role, not this test's superuser.
    yield* sql.unsafe("GRANT USAGE ON SEQUENCE retry_attempts TO PUBLIC")
    yield* sql.unsafe(`
      CREATE OR REPLACE FUNCTION retry_flaky() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('retry_attempts') <= ${failures} THEN
          RAISE EXCEPTION 'raised by the test' USING ERRCODE = '${code}';
        END IF;
        RETURN NEW;
      END $$`)
    yield* sql.unsafe("CREATE TRIGGER flaky BEFORE INSERT ON retry__marks FOR EACH ROW EXECUTE FUNCTION retry_flaky()")
  })

const run = (source: string) =>
  Effect.gen(function*() {
    const node = new MarkNode(new MarkConfig({ source }))
    const tables = yield* Effect.fromResult(graphTables([node]))
    const events: Array<RunEvent> = []
    const report = yield* runNodes([node], {
      retry: Schedule.recurs(3),
      onEvent: (event) => Effect.sync(() => events.push(event))
    }).pipe(Effect.provide(startEngine({ tables })))
    const retrying = events.flatMap((event) => event._tag === "AttemptFailed" ? [event.retrying] : [])
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<{ readonly source: string }>`SELECT source FROM retry__marks WHERE source = ${source}`
    return { outcome: report.nodes[0]!, retrying, written: rows.length }
  })

describeBackends("runNodes retries", (it) => {
  it.effect("a write the database failed with a passing reason, until it lands", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Marks])
      for (const [code, source] of [["40001", "serialization"], ["40P01", "deadlock"]] as const) {
        yield* failInserts(code, 2)
        const { outcome, retrying, written } = yield* run(source)
        assert.strictEqual(outcome.status, "succeeded", code)
        assert.strictEqual(outcome.attempts, 3, `${code}: failed twice, landed on the third attempt`)
        assert.deepStrictEqual(retrying, [true, true], code)
        assert.strictEqual(written, 1, code)
      }
    }))

  it.effect("not a write the database refused for a reason that would recur", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Marks])
      yield* failInserts("23514", 1)
      const { outcome, retrying, written } = yield* run("check")
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.attempts, 1, "a check violation is not retried")
      assert.deepStrictEqual(retrying, [false])
      assert.strictEqual(outcome.error?.tag, "SqlError")
      assert.strictEqual(outcome.error?.message, "raised by the test (SQLSTATE 23514)")
      assert.strictEqual(written, 0)
    }))

  it.effect("reports the last attempt once, as not retried, when the schedule runs out", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Marks])
      yield* failInserts("40001", 10)
      const { outcome, retrying, written } = yield* run("exhausted")
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.attempts, 4, "tried once and retried three times")
      assert.deepStrictEqual(retrying, [true, true, true, false])
      assert.strictEqual(written, 0)
    }))

  it.effect("reports an update that throws as its bug, naming the node, and does not retry it", () =>
    Effect.gen(function*() {
      yield* resetDatabase
      yield* deployTables([Marks])
      const node = new ThrowingNode(new MarkConfig({ source: "thrown" }))
      const events: Array<RunEvent> = []
      const report = yield* runNodes([node], {
        retry: Schedule.recurs(3),
        onEvent: (event) => Effect.sync(() => events.push(event))
      }).pipe(Effect.provide(startEngine({ tables: yield* Effect.fromResult(graphTables([node])) })))
      const outcome = report.nodes[0]!
      assert.strictEqual(outcome.status, "failed")
      assert.strictEqual(outcome.attempts, 1)
      assert.strictEqual(outcome.error?.tag, "NodeUpdateError")
      assert.include(outcome.error?.message ?? "", `The update of DataNode RetryThrowing (${outcome.updateHash}) threw: TypeError: no rows for thrown.`)
      assert.include(outcome.error?.message ?? "", "fix it, then run the node again")
      assert.deepStrictEqual(events.flatMap((event) => event._tag === "AttemptFailed" ? [event.retrying] : []), [false])
    }))
})
