/**
 * Autogenerate on a generated 500-table model: the first revision (from the empty model; target <= 2 s) and
 * a second one after 10 tables gain a column, each beside drizzle-kit's own snapshot and diffs measured in
 * the same run, with the heap's high-water mark.
 */
import { generateMigration } from "drizzle-kit/api-postgres"
import * as Effect from "effect/Effect"
import {
  autogenerate,
  type AutogenerateResult,
  emptySnapshot,
  normalizeSnapshot
} from "../src/migrations/Autogenerate.ts"
import { type SchemaSnapshot, storageSchemaSnapshot } from "../src/storage/StorageSchema.ts"
import type { AnyStorageTable } from "../src/storage/StorageTable.ts"
import {
  collectGarbage,
  formatMb,
  formatMs,
  hasGc,
  heapHighWater,
  median,
  now,
  spread,
  verdict
} from "./support/measure.ts"
import { generateModel, kindOf } from "./support/model.ts"

const TABLES = 500
/** Two tables of each kind gain a column for the second revision. */
const CHANGED = new Set([0, 51, 102, 153, 204, 255, 306, 357, 408, 459])
const WARMUP_RUNS = 1
const RUNS = 5
const TARGET_MS = 2000

interface Sample {
  readonly ms: number
  readonly heapBefore: number
  readonly heapPeak: number
}

/** Runs `work` after a full collection, timing it and taking the heap's high-water mark. */
const measure = async <A>(work: () => Promise<A>): Promise<[A, Sample]> => {
  collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  const heap = heapHighWater()
  const started = now()
  const result = await work()
  const ms = now() - started
  return [result, { ms, heapBefore, heapPeak: heap.stop() }]
}

const runAutogenerate = (tables: ReadonlyArray<AnyStorageTable>, baseline: SchemaSnapshot) =>
  Effect.runPromise(autogenerate({ tables, baseline, renames: [] }))

/** The same work done with drizzle-kit's API directly: the model, the upgrade diff and the downgrade diff. */
const runDrizzleKit = async (tables: ReadonlyArray<AnyStorageTable>, baseline: SchemaSnapshot) => {
  const snapshot = normalizeSnapshot(await Effect.runPromise(storageSchemaSnapshot(tables)))
  const upgrade = await generateMigration(baseline, snapshot, { hints: [] })
  const downgrade = await generateMigration(snapshot, baseline, { hints: [] })
  return { upgrade, downgrade }
}

interface Scenario {
  readonly autogenerate: ReadonlyArray<Sample>
  readonly drizzleKit: ReadonlyArray<Sample>
  readonly result: AutogenerateResult
}

/** Warm-up runs, then measured runs alternating which side goes first. */
const runScenario = async (tables: ReadonlyArray<AnyStorageTable>, baseline: SchemaSnapshot): Promise<Scenario> => {
  const ours: Array<Sample> = []
  const theirs: Array<Sample> = []
  let result: AutogenerateResult | undefined
  for (let run = 0; run < WARMUP_RUNS + RUNS; run++) {
    const sides = [
      async () => {
        const [generated, sample] = await measure(() => runAutogenerate(tables, baseline))
        result = generated
        if (run >= WARMUP_RUNS) ours.push(sample)
      },
      async () => {
        const [raw, sample] = await measure(() => runDrizzleKit(tables, baseline))
        if (result !== undefined && raw.upgrade.join("\n") !== result.upgrade.join("\n")) {
          throw new Error("drizzle-kit alone and autogenerate disagree on the upgrade statements")
        }
        if (run >= WARMUP_RUNS) theirs.push(sample)
      }
    ]
    for (const side of run % 2 === 0 ? sides : [...sides].reverse()) await side()
  }
  return { autogenerate: ours, drizzleKit: theirs, result: result! }
}

const describeScenario = (title: string, scenario: Scenario): number => {
  const ours = median(scenario.autogenerate.map((sample) => sample.ms))
  const theirs = median(scenario.drizzleKit.map((sample) => sample.ms))
  console.log(`${title}`)
  console.log(
    `  autogenerate:      median ${formatMs(ours)} ${spread(scenario.autogenerate.map((sample) => sample.ms))}, ` +
      `${scenario.result.upgrade.length} upgrade / ${scenario.result.downgrade.length} downgrade statements, ` +
      `${scenario.result.destructive.length} destructive upgrade changes`
  )
  console.log(
    `  drizzle-kit alone: median ${formatMs(theirs)} ${spread(scenario.drizzleKit.map((sample) => sample.ms))} ` +
      "(model + upgrade diff + downgrade diff, same statements)"
  )
  console.log(`  ratio autogenerate / drizzle-kit alone: ${(ours / theirs).toFixed(2)}x`)
  const peak = Math.max(...scenario.autogenerate.map((sample) => sample.heapPeak))
  const growth = Math.max(...scenario.autogenerate.map((sample) => sample.heapPeak - sample.heapBefore))
  console.log(`  used heap high-water mark: ${formatMb(peak)} (${formatMb(growth)} above the heap before the run)`)
  return ours
}

const declared = now()
const first = generateModel(TABLES)
const declareMs = now() - declared
const second = generateModel(TABLES, CHANGED)
const empty = await Effect.runPromise(emptySnapshot)

const kinds = new Map<string, number>()
for (let position = 0; position < TABLES; position++) kinds.set(kindOf(position), (kinds.get(kindOf(position)) ?? 0) + 1)

console.log(
  `autogenerate: ${TABLES} generated storage tables ` +
    `(${[...kinds].map(([kind, count]) => `${count} ${kind}`).join(", ")}), Node ${process.version}, ` +
    `median of ${RUNS} runs after ${WARMUP_RUNS} warm-up${hasGc() ? "" : " (run with --expose-gc for heap figures)"}`
)
console.log(`  declaring the ${TABLES} table classes: ${formatMs(declareMs)} (not part of autogenerate)`)

const firstScenario = await runScenario(first, empty)
const entities = firstScenario.result.snapshot.ddl
const count = (type: string) => entities.filter((entity) => entity.entityType === type).length
console.log(
  `  model: ${count("tables")} tables, ${count("columns")} columns, ${count("indexes")} indexes, ` +
    `${count("fks")} foreign keys, ${count("pks")} primary keys, ${count("uniques")} unique constraints`
)
const firstMs = describeScenario(`first revision (empty model -> ${TABLES} tables):`, firstScenario)

const secondScenario = await runScenario(second, firstScenario.result.snapshot)
describeScenario(`second revision (${CHANGED.size} of ${TABLES} tables gain a column, against the first snapshot):`, secondScenario)
if (secondScenario.result.upgrade.length !== CHANGED.size) {
  throw new Error(`expected ${CHANGED.size} upgrade statements, got ${secondScenario.result.upgrade.length}`)
}
console.log(`  process maxRSS: ${formatMb(process.resourceUsage().maxRSS * 1024)}`)

const passed = verdict(`autogenerate, first revision of ${TABLES} tables`, `median ${formatMs(firstMs)}`, `<= ${formatMs(TARGET_MS)}`, firstMs <= TARGET_MS)
if (!passed) process.exitCode = 1
