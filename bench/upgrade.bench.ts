/**
 * Upgrading through 200 revisions with `applyMigration` against executing the same SQL directly: the
 * upgrade's script (what `--sql` prints: lock timeout, version tables, each revision's operations and its
 * version-table and ledger statement in its transaction) replayed statement by statement on one session, on
 * the same backend in the same run: embedded PGlite, and the PostgreSQL server when `TEST_DATABASE_URL`
 * answers. Target: <= 1.2x. Beside it, the floor: the revisions' operations alone, without the bookkeeping
 * the engine must write in each revision's transaction, to show what that bookkeeping costs.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { PGlite } from "@electric-sql/pglite"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { Database } from "../src/db/Database.ts"
import { redactDatabaseUrl } from "../src/db/DatabaseTarget.ts"
import { applyMigration } from "../src/migrations/runtime/MigrationApply.ts"
import { planMigration, resetSession, sessionStatements, stepStatements } from "../src/migrations/runtime/MigrationPlan.ts"
import { loadRevisions } from "../src/migrations/files/RevisionLoader.ts"
import { admin, adminUrl, serverUnreachable } from "./support/server.ts"
import { collectGarbage, formatMs, median, now, spread, verdict } from "./support/measure.ts"
import { writeRevisionChain } from "./support/revisions.ts"

const REVISIONS = 200
const WARMUP_ROUNDS = 1
const ROUNDS = 10
const TARGET_RATIO = 1.2

const versionTable = { schema: "public", table: "bench__alembic_version" }
const applyOptions = { providerKey: "bench:upgrade", versionTable }

const directory = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "metatables-bench-upgrade-"))
const statementCount = writeRevisionChain(directory, REVISIONS)
const loadStarted = now()
const loaded = await Effect.runPromise(loadRevisions([directory]).pipe(Effect.provide(NodeFileSystem.layer)))
const loadMs = now() - loadStarted
NodeFs.rmSync(directory, { recursive: true, force: true })

// The floor (c) runs the plan's operations, in the plan's order, exactly as loaded from the files.
const plan = planMigration({ loaded, currentHeads: [], direction: "upgrade", target: "head", versionTable })
if (Result.isFailure(plan)) throw new Error(`cannot plan the benchmark's revisions: ${plan.failure.message}`)
const revisionOperations = plan.success.steps.map((step) =>
  step.operations.map((operation) => {
    if (typeof operation !== "string") throw new Error("the benchmark's revisions hold only SQL")
    return operation
  })
)
const operationsStatementCount = revisionOperations.reduce((total, operations) => total + operations.length + 2, 0)

/** The user tables, columns, indexes and constraints, without the version table and ledger. */
const schemaShape = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{ readonly shape: string }>`
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS shape
      FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'bench\\_\\_%'
        AND table_name NOT LIKE 'bench\\_\\_alembic%'
    UNION ALL
    SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%alembic%'
    UNION ALL
    SELECT 'constraint ' || conname FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND conname NOT LIKE '%alembic%'
    ORDER BY 1`
  return rows.map((row) => row.shape).join("\n")
})

interface Timing {
  readonly wallMs: number
  /** This process's CPU time (user + system): on PGlite all the work, and steadier than wall time on a busy machine. */
  readonly cpuMs: number
}

/** Times `work` (wall clock and this process's CPU). */
const timed = <E, R>(work: Effect.Effect<void, E, R>): Effect.Effect<Timing, E, R> =>
  Effect.suspend(() => {
    const wallStarted = now()
    const cpuStarted = process.cpuUsage()
    return Effect.map(work, () => {
      const cpu = process.cpuUsage(cpuStarted)
      return { wallMs: now() - wallStarted, cpuMs: (cpu.user + cpu.system) / 1000 }
    })
  })

/** (a) The engine: lock, read the state, create the version tables, then each revision with its bookkeeping. */
const engineSide = timed(Effect.gen(function*() {
  const result = yield* applyMigration({ loaded, direction: "upgrade", target: "head" }, applyOptions)
  if (result.applied.length !== REVISIONS) throw new Error(`applyMigration applied ${result.applied.length} revisions`)
}))

/** Runs `statements` one by one on one reserved connection, as the engine runs its own. */
const replay = (statements: ReadonlyArray<string>) =>
  timed(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    yield* Effect.scoped(Effect.gen(function*() {
      const connection = yield* sql.reserve
      for (const statement of statements) yield* connection.executeUnprepared(statement, [], undefined)
    }))
  }))

/**
 * (b) The baseline: the SQL the upgrade executes (`--sql`: the session's lock timeout, version tables, each
 * revision's operations and bookkeeping), replayed on one session. (a) minus (b) is the engine's own cost:
 * loading nothing (the revisions are loaded once, outside), locking, reading the state, planning, running.
 */
const engineStatements = [
  ...sessionStatements({ lockTimeout: "10s" }),
  ...plan.success.preamble,
  ...plan.success.steps.flatMap((step) =>
    stepStatements(step, plan.success.versionTable).flatMap((statement) => statement._tag === "Sql" ? [statement.sql] : [])
  ),
  ...resetSession
]
const scriptSide = replay(engineStatements)

/**
 * (c) The floor, not the target: the revisions' operations alone, each revision in BEGIN ... COMMIT, without
 * the version table and ledger. (b) minus (c) is what the bookkeeping costs.
 */
const operationsSide = replay(revisionOperations.flatMap((operations) => ["BEGIN;", ...operations, "COMMIT;"]))

type Side = "engine" | "script" | "operations"
const sides: Record<Side, Effect.Effect<Timing, unknown, SqlClient.SqlClient>> = {
  engine: engineSide,
  script: scriptSide,
  operations: operationsSide
}

