/**
 * Branches against a database, as a user types it, on both backends: upgrade a labelled branch whose revision
 * depends on another branch (applied first), merge two chosen heads and upgrade through the merge, mark the
 * current revision in the history, downgrade one branch (its dependant first, the other branches left), stamp
 * several revisions over a purged version table, and read them back (current, show current). The command
 * tree runs in-process, its output captured.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject } from "vitest"
import { type CliRun, repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { writeRevision } from "../support/revisions.ts"
import { scratchDirectory } from "../support/scratch.ts"
import { createServerDatabase } from "../support/TestDatabase.ts"

const server = inject("metatablesServer")
const library = NodePath.join(repositoryRoot, "src", "index.ts")

/** A scaffolded project (provider `net:net`, its one table `net__thing`) with three labelled branches. */
const project = async () => {
  const root = scratchDirectory("net", "repository")
  NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "net", private: true, type: "module" }))
  NodeFs.writeFileSync(
    NodePath.join(root, "storage", "models.ts"),
    `import { uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: "net__thing", namespace: "net", identifier: "net.thing", description: "Things.",
  columns: { uid: uuid().primaryKey() }, columnInfo: { uid: { label: "UID", description: "Key." } }
}) {}
export const models = [Thing]
`
  )
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "net", "--namespace", "net", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  // accounts: 0001 - 0002; networking: 0003 (the provider's table) - 0004, which needs 0002; billing: 0005.
  const versions = NodePath.join(root, "migrations", "versions", "net")
  writeRevision(versions, { id: "0001", message: "accounts", branchLabels: ["accounts"], upgrade: ["CREATE TABLE net_accounts (id int)"], downgrade: ["DROP TABLE net_accounts"] })
  writeRevision(versions, { id: "0002", parents: ["0001"], message: "account keys", upgrade: ["ALTER TABLE net_accounts ADD PRIMARY KEY (id)"], downgrade: ["ALTER TABLE net_accounts DROP CONSTRAINT net_accounts_pkey"] })
  writeRevision(versions, { id: "0003", message: "things", branchLabels: ["networking"], upgrade: [`CREATE TABLE "net__thing" ("uid" uuid PRIMARY KEY)`], downgrade: [`DROP TABLE "net__thing"`] })
  writeRevision(versions, { id: "0004", parents: ["0003"], dependsOn: ["0002"], message: "thing accounts", upgrade: ["CREATE TABLE net_links (account int REFERENCES net_accounts (id))"], downgrade: ["DROP TABLE net_links"] })
  writeRevision(versions, { id: "0005", message: "billing", branchLabels: ["billing"], upgrade: ["CREATE TABLE net_bills (id int)"], downgrade: ["DROP TABLE net_bills"] })
  return root
}

const json = (run: CliRun) => {
  assert.strictEqual(run.exitCode, 0, run.stderr)
  return JSON.parse(run.stdout)
}

const revisionsOf = (document: { readonly applied: ReadonlyArray<{ readonly revision: string }> }) =>
  document.applied.map((step) => step.revision)

const story = async (root: string, extra: ReadonlyArray<string>) => {
  const cli = (...args: ReadonlyArray<string>) => runCliInProcess(["migrations", ...args, ...extra], { cwd: root })

  const networking = json(await cli("upgrade", "networking@head", "--json"))
  assert.deepStrictEqual([revisionsOf(networking), networking.to], [["0001", "0002", "0003", "0004"], ["0004"]])

  const merge = json(await cli("merge", "billing@head", "networking@head", "-m", "join billing", "--json"))
  assert.deepStrictEqual([merge.revision, merge.parents], ["0006", ["0004", "0005"]])
  // `head` would be ambiguous: 0002 is a head too, applied through 0004 (an effective head), as in Alembic.
  const all = json(await cli("upgrade", "heads", "--json"))
  assert.deepStrictEqual([revisionsOf(all), all.to, all.activeCount], [["0005", "0006"], ["0006"], 2])

  const history = json(await cli("history", "--indicate-current", "--json"))
  assert.deepStrictEqual(history.current, ["0006"])
  assert.deepStrictEqual(history.revisions[0].markers, ["current", "head", "merge", "branch billing, networking"])

  const down = json(await cli("downgrade", "accounts@base", "--json"))
  assert.deepStrictEqual([revisionsOf(down), down.to], [["0006", "0004", "0002", "0001"], ["0003", "0005"]])

  const stamped = json(await cli("stamp", "--purge", "networking@head-1", "billing", "--json"))
  assert.deepStrictEqual([stamped.from, stamped.to, stamped.purged], [["0003", "0005"], ["0004", "0005"], true])
  const current = json(await cli("current", "--json"))
  assert.deepStrictEqual(current, { provider: "net:net", heads: ["0004", "0005"], atHead: false })
  const shown = json(await cli("show", "current", "--json"))
  assert.deepStrictEqual(shown.revisions.map((revision: { readonly id: string }) => revision.id), ["0004", "0005"])
}

describe("migrations branches against a database, as a user types them", () => {
  it("on the embedded database", async () => {
    await story(await project(), [])
  }, 300_000)

  it.skipIf(!server.available)("on a PostgreSQL server", async () => {
    const database = createServerDatabase(server.url, "mt_branches")
    try {
      await story(await project(), ["--database-url", database.url])
    } finally {
      database.drop()
    }
  }, 300_000)
})
