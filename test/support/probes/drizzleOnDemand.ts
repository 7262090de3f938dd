/**
 * Run by test/ImportBoundaries.test.ts in a fresh Node process: opens an in-memory database, queries it with
 * `SqlClient`, then asks for drizzle and queries with it, printing whether drizzle's driver had loaded before
 * and after it was asked for. `PROBE_DATA_DIR` names a dumped data directory to start from (the suite's
 * template), so that the probe does not run initdb.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeFs from "node:fs"
import { registerHooks } from "node:module"
import * as NodeProcess from "node:process"

const loaded = new Set<string>()
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context)
    loaded.add(resolved.url)
    return resolved
  }
})
const driverLoaded = () => [...loaded].some((url) => url.includes("/node_modules/drizzle-orm/effect-postgres"))

const { Database } = await import("../../../src/db/Database.ts")
const program = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ readonly answer: number }>`SELECT 42 AS answer`
  const before = driverLoaded()
  const drizzle = yield* (yield* Database).drizzle
  const rows = yield* drizzle.execute<[number]>("SELECT 43 AS answer", "arrays")
  return { sqlAnswer: row?.answer, before, after: driverLoaded(), drizzleRows: rows }
})
const dataDir = NodeProcess.env["PROBE_DATA_DIR"]
const layer = Database.layerMemory(
  dataDir === undefined ? {} : { loadDataDir: new Blob([NodeFs.readFileSync(dataDir)]) }
)
const report = await Effect.runPromise(program.pipe(Effect.provide(layer)))
NodeProcess.stdout.write(JSON.stringify(report))
