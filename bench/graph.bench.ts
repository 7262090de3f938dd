/**
 * The revision graph on 10,000 revisions, in memory (no files, no database): building the graph and reading
 * its heads (what `migrations heads` does once the files are imported), `upgrade base:head --sql` and
 * `downgrade head:base --sql` (planning every step and rendering the script). The history is a trunk with
 * labelled feature branches that merge back, and a second labelled history whose revisions depend on the
 * trunk, joined by a last merge. Target: each under a second, the first time after start-up. Beside each
 * figure, the baseline from the same run: a plain topological sort of the same revisions (the least any
 * planner does), and the ratio. The same figures at half the size show that both directions grow linearly
 * (a quadratic cost would quadruple when the history doubles).
 */
import * as Result from "effect/Result"
import type { Revision } from "../src/migrations/files/Revision.ts"
import type { LoadedRevisions } from "../src/migrations/files/RevisionLoader.ts"
import { RevisionGraph } from "../src/migrations/graph/RevisionGraph.ts"
import { planMigration, renderPlanSql } from "../src/migrations/runtime/MigrationPlan.ts"
import { collectGarbage, formatMs, median, now, spread, verdict } from "./support/measure.ts"

const REVISIONS = 10_000
const ROUNDS = 5
const TARGET_MS = 1_000

const versionTable = { schema: "public", table: "bench__alembic_version" }

/** Revision `id` with two statements each way, like a revision that creates a table and its index. */
const revision = (
  id: string,
  parents: ReadonlyArray<string>,
  extra: { readonly dependsOn?: ReadonlyArray<string>; readonly branchLabels?: ReadonlyArray<string> } = {}
): Revision => ({
  id,
  parents,
  dependsOn: extra.dependsOn ?? [],
  branchLabels: extra.branchLabels ?? [],
  message: `create table ${id}`,
  createdAt: "2026-01-01T00:00:00.000Z",
  transactional: true,
  upgrade: [`CREATE TABLE "bench__${id}" ("id" bigint PRIMARY KEY, "name" text NOT NULL);`, `CREATE INDEX "ix__${id}" ON "bench__${id}" ("name");`],
  downgrade: [`DROP INDEX "ix__${id}";`, `DROP TABLE "bench__${id}";`],
  source: `versions/${id}.ts`,
  checksum: id.padEnd(64, "0")
})

/**
 * `count` revisions: a trunk where every 100th revision starts a labelled branch of 20 revisions that merges
 * back 40 trunk revisions later; a fifth of them in a second labelled history, every 25th of which depends
 * on the trunk revision written just before it; and a last merge of both heads.
 */
const history = (count: number): ReadonlyArray<Revision> => {
  const revisions: Array<Revision> = []
  let serial = 0
  const nextId = () => `r${String(++serial).padStart(6, "0")}`
  const add = (entry: Revision) => {
    revisions.push(entry)
    return entry.id
  }
  const opsCount = Math.floor(count / 5)
  let trunk: string | undefined
  let ops: string | undefined
  let opsWritten = 0
  const open: Array<{ head: string; mergesAt: number }> = []
  let trunkIndex = 0
  while (revisions.length < count - 1) {
    if (opsWritten < opsCount && revisions.length % 5 === 4) {
      const dependsOn = opsWritten % 25 === 24 && trunk !== undefined ? [trunk] : []
      ops = add(revision(nextId(), ops === undefined ? [] : [ops], { dependsOn, ...(ops === undefined ? { branchLabels: ["ops"] } : {}) }))
      opsWritten++
      continue
    }
    trunkIndex++
    const merging = open.findIndex((branch) => branch.mergesAt <= trunkIndex)
    if (merging >= 0 && trunk !== undefined) {
      const [branch] = open.splice(merging, 1)
      trunk = add(revision(nextId(), [trunk, branch!.head]))
      continue
    }
    const growing = open.find((branch) => branch.mergesAt - trunkIndex > 20)
    if (growing !== undefined && trunkIndex % 2 === 0) {
      growing.head = add(revision(nextId(), [growing.head]))
      continue
    }
    trunk = add(revision(nextId(), trunk === undefined ? [] : [trunk]))
    if (trunkIndex % 100 === 10) {
      open.push({ head: add(revision(nextId(), [trunk], { branchLabels: [`feature_${trunkIndex}`] })), mergesAt: trunkIndex + 40 })
    }
  }
  const tips = [trunk!, ...open.map((branch) => branch.head), ...(ops === undefined ? [] : [ops])]
  add(revision(nextId(), tips))
  return revisions
}

