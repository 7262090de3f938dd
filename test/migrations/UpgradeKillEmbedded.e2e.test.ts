/**
 * Fault injection on the embedded database: `metatables migrations upgrade` killed with SIGKILL in the middle of
 * a revision's data step (inside its transaction), then run again. The rerun takes over the killed process's
 * directory lock, finds the revision not applied (its transaction never committed), applies it once, and ends at
 * the history's head with the data step's row exactly once.
 *
 * The step is recognised by a marker file the test's own revision writes before it waits (no hook in metatables).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { Database } from "../../src/db/Database.ts"
import { repositoryRoot, runCliInProcess, startCli } from "../support/cli.ts"
import { writeRevision } from "../support/revisions.ts"
import { scratchDirectory } from "../support/scratch.ts"

const library = NodePath.join(repositoryRoot, "src", "index.ts")

const upgrade = (root: string) => startCli(["migrations", "upgrade"], { cwd: root })

describe("embedded upgrade killed mid-data-step, then run again", () => {
  it("converges: the revision applies once, the stale directory lock is taken over", { timeout: 300_000 }, async () => {
    const root = scratchDirectory("kill-embedded", "repository")
    NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
    NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "shop", private: true, type: "module" }))
    NodeFs.writeFileSync(
      NodePath.join(root, "storage", "models.ts"),
      `import { uuid, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Customer extends PlatformManagedMetaTable<Customer>()({
  name: "shop__customer", namespace: "shop", identifier: "shop.customer", description: "Customers.",
  columns: { uid: uuid().primaryKey().defaultRandom(), name: varchar({ length: 120 }).notNull() },
  columnInfo: { uid: { label: "UID", description: "Key." }, name: { label: "Name", description: "Name." } }
}) {}
export const models = [Customer]
`
    )
    const scaffold = await runCliInProcess(
      ["migrations", "scaffold", "--package", "shop", "--namespace", "shop", "--metadata", "storage/models.ts:models", "--import-from", library],
      { cwd: root }
    )
    assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
    const initial = await runCliInProcess(["migrations", "revision", "-m", "initial"], { cwd: root })
    assert.strictEqual(initial.exitCode, 0, initial.stderr)
    const reached = NodePath.join(root, "reached")
    writeRevision(NodePath.join(root, "migrations", "versions", "shop"), {
      id: "0002",
      parents: ["0001"],
      message: "seed",
      prelude: `import * as Effect from "effect/Effect"\nimport * as NodeFs from "node:fs"`,
      // The first time, it says it got here and waits to be killed; the rerun goes straight through.
      upgradeSource: "[(sql) => Effect.gen(function*() {\n" +
        "  yield* sql`INSERT INTO shop__customer (name) VALUES ('once')`\n" +
        `  if (!NodeFs.existsSync(${JSON.stringify(reached)})) {\n` +
        `    NodeFs.writeFileSync(${JSON.stringify(reached)}, "")\n` +
        `    yield* Effect.sleep("120 seconds")\n` +
        "  }\n" +
        "})]",
      downgradeSource: "[\"DELETE FROM shop__customer WHERE name = 'once'\"]"
    })

    const killed = upgrade(root)
    try {
      while (!NodeFs.existsSync(reached)) {
        if (killed.child.exitCode !== null) assert.fail(`the upgrade ended early: ${killed.stderr()}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      killed.child.kill("SIGKILL")
      assert.isNull(await killed.exited)
    } finally {
      if (killed.child.exitCode === null && killed.child.signalCode === null) killed.child.kill("SIGKILL")
    }

    const rerun = upgrade(root)
    assert.strictEqual(await rerun.exited, 0, rerun.stderr())
    assert.include(rerun.stderr(), "0002")

    const dataDir = NodePath.join(root, ".metatables", "pgdata")
    const state = await Effect.runPromise(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const heads = yield* sql<{ readonly v: string }>`SELECT version_num AS v FROM shop__alembic_version`
      const [seeded] = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM shop__customer WHERE name = 'once'`
      const statuses = yield* sql<{ readonly v: string }>`SELECT status AS v FROM metatables.meta_tables ORDER BY 1`
      return { heads: heads.map((row) => row.v), seeded: seeded?.n, statuses: statuses.map((row) => row.v) }
    }).pipe(Effect.provide(Database.layerEmbedded(dataDir).pipe(Layer.provide(NodeFileSystem.layer)))))
    assert.deepStrictEqual(state, { heads: ["0002"], seeded: 1, statuses: ["active", "active"] })
    assert.deepStrictEqual(NodeFs.readdirSync(NodePath.dirname(dataDir)).filter((name) => name.includes(".lock")), [])
  })
})
