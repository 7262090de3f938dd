/**
 * Valid hostile names as a user types them, on both backends: a schema, a table and columns whose names hold
 * quotes, spaces and upper case go through `revision`, `upgrade`, `nodes run` (twice: the second writes nothing
 * new), `nodes status`, `catalog show` and `migrations check` with every name kept exactly as declared. Where
 * the Python SDK's rules refuse a name (a column with upper case), the declaration is refused with a tagged
 * error naming the column and what to do, and nothing is written.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { adminPsql, createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")
const library = NodePath.join(repositoryRoot, "src", "index.ts")

/** Names PostgreSQL accepts quoted: a quote of each kind, spaces, upper case (the schema and the table). */
const SCHEMA = `Odd "Schema" it's`
const TABLE = `Quotes "and" Spaces it's`
const TIME = `time "index"`
const ENTITY = `it's the "asset"`
const VALUE = `value; drop table x --`
const INDEX = `ix on "value"`

const models = (valueColumn: string) => `
import { doublePrecision, index, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable } from ${JSON.stringify(library)}
export class Odd extends PlatformTimeIndexMetaTable<Odd>()({
  name: ${JSON.stringify(TABLE)},
  schema: ${JSON.stringify(SCHEMA)},
  namespace: "odd",
  identifier: "odd.quotes",
  description: "Rows under hostile names.",
  timeIndex: ${JSON.stringify(TIME)},
  indexNames: [${JSON.stringify(TIME)}, ${JSON.stringify(ENTITY)}],
  cadence: "1d",
  columns: {
    time: timestamp(${JSON.stringify(TIME)}, { withTimezone: true }).notNull(),
    asset: varchar(${JSON.stringify(ENTITY)}, { length: 64 }).notNull(),
    value: doublePrecision(${JSON.stringify(valueColumn)}).notNull()
  },
  columnInfo: {
    time: { label: "Day", description: "The day." },
    asset: { label: "Asset", description: "The asset, with a quote in its name." },
    value: { label: "Value", description: "A value." }
  },
  constraints: (table) => [index(${JSON.stringify(INDEX)}).on(table.value, table.asset)]
}) {}
export const models = [Odd]
`

const nodes = `
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { DataNode, DataNodeConfiguration } from ${JSON.stringify(library)}
import { Odd } from "../storage/models.ts"

const DAY = 86_400_000

export class OddConfig extends DataNodeConfiguration<OddConfig>("OddConfig")({
  assets: Schema.Array(Schema.String).annotate({ description: "Assets, with hostile names too." })
}) {}

export class OddNode extends DataNode({
  kind: "OddNode",
  configuration: OddConfig,
  storage: Odd,
  update: (ctx) =>
    Effect.sync(() => ctx.configuration.assets.flatMap((asset) => {
      const last = ctx.watermarks.lastFor({ asset })
      const start = Date.parse("2025-01-01T00:00:00Z")
      const rows = []
      for (let day = last === undefined ? start : last.getTime() + DAY; day <= Date.parse("2025-01-10T00:00:00Z"); day += DAY) {
        rows.push({ time: new Date(day), asset, value: day / DAY })
      }
      return rows
    }))
}) {}

export const graph = [new OddNode(new OddConfig({ assets: ["O'Brien \\"x\\"", "plain"] }))]
`

const project = async (valueColumn = VALUE) => {
  const root = scratchDirectory("hostile", "repository")
  for (const folder of ["storage", "nodes"]) NodeFs.mkdirSync(NodePath.join(root, folder), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "odd", private: true, type: "module" }))
  NodeFs.writeFileSync(NodePath.join(root, "storage", "models.ts"), models(valueColumn))
  NodeFs.writeFileSync(NodePath.join(root, "nodes", "graph.ts"), nodes)
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "node_modules"), NodePath.join(root, "node_modules"), "dir")
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "odd", "--namespace", "odd", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  return root
}

const backends = [
  { name: "embedded", available: true },
  { name: "server", available: server.available }
] as const