/** The baseline: Kahn's algorithm over parents and dependencies, first come first served, nothing else. */
const plainTopologicalSort = (revisions: ReadonlyArray<Revision>): ReadonlyArray<string> => {
  const waiting = new Map<string, number>()
  const next = new Map<string, Array<string>>()
  const ready: Array<string> = []
  for (const entry of revisions) {
    const needs = [...entry.parents, ...entry.dependsOn]
    waiting.set(entry.id, needs.length)
    if (needs.length === 0) ready.push(entry.id)
    for (const need of needs) {
      const list = next.get(need)
      if (list === undefined) next.set(need, [entry.id])
      else list.push(entry.id)
    }
  }
  const order: Array<string> = []
  for (let index = 0; index < ready.length; index++) {
    const id = ready[index]!
    order.push(id)
    for (const child of next.get(id) ?? []) {
      const remaining = waiting.get(child)! - 1
      waiting.set(child, remaining)
      if (remaining === 0) ready.push(child)
    }
  }
  return order
}

const build = (revisions: ReadonlyArray<Revision>): LoadedRevisions => {
  const graph = RevisionGraph.make(revisions)
  if (Result.isFailure(graph)) throw new Error(`the benchmark's history is not valid: ${graph.failure.message}`)
  return { revisions: new Map(revisions.map((entry) => [entry.id, entry])), graph: graph.success }
}

const script = (loaded: LoadedRevisions, direction: "upgrade" | "downgrade", currentHeads: ReadonlyArray<string>, target: string) => {
  const plan = planMigration({ loaded, currentHeads, direction, target, versionTable })
  if (Result.isFailure(plan)) throw new Error(`cannot plan ${direction} to ${target}: ${plan.failure.message}`)
  return renderPlanSql(plan.success, { lockTimeout: "10s" })
}

interface Sizes {
  readonly loaded: LoadedRevisions
  readonly revisions: ReadonlyArray<Revision>
  readonly head: string
}

const prepare = (count: number): Sizes => {
  const revisions = history(count)
  const loaded = build(revisions)
  return { revisions, loaded, head: loaded.graph.heads[0]! }
}

const work = {
  baseline: (sizes: Sizes) => plainTopologicalSort(sizes.revisions),
  heads: (sizes: Sizes) => build(sizes.revisions).graph.heads,
  upgrade: (sizes: Sizes) => script(sizes.loaded, "upgrade", [], "head"),
  downgrade: (sizes: Sizes) => script(sizes.loaded, "downgrade", [sizes.head], "base")
} as const
type Work = keyof typeof work

const full = prepare(REVISIONS)
const half = prepare(REVISIONS / 2)

// The first run of each, right after start-up (modules loaded, nothing compiled yet): what a command pays.
const first = {} as Record<Work, number>
for (const name of Object.keys(work) as Array<Work>) {
  collectGarbage()
  const started = now()
  work[name](full)
  first[name] = now() - started
}
// Then rounds alternating both sizes, so that a busy machine slows both alike.
const times = { full: {} as Record<Work, Array<number>>, half: {} as Record<Work, Array<number>> }
for (let round = 0; round < ROUNDS; round++) {
  for (const [size, sizes] of [["full", full], ["half", half]] as const) {
    for (const name of Object.keys(work) as Array<Work>) {
      // Each starts with a clean heap, so that none pays for the garbage of the one before.
      collectGarbage()
      const started = now()
      work[name](sizes)
      ;(times[size][name] ??= []).push(now() - started)
    }
  }
}

const { graph } = full.loaded
const upgradeSql = work.upgrade(full)
const downgradeSql = work.downgrade(full)
console.log(
  `${graph.size} revisions: ${graph.merges.length} merges, ${graph.branchPoints.length} branch points, ` +
    `${graph.labels.length} branch labels, ${full.revisions.filter((entry) => entry.dependsOn.length > 0).length} ` +
    `with dependsOn; upgrade script ${(upgradeSql.length / 1024 / 1024).toFixed(1)} MB, downgrade ` +
    `${(downgradeSql.length / 1024 / 1024).toFixed(1)} MB`
)
const baselineMs = median(times.full.baseline)
console.log(`baseline, a plain topological sort: first ${formatMs(first.baseline)}, median ${formatMs(baselineMs)} ${spread(times.full.baseline)}`)

let passed = true
for (const [name, label] of [["heads", "heads"], ["upgrade", "upgrade base:head --sql"], ["downgrade", "downgrade head:base --sql"]] as const) {
  const warm = median(times.full[name])
  const growth = Math.min(...times.full[name]) / Math.min(...times.half[name])
  console.log(
    `${label}: first ${formatMs(first[name])}, median ${formatMs(warm)} ${spread(times.full[name])}, ` +
      `${(warm / baselineMs).toFixed(1)}x the baseline; ${growth.toFixed(1)}x its fastest time on ${REVISIONS / 2} ` +
      `revisions (2x is linear)`
  )
  passed = verdict(`${label} on ${REVISIONS} revisions, first run`, formatMs(first[name]), `< ${formatMs(TARGET_MS)}`, first[name] < TARGET_MS) &&
    passed
}
if (!passed) process.exitCode = 1
