/**
 * The plan as SQL, without a database: one transaction per revision with its version-table moves (a merge
 * replaces both heads, a revision replaces the head it depends on) and ledger rows; non-transactional
 * revisions recorded after; data migrations noted. The stamp plan: several targets, each moving only its own
 * lineage, and `--purge`.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { operationsDigest, planMigration, planStamp, renderPlanSql, renderStampSql } from "../../../src/migrations/runtime/MigrationPlan.ts"
import type { Revision } from "../../../src/migrations/files/Revision.ts"
import { RevisionGraph } from "../../../src/migrations/graph/RevisionGraph.ts"

const revision = (id: string, parents: ReadonlyArray<string>, overrides: Partial<Revision> = {}): Revision => ({
  id,
  parents,
  dependsOn: [],
  branchLabels: [],
  message: `revision ${id}`,
  createdAt: "2026-01-01T00:00:00.000Z",
  transactional: true,
  upgrade: [`CREATE TABLE t_${id} (id int)`],
  downgrade: [`DROP TABLE t_${id}`],
  source: `versions/${id}.ts`,
  checksum: id.padEnd(64, "0"),
  ...overrides
})

const loaded = (revisions: ReadonlyArray<Revision>) => ({
  revisions: new Map(revisions.map((entry) => [entry.id, entry])),
  graph: Result.getOrThrow(RevisionGraph.make(revisions))
})

const versionTable = { schema: "public", table: "app__alembic_version" }

describe("renderPlanSql", () => {
  it("prints the bookkeeping tables, then each revision in its transaction with its version moves", () => {
    const history = loaded([
      revision("a1", []),
      revision("b1", ["a1"]),
      revision("c1", ["a1"]),
      revision("m1", ["b1", "c1"], { upgrade: [], downgrade: [] })
    ])
    const plan = Result.getOrThrow(planMigration({ loaded: history, currentHeads: [], direction: "upgrade", target: "heads", versionTable }))
    assert.deepStrictEqual(plan.steps.map((step) => [step.revision.id, step.headsAfter]), [
      ["a1", ["a1"]],
      ["b1", ["b1"]],
      ["c1", ["b1", "c1"]],
      ["m1", ["m1"]]
    ])
    const sql = renderPlanSql(plan, { lockTimeout: "5s" })
    assert.strictEqual(
      sql.split("\n").slice(0, 4).join("\n"),
      "-- metatables upgrade to heads: <base> -> m1, 4 steps\n\n" +
        "SET lock_timeout = '5s';\n" +
        'CREATE TABLE IF NOT EXISTS "public"."app__alembic_version" ('
    )
    assert.include(
      sql,
      "-- Upgrade b1 -> b1, c1: c1 revision c1 (versions/c1.ts)\n" +
        "BEGIN;\nCREATE TABLE t_c1 (id int);\n" +
        `WITH "heads_added" AS (INSERT INTO "public"."app__alembic_version" ("version_num") VALUES ('c1'))\n` +
        `INSERT INTO "public"."app__alembic_version__ledger" ("revision", "checksum", "message") VALUES ('c1', '${"c1".padEnd(64, "0")}', 'revision c1') ` +
        `ON CONFLICT ("revision") DO UPDATE SET "checksum" = EXCLUDED."checksum", "message" = EXCLUDED."message", "applied_at" = now();\n` +
        "COMMIT;"
    )
    assert.include(sql, `WITH "heads_removed" AS (DELETE FROM "public"."app__alembic_version" WHERE "version_num" IN ('b1', 'c1')),\n` +
      `  "heads_added" AS (INSERT INTO "public"."app__alembic_version" ("version_num") VALUES ('m1'))\n` +
      `INSERT INTO "public"."app__alembic_version__ledger"`)
    assert.isTrue(sql.endsWith("COMMIT;\n\nRESET lock_timeout;"), "the script resets the session's lock timeout at its end")
  })

  it("runs a non-transactional revision as it is, recording its progress after each statement, and records it afterwards; notes data migrations", () => {
    const history = loaded([
      revision("a1", [], { transactional: false, upgrade: ["CREATE INDEX CONCURRENTLY i ON t (c)"] }),
      revision("b1", ["a1"], { upgrade: ["UPDATE t SET c = 1", () => Effect.void] })
    ])
    const plan = Result.getOrThrow(planMigration({ loaded: history, currentHeads: [], direction: "upgrade", target: "head", versionTable }))
    const sql = renderPlanSql(plan, { lockTimeout: "10s" })
    assert.include(
      sql,
      "(versions/a1.ts)\nCREATE INDEX CONCURRENTLY i ON t (c);\n" +
        `INSERT INTO "public"."app__alembic_version__progress" ("revision", "direction", "statements_done", "digest") ` +
        `VALUES ('a1', 'up', 1, '${operationsDigest(["CREATE INDEX CONCURRENTLY i ON t (c)"])}') ON CONFLICT ("revision") DO UPDATE SET ` +
        `"direction" = EXCLUDED."direction", "statements_done" = EXCLUDED."statements_done", "digest" = EXCLUDED."digest", ` +
        `"updated_at" = now();\nBEGIN;\nWITH "heads_added" AS (INSERT INTO`
    )
    assert.include(sql, `DELETE FROM "public"."app__alembic_version__progress" WHERE "revision" = 'a1';\nCOMMIT;`)
    assert.include(sql, "UPDATE t SET c = 1;\n-- operation 2 of b1 is a data migration written in TypeScript; it runs only online\n")
  })

  it("plans from a given starting revision, without a database (FROM:TO)", () => {
    const history = loaded([revision("a1", []), revision("b1", ["a1"]), revision("c1", ["b1"])])
    const plan = Result.getOrThrow(planMigration({ loaded: history, currentHeads: ["a1"], direction: "upgrade", target: "c1", versionTable }))
    assert.deepStrictEqual(plan.steps.map((step) => step.revision.id), ["b1", "c1"])
    const down = Result.getOrThrow(planMigration({ loaded: history, currentHeads: ["c1"], direction: "downgrade", target: "base", versionTable }))
    const sql = renderPlanSql(down, { lockTimeout: "10s" })
    assert.include(sql, "-- metatables downgrade to base: c1 -> <base>, 3 steps")
    assert.include(sql, `DROP TABLE t_c1;\nWITH "heads_removed" AS (DELETE FROM "public"."app__alembic_version" WHERE "version_num" IN ('c1')),\n` +
      `  "heads_added" AS (INSERT INTO "public"."app__alembic_version" ("version_num") VALUES ('b1'))\n` +
      `DELETE FROM "public"."app__alembic_version__ledger" WHERE "revision" = 'c1';`)
  })

  it("refuses a target the history cannot reach", () => {
    const history = loaded([revision("a1", []), revision("b1", ["a1"])])
    const result = planMigration({ loaded: history, currentHeads: ["b1"], direction: "upgrade", target: "a1", versionTable })
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.include(result.failure.message, "Use downgrade to go back")
  })
})

describe("plans across branches and dependencies", () => {
  // a1 - a2 (accounts) and n1 - n2 (networking), n2 depending on a2.
  const history = loaded([
    revision("a1", [], { branchLabels: ["accounts"] }),
    revision("a2", ["a1"]),
    revision("n1", [], { branchLabels: ["networking"] }),
    revision("n2", ["n1"], { dependsOn: ["a2"] })
  ])
  const plan = (currentHeads: ReadonlyArray<string>, direction: "upgrade" | "downgrade", target: string) =>
    Result.getOrThrow(planMigration({ loaded: history, currentHeads, direction, target, versionTable }))

  it("upgrades a dependency first, and the dependant takes its place in the version table", () => {
    const up = plan([], "upgrade", "networking@head")
    assert.deepStrictEqual(up.steps.map((step) => [step.revision.id, step.headsAfter]), [
      ["a1", ["a1"]],
      ["a2", ["a2"]],
      ["n1", ["a2", "n1"]],
      ["n2", ["n2"]]
    ])
    assert.include(
      renderPlanSql(up, { lockTimeout: "10s" }),
      `WITH "heads_removed" AS (DELETE FROM "public"."app__alembic_version" WHERE "version_num" IN ('a2', 'n1')),\n` +
        `  "heads_added" AS (INSERT INTO "public"."app__alembic_version" ("version_num") VALUES ('n2'))\n`
    )
    assert.deepStrictEqual(plan([], "upgrade", "heads").to, ["n2"])
  })

  it("downgrades dependants first, and a branch target leaves the other branch", () => {
    const down = plan(["n2"], "downgrade", "accounts@base")
    assert.deepStrictEqual(down.steps.map((step) => [step.revision.id, step.headsAfter]), [
      ["n2", ["a2", "n1"]],
      ["a2", ["a1", "n1"]],
      ["a1", ["n1"]]
    ])
    assert.deepStrictEqual(plan(["n2"], "downgrade", "networking@base").steps.map((step) => step.revision.id), ["n2", "n1"])
    // Down to the dependency itself: what merely needs it stays.
    assert.deepStrictEqual(plan(["n2"], "downgrade", "a2").steps, [])
  })
})

describe("planStamp", () => {
  const history = loaded([
    revision("a1", [], { branchLabels: ["accounts"] }),
    revision("a2", ["a1"]),
    revision("n1", [], { branchLabels: ["networking"] }),
    revision("n2", ["n1"])
  ])
  const stamp = (currentHeads: ReadonlyArray<string>, targets: ReadonlyArray<string>, purge = false) =>
    planStamp({ loaded: history, currentHeads, targets, purge, versionTable })

  it("records several targets together, each moving only the heads of its own lineage", () => {
    const both = Result.getOrThrow(stamp([], ["a2", "networking@head"]))
    assert.deepStrictEqual([both.from, both.to], [[], ["a2", "n2"]])
    const one = Result.getOrThrow(stamp(["a2", "n2"], ["n1"]))
    assert.deepStrictEqual(one.to, ["a2", "n1"])
    const sql = renderStampSql(one)
    assert.strictEqual(sql.split("\n")[0], "-- metatables stamp n1: a2, n2 -> a2, n1, no revision runs")
    assert.include(
      sql,
      `BEGIN;\nDELETE FROM "public"."app__alembic_version" WHERE "version_num" IN ('n2');\n` +
        `INSERT INTO "public"."app__alembic_version" ("version_num") VALUES ('n1');\n` +
        `DELETE FROM "public"."app__alembic_version__ledger" WHERE "revision" NOT IN ('a1', 'a2', 'n1');\n`
    )
    assert.isTrue(sql.endsWith("COMMIT;\n"))
    assert.deepStrictEqual(Result.getOrThrow(stamp(["a2", "n2"], ["base"])).to, [])
  })

  it("with purge, empties the version table first, even of revisions no file defines", () => {
    const purged = Result.getOrThrow(stamp(["gone", "n2"], ["a1"], true))
    assert.deepStrictEqual([purged.from, purged.to], [["gone", "n2"], ["a1"]])
    assert.include(
      renderStampSql(purged),
      `-- metatables stamp --purge a1: gone, n2 -> a1, no revision runs\n\n`
    )
    assert.include(
      renderStampSql(purged),
      `BEGIN;\nDELETE FROM "public"."app__alembic_version";\nINSERT INTO "public"."app__alembic_version" ("version_num") VALUES ('a1');\n`
    )
    const refused = stamp(["gone", "n2"], ["a1"])
    assert.isTrue(Result.isFailure(refused))
    if (Result.isFailure(refused)) assert.include(refused.failure.message, `The database is at revision "gone", which no revision file defines`)
  })

  it("refuses targets where one builds on another", () => {
    const overlap = stamp([], ["a1", "accounts@head"])
    assert.isTrue(Result.isFailure(overlap))
    if (Result.isFailure(overlap)) {
      assert.strictEqual(
        overlap.failure.message,
        `Target "a1 accounts@head" names both "a1" and "a2", but "a2" builds on "a1": a state records only the ` +
          `revision built last, so name "a2" alone.`
      )
    }
  })
})
