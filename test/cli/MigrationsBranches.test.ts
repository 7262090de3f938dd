/**
 * The branch commands as a user types them, without a database: a history with two labelled branches, one
 * depending on the other; heads, history (ranges, --verbose), show, branches, revision --head/--splice/
 * --branch-label/--depends-on/--version-path, merge of chosen heads, and the offline --sql of upgrade (from
 * base without FROM), downgrade and stamp, with --json. No command opens a database. The command tree runs
 * in-process, its output captured.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { type CliRun, repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { writeRevision } from "../support/revisions.ts"
import { scratchDirectory } from "../support/scratch.ts"

const library = NodePath.join(repositoryRoot, "src", "index.ts")

/** A scaffolded project whose provider is `local:local`, its versions in migrations/versions/local. */
const project = async () => {
  const root = scratchDirectory("branches", "repository")
  NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "local", private: true, type: "module" }))
  NodeFs.writeFileSync(
    NodePath.join(root, "storage", "models.ts"),
    `import { uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: "local__thing", namespace: "local", identifier: "local.thing", description: "Things.",
  columns: { uid: uuid().primaryKey() }, columnInfo: { uid: { label: "UID", description: "Key." } }
}) {}
export const models = [Thing]
`
  )
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "local", "--namespace", "local", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  return root
}

const json = (run: CliRun) => {
  assert.strictEqual(run.exitCode, 0, run.stderr)
  return JSON.parse(run.stdout)
}