describe("valid hostile names through revision, upgrade and runs", () => {
  for (const backend of backends) {
    it.skipIf(!backend.available)(`${backend.name}: quotes, spaces and upper case in the schema, table and columns`, async () => {
      const root = await project()
      const scratch = backend.name === "server" ? createServerDatabase(server.url, "mt_hostile") : undefined
      const name = scratch?.name ?? ""
      const psql = adminPsql(server.url)
      const env: Record<string, string> = scratch === undefined ? {} : { DATABASE_URL: scratch.url }
      const cli = async (args: ReadonlyArray<string>, exitCode = 0) => {
        const run = await runCliInProcess(args, { cwd: root, env })
        assert.strictEqual(run.exitCode, exitCode, `${args.join(" ")}: ${run.stderr}`)
        assert.notMatch(run.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace")
        return run
      }
      try {
        await cli(["migrations", "revision", "-m", "initial"])
        await cli(["migrations", "upgrade"])
        const first = await cli(["nodes", "run", "nodes/graph.ts:graph", "--json"])
        const report = JSON.parse(first.stdout) as { ok: boolean; nodes: ReadonlyArray<{ rowsInserted: number }> }
        assert.isTrue(report.ok)
        assert.strictEqual(report.nodes[0]!.rowsInserted, 20)
        const second = await cli(["nodes", "run", "nodes/graph.ts:graph", "--json"])
        const again = JSON.parse(second.stdout) as { nodes: ReadonlyArray<{ rowsInserted: number; rowsUpdated: number }> }
        assert.strictEqual(again.nodes[0]!.rowsInserted + again.nodes[0]!.rowsUpdated, 0, "the watermarks held")
        const status = await cli(["nodes", "status", "--json"])
        const [node] = (JSON.parse(status.stdout) as { nodes: ReadonlyArray<{ physicalTable: string; watermark: { entities: number } }> }).nodes
        assert.strictEqual(node!.physicalTable, `${SCHEMA}.${TABLE}`)
        assert.strictEqual(node!.watermark.entities, 2)
        const show = await cli(["catalog", "show", "odd.quotes", "--json"])
        assert.include(show.stdout, JSON.stringify(ENTITY).slice(1, -1))
        const check = await cli(["migrations", "check"])
        assert.include(check.stderr, "models, revisions and database agree")
        // Nothing was smuggled in by a name, and the catalog names the table exactly.
        const list = await cli(["catalog", "list", "--json"])
        assert.include(list.stdout, JSON.stringify(TABLE))
        if (backend.name === "server") {
          const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`
          assert.strictEqual(
            psql(`SELECT count(*) FROM ${quoted(SCHEMA)}.${quoted(TABLE)} WHERE ${quoted(ENTITY)} = 'O''Brien "x"'`, name),
            "10"
          )
          assert.strictEqual(psql(`SELECT count(*) FROM pg_tables WHERE tablename IN ('x', 'pwned')`, name), "0")
        }
      } finally {
        scratch?.drop()
      }
    }, 300_000)
  }

  it("refuses a column name with upper case, as the SDK does, naming it and what to do, and writes nothing", async () => {
    const root = await project("Value")
    const versions = NodePath.join(root, "migrations", "versions")
    const before = NodeFs.readdirSync(versions, { recursive: true })
    const run = await runCliInProcess(["migrations", "revision", "-m", "initial", "--json"], { cwd: root })
    assert.strictEqual(run.exitCode, 1, run.stderr)
    assert.include(run.stderr, `column "Value" has upper case, which PostgreSQL folds unless quoted and the SDK refuses; ` +
      `give the column builder a lower-case name, like "value"`)
    assert.include(run.stderr, `Storage table "${TABLE}" is not valid`)
    assert.notMatch(run.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace")
    const document = JSON.parse(run.stdout) as { ok: boolean; error: { _tag: string } }
    assert.isFalse(document.ok)
    assert.match(document.error._tag, /Error$/)
    assert.deepStrictEqual(NodeFs.readdirSync(versions, { recursive: true }), before, "no revision was written")
    assert.isFalse(NodeFs.existsSync(NodePath.join(root, ".metatables")), "no database was opened")
  })
})
