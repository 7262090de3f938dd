/**
 * Backfills and replays as a user types them, on the server (the command tree in-process): `nodes run --as-of`
 * runs the example graph as of a past day; `--from/--to --node --with-descendants --entities` gives prices and
 * everything derived from them a range again for one asset, leaving the other rows alone and the watermarks
 * where they were, and `nodes status NODE` shows the backfill. Times without an offset and backfill flags
 * without `--from` are bad usage (exit 2) and write nothing.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import { inject } from "vitest"
import { runCliInProcess } from "../support/cli.ts"
import { exampleProject } from "../support/exampleProject.ts"
import { adminPsql, createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")

describe("backfills on the command line", () => {
  it.skipIf(!server.available)("runs as of a day, backfills one asset over a range with its descendants, and refuses naive times", async () => {
    const project = exampleProject("backfill")
    const { name, url, drop } = createServerDatabase(server.url, "mt_backfill")
    const psql = adminPsql(server.url)
    try {
      const env = { DATABASE_URL: url }
      const graph = "nodes/index.ts:exampleGraph"
      const naive = await runCliInProcess(["nodes", "run", graph, "--from", "2025-02-03"], { cwd: project, env })
      assert.strictEqual(naive.exitCode, 2, naive.stderr)
      assert.include(naive.stderr, '--from "2025-02-03" has no UTC offset, so it names no single instant')
      const stray = await runCliInProcess(["nodes", "run", graph, "--with-descendants"], { cwd: project, env })
      assert.strictEqual(stray.exitCode, 2, stray.stderr)
      assert.include(stray.stderr, "--with-descendants belong to a backfill: add --from TIME")
      assert.strictEqual(psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'metatables'", name), "0", "nothing was written")

      const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: project, env })
      assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
      const asOf = await runCliInProcess(["nodes", "run", graph, "--as-of", "2025-03-01T00:00:00Z"], { cwd: project, env })
      assert.strictEqual(asOf.exitCode, 0, asOf.stderr)
      assert.include(asOf.stderr, "Running 4 nodes as of 2025-03-01T00:00:00.000Z")
      assert.strictEqual(psql("SELECT max(time_index) FROM sdk_examples__prices", name), "2025-02-28 00:00:00+00")
      const prices = (asset: string) =>
        psql(`SELECT string_agg(time_index || ':' || close, ',' ORDER BY time_index) FROM sdk_examples__prices WHERE asset_identifier = '${asset}'`, name)
      const watermarks = () => psql("SELECT string_agg(entity_key || last_time_index, ',' ORDER BY update_uid, entity_key) FROM metatables.data_node_watermarks", name)
      const acmeBefore = prices("ACME")
      const marksBefore = watermarks()
      // Prices of ACME and GLOBEX in the first week of February edited by hand: the backfill puts ACME's back.
      psql("UPDATE sdk_examples__prices SET close = 0 WHERE asset_identifier IN ('ACME', 'GLOBEX') AND time_index BETWEEN '2025-02-03' AND '2025-02-07'", name)

      const backfill = await runCliInProcess([
        "nodes", "run", graph, "--as-of", "2025-03-01T00:00:00Z",
        "--from", "2025-02-03T00:00:00Z", "--to", "2025-02-07T00:00:00Z",
        "--node", "SyntheticPrices", "--with-descendants", "--entities", "ACME"
      ], { cwd: project, env })
      assert.strictEqual(backfill.exitCode, 0, backfill.stderr)
      assert.match(backfill.stderr, /SyntheticPrices [0-9a-f]{8}: backfilling 2025-02-03T00:00:00\.000Z to 2025-02-07T00:00:00\.000Z in 1 chunk/)
      assert.match(backfill.stderr, /ok {6}SyntheticPrices [0-9a-f]{8} \(backfill\): 0 new, 5 changed, 0 unchanged rows/)
      assert.match(backfill.stderr, /ok {6}DailyReturns [0-9a-f]{8} \(backfill\)/)
      assert.include(backfill.stderr, "All 4 nodes are up to date")
      // ACME is back; GLOBEX (not in --entities) keeps the hand edit; nothing else moved, watermarks included.
      assert.strictEqual(psql("SELECT count(*) FROM sdk_examples__prices WHERE close = 0", name), "5")
      assert.strictEqual(
        psql("SELECT count(*) FROM sdk_examples__prices WHERE close = 0 AND asset_identifier = 'GLOBEX'", name),
        "5"
      )
      assert.strictEqual(prices("ACME"), acmeBefore)
      assert.strictEqual(watermarks(), marksBefore)

      const history = await runCliInProcess(["nodes", "status", "SyntheticPrices"], { cwd: project, env })
      assert.strictEqual(history.exitCode, 0, history.stderr)
      assert.match(history.stderr, /backfill\s+succeeded\s+2025-02-03T00:00:00\.000Z to 2025-02-07T00:00:00\.000Z \(1 entity\)/)
      assert.match(history.stderr, /run\s+succeeded\s+as of 2025-03-01T00:00:00\.000Z/)
      const status = await runCliInProcess(["nodes", "status"], { cwd: project, env })
      assert.match(status.stderr, /SyntheticPrices\s+[0-9a-f]{8}\s+sdk_examples\.prices\s+succeeded \(backfill\)/)
    } finally {
      drop()
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 300_000)
})
