/**
 * The migrations command line as a user types it, in a fresh project, on both backends: scaffold, revision,
 * upgrade, current, change a model, revision (an added column with its server default, dropped in downgrade),
 * upgrade, downgrade -1, current; with no credential URI or password in any output.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { type CliRun, repositoryRoot, runCli } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")
const library = NodePath.join(repositoryRoot, "src", "index.ts")

const modelSource = (withStatus: boolean) => `
import { text, uuid, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable, schemaTableName } from ${JSON.stringify(library)}

export class Customer extends PlatformManagedMetaTable<Customer>()({
  name: schemaTableName("shop", "customer"),
  namespace: "shop",
  identifier: "shop.customer",
  description: "Customers of the shop.",
  columns: {
    uid: uuid().primaryKey().defaultRandom(),
    name: varchar({ length: 120 }).notNull(),
    note: text()${withStatus ? ',\n    status: varchar({ length: 32 }).notNull().default("active")' : ""}
  },
  columnInfo: {
    uid: { label: "UID", description: "Customer identifier." },
    name: { label: "Name", description: "Customer name." },
    note: { label: "Note", description: "Free text." }${withStatus ? ',\n    status: { label: "Status", description: "Lifecycle status." }' : ""}
  }
}) {}

export const models = [Customer]
`

/**
 * A project inside the repository (git-ignored), so that its imports find the installed packages; removed
 * when the test ends.
 */
const scratchProject = (): string => {
  const directory = scratchDirectory("shop", "repository")
  NodeFs.mkdirSync(NodePath.join(directory, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(directory, "package.json"), JSON.stringify({ name: "shop", private: true, type: "module" }))
  NodeFs.writeFileSync(NodePath.join(directory, "storage", "models.ts"), modelSource(false))
  return directory
}

const json = (run: CliRun) => {
  assert.strictEqual(run.exitCode, 0, run.stderr)
  return JSON.parse(run.stdout)
}

const userStory = async (cwd: string, extra: ReadonlyArray<string>) => {
  const runs: Array<CliRun> = []
  const cli = async (...args: ReadonlyArray<string>) => {
    const run = await runCli(["migrations", ...args, ...extra], { cwd })
    runs.push(run)
    return run
  }

  const scaffold = await cli("scaffold", "--package", "shop", "--namespace", "shop", "--metadata", "storage/models.ts:models", "--import-from", library)
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  assert.isTrue(NodeFs.existsSync(NodePath.join(cwd, "migrations", "versions", "shop")))

  const initial = json(await cli("revision", "-m", "initial", "--json"))
  assert.strictEqual(initial.revision, "0001")
  assert.isTrue(NodeFs.existsSync(initial.path))

  const up = json(await cli("upgrade", "--json"))
  assert.deepStrictEqual([up.ok, up.from, up.to, up.activeCount, up.reservedCount], [true, [], ["0001"], 2, 0])
  assert.deepStrictEqual(up.applied.map((step: { readonly revision: string }) => step.revision), ["0001"])

  assert.deepStrictEqual(json(await cli("current", "--json")), { provider: "shop:shop", heads: ["0001"], atHead: true })

  NodeFs.writeFileSync(NodePath.join(cwd, "storage", "models.ts"), modelSource(true))
  const second = json(await cli("revision", "-m", "add status", "--json"))
  assert.strictEqual(second.revision, "0002")
  const file = NodeFs.readFileSync(second.path, "utf8")
  assert.include(file, `ALTER TABLE "shop__customer" ADD COLUMN "status" varchar(32) DEFAULT 'active' NOT NULL;`)
  assert.include(file, `ALTER TABLE "shop__customer" DROP COLUMN "status";`)
  assert.deepStrictEqual(second.destructive, ["downgrade drops column public.shop__customer.status and its values"])

  const progress = await cli("upgrade")
  assert.strictEqual(progress.exitCode, 0, progress.stderr)
  assert.match(progress.stderr, /upgraded\s+0002 add status \(\d+ ms\)/)
  assert.include(progress.stderr, "shop:shop: 0001 -> 0002, 1 revision applied.")

  const down = json(await cli("downgrade", "-1", "--json"))
  assert.deepStrictEqual([down.from, down.to], [["0002"], ["0001"]])
  assert.deepStrictEqual(json(await cli("current", "--json")), { provider: "shop:shop", heads: ["0001"], atHead: false })

  const none = await cli("revision", "-m", "nothing")
  assert.include(none.stderr, "no revision written")
  return runs
}

/** No credential role with a password, and no given password, in anything printed. */
const assertNoSecrets = (runs: ReadonlyArray<CliRun>, secrets: ReadonlyArray<string>) => {
  for (const run of runs) {
    const printed = run.stdout + run.stderr
    assert.notMatch(printed, /mt_mig_\w+:[^@\s*]+@/)
    for (const secret of secrets) assert.notInclude(printed, secret)
  }
}

describe("metatables migrations, as a user types it", () => {
  it("runs the whole story on the embedded database", async () => {
    const project = scratchProject()
    try {
      assertNoSecrets(await userStory(project, []), [])
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
    }
  }, 240_000)

  it.skipIf(!server.available)("runs the whole story on a PostgreSQL server, printing no secret", async () => {
    const database = createServerDatabase(server.url, "mt_e2e")
    const password = `pw-${NodeCrypto.randomBytes(8).toString("hex")}`
    const withPassword = new URL(database.url)
    withPassword.password = password
    const project = scratchProject()
    try {
      const runs = await userStory(project, ["--database-url", withPassword.toString()])
      assertNoSecrets(runs, [password])
    } finally {
      NodeFs.rmSync(project, { recursive: true, force: true })
      database.drop()
    }
  }, 240_000)
})