interface Backend {
  readonly name: string
  /** A fresh, empty database for one side of one round; gone when the layer is released. */
  readonly fresh: () => Layer.Layer<SqlClient.SqlClient, unknown>
}

/** One side on a fresh database: its time and the schema it left. */
const runSide = (backend: Backend, side: Side) => {
  collectGarbage()
  return Effect.runPromise(
    Effect.gen(function*() {
      const timing = yield* sides[side]
      return { timing, shape: yield* schemaShape }
    }).pipe(Effect.provide(backend.fresh()))
  )
}

/** Warm-up rounds, then measured rounds; the order of the sides rotates from round to round. */
const compare = async (backend: Backend): Promise<boolean> => {
  const names: ReadonlyArray<Side> = ["engine", "script", "operations"]
  const timings: Record<Side, Array<Timing>> = { engine: [], script: [], operations: [] }
  let expectedShape: string | undefined
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    const rotated = [...names.slice(round % names.length), ...names.slice(0, round % names.length)]
    const order = Math.floor(round / names.length) % 2 === 0 ? rotated : rotated.reverse()
    for (const side of order) {
      const { shape, timing } = await runSide(backend, side)
      expectedShape ??= shape
      if (shape !== expectedShape) throw new Error(`${side} on ${backend.name} left a different schema`)
      if (round >= WARMUP_ROUNDS) timings[side].push(timing)
    }
  }
  const wall = (side: Side) => timings[side].map((timing) => timing.wallMs)
  const cpu = (side: Side) => timings[side].map((timing) => timing.cpuMs)
  /** Each round's ratio of `side` to `base` measured in the same round. */
  const pairedRatios = (side: Side, base: Side, of: (side: Side) => ReadonlyArray<number>) =>
    of(side).map((value, round) => value / of(base)[round]!)
  const ratios = pairedRatios("engine", "script", wall)
  const ratio = median(ratios)
  const perRevision = (ms: number) => `${(ms / REVISIONS).toFixed(2)} ms/revision`
  const line = (label: string, side: Side) =>
    `  ${label.padEnd(49)} wall ${formatMs(median(wall(side)))} ${spread(wall(side))}, ${perRevision(median(wall(side)))}; ` +
    `process CPU ${formatMs(median(cpu(side)))}`
  console.log(`${backend.name}: medians of ${ROUNDS} rounds after ${WARMUP_ROUNDS} warm-up, each side on a fresh database`)
  console.log(line("(a) applyMigration base -> head:", "engine"))
  console.log(line("(b) the upgrade's SQL directly, one session:", "script"))
  console.log(line("(c) floor: the operations alone, no bookkeeping:", "operations"))
  console.log(
    `  (a)/(b) per round: ${ratios.map((value) => value.toFixed(2)).join(", ")}; ratio of the medians ` +
      `${(median(wall("engine")) / median(wall("script"))).toFixed(2)}x; process CPU (a)/(b) ` +
      `${median(pairedRatios("engine", "script", cpu)).toFixed(2)}x`
  )
  console.log(
    `  (b)/(c) ${median(pairedRatios("script", "operations", wall)).toFixed(2)}x: the version table and ledger ` +
      `(${engineStatements.length} statements against ${operationsStatementCount}); (a)/(c) ` +
      `${median(pairedRatios("engine", "operations", wall)).toFixed(2)}x: the engine against the bare operations`
  )
  return verdict(
    `upgrade through ${REVISIONS} revisions on ${backend.name}`,
    `${ratio.toFixed(2)}x (median of the per-round ratios (a)/(b))`,
    `<= ${TARGET_RATIO}x`,
    ratio <= TARGET_RATIO
  )
}

console.log(
  `upgrade: ${REVISIONS} revisions in one chain, ${statementCount} statements (creates and alters of tables, ` +
    `indexes, foreign keys), Node ${process.version}`
)
console.log(`  loading the ${REVISIONS} revision files: ${formatMs(loadMs)} (not part of the comparison)`)

const results: Array<boolean> = []

// PGlite: every side starts from the same dumped data directory instead of running initdb.
const template = await (async () => {
  const pg = await PGlite.create()
  const dump = await pg.dumpDataDir("none")
  await pg.close()
  return new Uint8Array(await dump.arrayBuffer())
})()
results.push(await compare({
  name: "PGlite (in memory)",
  fresh: () => Database.layerMemory({ loadDataDir: new Blob([template]) })
}))

// The server: a scratch database with a random name for every side, dropped afterwards.
const unreachable = await serverUnreachable()
if (unreachable !== undefined) {
  console.log(`PostgreSQL server: skipped, ${redactDatabaseUrl(adminUrl)} is unreachable: ${unreachable}`)
} else {
  const serverDatabase = (): Layer.Layer<SqlClient.SqlClient, unknown> => {
    const name = `mt_bench_${NodeCrypto.randomBytes(8).toString("hex")}`
    const url = new URL(adminUrl)
    url.pathname = `/${name}`
    return Layer.unwrap(
      Effect.acquireRelease(
        Effect.promise(() => admin((client) => Effect.asVoid(client`CREATE DATABASE ${client(name)}`))),
        () => Effect.promise(() => admin((client) => Effect.asVoid(client`DROP DATABASE IF EXISTS ${client(name)} WITH (FORCE)`)))
      ).pipe(Effect.as(Database.layerServer(Redacted.make(url.toString()), { maxConnections: 2 })))
    )
  }
  results.push(await compare({ name: `PostgreSQL server ${redactDatabaseUrl(adminUrl)}`, fresh: serverDatabase }))
}

if (results.some((passed) => !passed)) process.exitCode = 1
