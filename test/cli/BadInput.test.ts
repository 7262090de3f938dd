/**
 * A corpus of bad input, typed as a user would (the command tree run in-process). Each case must fail with a
 * message that says what is wrong and where, exit 1 or 2, print no stack trace or raw defect, and write
 * nothing: the project's files are the same before and after.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { repositoryRoot, runCliInProcess } from "../support/cli.ts"
import { writeRevision } from "../support/revisions.ts"
import { scratchDirectory } from "../support/scratch.ts"

const library = NodePath.join(repositoryRoot, "src", "index.ts")

/** Every file under `root` (and the directory holding it) with its contents, to compare before and after. */
const filesUnder = (root: string): Record<string, string> => {
  const files: Record<string, string> = {}
  const walk = (directory: string) => {
    for (const entry of NodeFs.readdirSync(directory, { withFileTypes: true })) {
      const path = NodePath.join(directory, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== ".metatables") walk(path)
      } else {
        files[NodePath.relative(NodePath.dirname(root), path)] = NodeFs.readFileSync(path, "utf8")
      }
    }
  }
  walk(NodePath.dirname(root))
  return files
}

/** A scaffolded project inside a directory of its own (so that writes beside it are seen too). */
const project = async (
  table = "bad__thing",
  column = "uid"
) => {
  const outer = scratchDirectory("bad-input", "repository")
  const root = NodePath.join(outer, "project")
  NodeFs.mkdirSync(NodePath.join(root, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "bad", private: true, type: "module" }))
  NodeFs.writeFileSync(
    NodePath.join(root, "storage", "models.ts"),
    `import { uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(library)}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: ${JSON.stringify(table)}, namespace: "bad", identifier: "bad.thing", description: "Things.",
  columns: { uid: uuid(${JSON.stringify(column)}).primaryKey() }, columnInfo: { uid: { label: "UID", description: "Key." } }
}) {}
export const models = [Thing]
`
  )
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "bad", "--namespace", "bad", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  writeRevision(NodePath.join(root, "migrations", "versions", "bad"), {
    id: "0001",
    message: "base",
    upgrade: ["CREATE TABLE bad__thing (uid uuid PRIMARY KEY)"],
    downgrade: ["DROP TABLE bad__thing"]
  })
  return root
}