describe("migrations commands on a branched history", () => {
  it("lists, shows, writes, merges and plans branches offline", async () => {
    const root = await project()
    const cli = (...args: ReadonlyArray<string>) => runCliInProcess(["migrations", ...args], { cwd: root })
    // accounts: 0001 - 0002; networking: 0003 - 0004, where 0004 needs 0002 applied first.
    const versions = NodePath.join(root, "migrations", "versions", "local")
    writeRevision(versions, { id: "0001", message: "accounts", branchLabels: ["accounts"], upgrade: ["CREATE TABLE acc (id int)"], downgrade: ["DROP TABLE acc"] })
    writeRevision(versions, { id: "0002", parents: ["0001"], message: "account keys", upgrade: ["ALTER TABLE acc ADD PRIMARY KEY (id)"], downgrade: ["ALTER TABLE acc DROP CONSTRAINT acc_pkey"] })
    writeRevision(versions, { id: "0003", message: "hosts", branchLabels: ["networking"], upgrade: ["CREATE TABLE hosts (id int)"], downgrade: ["DROP TABLE hosts"] })
    writeRevision(versions, { id: "0004", parents: ["0003"], dependsOn: ["0002"], message: "host accounts", upgrade: ["ALTER TABLE hosts ADD COLUMN acc int REFERENCES acc (id)"], downgrade: ["ALTER TABLE hosts DROP COLUMN acc"] })

    const heads = json(await cli("heads", "--verbose", "--json"))
    assert.deepStrictEqual([heads.heads, heads.effectiveHeads], [["0002", "0004"], ["0002"]])
    assert.deepStrictEqual(heads.revisions[1].markers, ["head", "branch networking"])
    const history = await cli("history")
    assert.include(history.stderr, "0003 (depends on 0002) -> 0004 (head, branch networking), host accounts")
    assert.include(history.stderr, "0001 -> 0002 (effective head, branch accounts), account keys")
    const range = json(await cli("history", "-r", "networking@base:", "--json"))
    assert.deepStrictEqual(range.revisions.map((revision: { readonly id: string }) => revision.id), ["0004", "0003"])
    const verbose = await cli("history", "--verbose", "-r", ":accounts@head")
    assert.include(verbose.stderr, "Rev: 0002 (effective head, branch accounts)\nParent: 0001\nNeeded by: 0004\nBranch names: accounts")
    assert.include(verbose.stderr, "Rev: 0001 (branch accounts)\nParents: <base>\nChildren: 0002\nBranch names: accounts")

    const shown = json(await cli("show", "networking@head", "--json"))
    assert.deepStrictEqual([shown.revisions[0].id, shown.revisions[0].dependsOn], ["0004", ["0002"]])
    assert.include((await cli("show", "accounts")).stderr, "Rev: 0001 (branch accounts)")
    const branches = json(await cli("branches", "--json"))
    assert.deepStrictEqual(branches.labels, [
      { label: "accounts", revision: "0001", heads: ["0002"] },
      { label: "networking", revision: "0003", heads: ["0004"] }
    ])

    // Offline plans: without FROM an upgrade starts from base; FROM may be heads or a label's head.
    const up = await cli("upgrade", "--sql", "networking@head")
    assert.strictEqual(up.exitCode, 0, up.stderr)
    assert.include(up.stdout, "-- metatables upgrade to networking@head: <base> -> 0004, 4 steps")
    assert.isBelow(up.stdout.indexOf("CREATE TABLE acc (id int);"), up.stdout.indexOf("ALTER TABLE hosts ADD COLUMN acc"))
    const down = json(await cli("downgrade", "--sql", "heads:accounts@base", "--json"))
    assert.deepStrictEqual([down.from, down.to], [["0004"], ["0003"]])
    assert.deepStrictEqual(down.steps.map((step: { readonly revision: string }) => step.revision), ["0004", "0002", "0001"])
    const stamp = json(await cli("stamp", "--sql", "accounts@head", "networking@base+1", "--json"))
    assert.deepStrictEqual([stamp.from, stamp.to], [[], ["0002", "0003"]])
    const purge = await cli("stamp", "--sql", "--purge", "0001:0003")
    assert.include(purge.stdout, `DELETE FROM "public"."local__alembic_version";`)
    const overlap = await cli("stamp", "--sql", "0002", "networking@head")
    assert.strictEqual(overlap.exitCode, 1)
    assert.include(overlap.stderr, `error: Target "0002 networking@head" names both "0002" and "0004", but "0004" builds on "0002"`)

    // Writing: onto a chosen head, not onto a revision that is not one unless spliced, into a known location.
    const blocked = await cli("revision", "-m", "blocked", "--no-autogenerate")
    assert.include(blocked.stderr, "several heads (0002, 0004); choose the one to build on with --head")
    const written = json(await cli(
      "revision", "-m", "ports", "--no-autogenerate", "--head", "networking@head", "--depends-on", "0002", "--json"
    ))
    assert.deepStrictEqual([written.revision, written.parents, written.dependsOn], ["0005", ["0004"], ["0002"]])
    assert.include(NodeFs.readFileSync(written.path, "utf8"), `export const dependsOn: ReadonlyArray<string> = ["0002"]`)
    const notHead = await cli("revision", "-m", "late", "--no-autogenerate", "--head", "0003")
    assert.include(notHead.stderr, "Revision 0003 is not a head")
    const spliced = json(await cli("revision", "-m", "late", "--no-autogenerate", "--head", "0003", "--splice", "--branch-label", "late", "--json"))
    assert.deepStrictEqual([spliced.parents, spliced.branchLabels], [["0003"], ["late"]])
    const elsewhere = await cli("revision", "-m", "lost", "--no-autogenerate", "--head", "base", "--version-path", "elsewhere")
    assert.strictEqual(elsewhere.exitCode, 1)
    assert.include(elsewhere.stderr, "is not one of the provider's version locations")

    // Merging two of the three heads leaves the third.
    const merged = json(await cli("merge", "late@head", "0005", "-m", "join networking", "--json"))
    assert.deepStrictEqual([merged.revision, merged.parents], ["0007", ["0005", "0006"]])
    assert.deepStrictEqual(json(await cli("heads", "--json")).heads, ["0002", "0007"])
    assert.isFalse(NodeFs.existsSync(NodePath.join(root, ".metatables")), "no database was opened")
  }, 120_000)

  it("explains the new commands and options in --help", async () => {
    const help = async (...command: ReadonlyArray<string>) => {
      const run = await runCliInProcess(["migrations", ...command, "--help"])
      assert.strictEqual(run.exitCode, 0, run.stderr)
      return run.stdout
    }
    // One at a time: an in-process run sets the working directory.
    const history = await help("history")
    const stamp = await help("stamp")
    const revision = await help("revision")
    assert.include(history, "--rev-range, -r LOWER:UPPER")
    assert.include(history, "--indicate-current, -i")
    assert.include(stamp, "--purge")
    assert.include(stamp, "<revisions...>")
    for (const flag of ["--head REV", "--splice", "--branch-label LABEL", "--depends-on REV", "--version-path DIR"]) {
      assert.include(revision, flag)
    }
  }, 120_000)
})