/** Runs `args` in `root` and checks the shape every refusal shares; returns stderr for the case's own checks. */
const refused = async (root: string, args: ReadonlyArray<string>) => {
  const before = filesUnder(root)
  const run = await runCliInProcess(args, { cwd: root })
  assert.include([1, 2], run.exitCode, `${args.join(" ")} should fail: ${run.stderr}`)
  assert.notMatch(run.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace")
  assert.notMatch(run.stderr, /\b(Die|FiberFailure|UnknownException|\[object Object\])\b/, "no raw defect")
  assert.deepStrictEqual(filesUnder(root), before, `${args.join(" ")} wrote nothing`)
  return run.stderr
}

describe("bad input to the migrations commands", () => {
  it("refuses revision ids that would name a file outside the version folder", async () => {
    const root = await project()
    for (const id of ["../../../escaped", "a/b", "..", ".hidden", "x".repeat(65)]) {
      const stderr = await refused(root, ["migrations", "revision", "--no-autogenerate", "--rev-id", id, "-m", "escape"])
      assert.include(stderr, `The revision id ${JSON.stringify(id)} is not usable: it names the revision's file`)
    }
    assert.isFalse(NodeFs.existsSync(NodePath.join(root, "escaped_escape.ts")))
  })

  it("refuses package names and namespaces that could inject code into the generated provider", async () => {
    const root = await project()
    const injected = `x */ throw new Error("injected") /* y`
    const stderr = await refused(root, [
      "migrations", "scaffold", "--package", injected, "--namespace", "n", "--metadata", "storage/models.ts:models", "--force"
    ])
    assert.include(stderr, `--package ${JSON.stringify(injected)} is not a package name`)
    const namespace = await refused(root, [
      "migrations", "scaffold", "--package", "p", "--namespace", `n" + process.exit(3) + "`, "--metadata", "storage/models.ts:models", "--force"
    ])
    assert.include(namespace, "is not a namespace")
    const outside = await refused(root, [
      "migrations", "scaffold", "--package", "p", "--namespace", "n", "--metadata", "storage/models.ts:models", "--module", "../elsewhere"
    ])
    assert.include(outside, `--module "../elsewhere" is not a directory inside the project`)
  })

  it("stops upgrade and revision over an edited applied revision, naming it, until upgrade --accept-changed", async () => {
    const root = await project()
    const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: root })
    assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)
    const file = NodeFs.readdirSync(NodePath.join(root, "migrations", "versions", "bad")).find((name) => name.startsWith("0001"))!
    NodeFs.appendFileSync(NodePath.join(root, "migrations", "versions", "bad", file), "\n// edited after it was applied\n")

    for (const args of [["migrations", "upgrade"], ["migrations", "revision", "--no-autogenerate", "-m", "next"]]) {
      const stderr = await refused(root, args)
      assert.include(stderr, "An applied revision was edited after being applied")
      assert.include(stderr, `0001 (`)
      assert.include(stderr, "--accept-changed 0001")
    }
    const accepted = await runCliInProcess(["migrations", "upgrade", "--accept-changed", "0001"], { cwd: root })
    assert.strictEqual(accepted.exitCode, 0, accepted.stderr)
    assert.include(accepted.stderr, "accepted the edited file of revision 0001")
    const next = await runCliInProcess(["migrations", "revision", "--no-autogenerate", "-m", "next"], { cwd: root })
    assert.strictEqual(next.exitCode, 0, next.stderr)
  })

  it("refuses a table or column name longer than PostgreSQL's 63 bytes before anything is written", async () => {
    for (const [table, column, problem] of [
      [`bad__${"é".repeat(33)}`, "uid", "the table name is 71 bytes long; PostgreSQL keeps 63 bytes"],
      ["bad__thing", "c".repeat(70), `column "${"c".repeat(70)}" is 70 bytes long; PostgreSQL keeps 63`]
    ] as const) {
      const root = await project(table, column)
      NodeFs.rmSync(NodePath.join(root, "migrations", "versions", "bad", "0001_base.ts"))
      const stderr = await refused(root, ["migrations", "revision", "-m", "initial"])
      assert.include(stderr, problem)
    }
  })

  it("reports a data migration that throws as the revision's failure, without internals, and keeps nothing of it", async () => {
    const root = await project()
    writeRevision(NodePath.join(root, "migrations", "versions", "bad"), {
      id: "0002",
      parents: ["0001"],
      message: "throws",
      upgradeSource: `["CREATE TABLE half_made (id int)", (sql) => { throw new Error("the data step threw") }]`
    })
    const run = await runCliInProcess(["migrations", "upgrade"], { cwd: root })
    assert.strictEqual(run.exitCode, 1, run.stderr)
    assert.include(run.stderr, "Revision 0002")
    assert.include(run.stderr, "failed upgrading at statement 2: the data step threw")
    assert.include(run.stderr, "It was rolled back; the version table stays at 0001.")
    assert.notMatch(run.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace")
  })

  it("says a package.json that is not valid JSON, or whose metatables.provider is not a string, is what is wrong", async () => {
    const root = await project()
    const manifest = NodePath.join(root, "package.json")
    for (const [content, problem] of [
      ['{ "name": "bad", ', "Expected a valid JSON string"],
      ['{ "name": "bad", "metatables": { "provider": 5 } }', `Expected string | undefined at ["metatables"]["provider"]`]
    ] as const) {
      NodeFs.writeFileSync(manifest, content)
      const stderr = await refused(root, ["migrations", "heads"])
      assert.include(stderr, `${manifest} cannot be read for "metatables": { "provider": "MODULE:EXPORT" }: ${problem}`)
    }
  })

  it("reports a provider hook that throws as the hook's failure, without internals", async () => {
    const root = await project()
    const index = NodePath.join(root, "migrations", "index.ts")
    NodeFs.writeFileSync(
      index,
      NodeFs.readFileSync(index, "utf8").replace(
        "  tables\n})",
        "  tables,\n  afterRegisterMetaTables: () => { throw new Error(\"the hook threw\") }\n})"
      )
    )
    const run = await runCliInProcess(["migrations", "upgrade"], { cwd: root })
    assert.strictEqual(run.exitCode, 1, run.stderr)
    assert.include(run.stderr, "The afterRegisterMetaTables hook of bad:bad failed: the hook threw.")
    assert.notMatch(run.stderr, /\n\s+at .+:\d+:\d+/, "no stack trace")
  })
})
