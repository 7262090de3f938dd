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

/** A project with one time-index table deployed on the embedded database, and nodes that go wrong. */
const nodeProject = async () => {
  const outer = scratchDirectory("bad-input", "repository")
  const root = NodePath.join(outer, "project")
  for (const folder of ["storage", "nodes"]) NodeFs.mkdirSync(NodePath.join(root, folder), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ name: "bad", private: true, type: "module" }))
  const table = (name: string, sourceColumn: string) => `
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable } from ${JSON.stringify(library)}
export class Marks extends PlatformTimeIndexMetaTable<Marks>()({
  name: ${JSON.stringify(name)}, namespace: "bad", identifier: ${JSON.stringify(name.replace("__", "."))}, description: "Marks.",
  indexNames: ["time_index", "source"],
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    source: ${sourceColumn},
    value: doublePrecision().notNull()
  },
  columnInfo: {
    timeIndex: { label: "Time", description: "When." },
    source: { label: "Source", description: "Whose mark." },
    value: { label: "Value", description: "The mark." }
  }
}) {}
export const models = [Marks]
`
  NodeFs.writeFileSync(NodePath.join(root, "storage", "models.ts"), table("bad__marks", "varchar({ length: 16 }).notNull()"))
  NodeFs.writeFileSync(NodePath.join(root, "storage", "nullable.ts"), table("bad__nullable", "varchar({ length: 16 })"))
  NodeFs.writeFileSync(
    NodePath.join(root, "nodes", "marks.ts"),
    `import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { DataNode, DataNodeConfiguration } from ${JSON.stringify(library)}
import { Marks } from "../storage/models.ts"
export class MarkConfig extends DataNodeConfiguration<MarkConfig>("MarkConfig")({
  source: Schema.String.annotate({ description: "Whose marks." }),
  count: Schema.Int.annotate({ description: "How many." })
}) {}
export class Throwing extends DataNode({
  kind: "Throwing", configuration: MarkConfig, storage: Marks,
  update: () => Effect.sync(() => { throw new Error("the mark feed answered 503") })
}) {}
export class Failing extends DataNode({
  kind: "Failing", configuration: MarkConfig, storage: Marks,
  update: () => Effect.fail(new Error("the mark feed answered 503"))
}) {}
const config = new MarkConfig({ source: "feed", count: 1 })
export const throwing = [new Throwing(config)]
export const failing = () => [new Failing(config)]
`
  )
  NodeFs.writeFileSync(
    NodePath.join(root, "nodes", "configs.ts"),
    `import { MarkConfig, Throwing } from "./marks.ts"
export const unknownField = () => [new Throwing(new MarkConfig({ source: "feed", count: 1, cuont: 2 } as never))]
export const mistyped = () => [new Throwing(new MarkConfig({ source: "feed", count: "1" } as never))]
`
  )
  NodeFs.writeFileSync(
    NodePath.join(root, "nodes", "nullable.ts"),
    `import { Marks } from "../storage/nullable.ts"
export const nodes = [Marks]
`
  )
  const scaffold = await runCliInProcess(
    ["migrations", "scaffold", "--package", "bad", "--namespace", "bad", "--metadata", "storage/models.ts:models", "--import-from", library],
    { cwd: root }
  )
  assert.strictEqual(scaffold.exitCode, 0, scaffold.stderr)
  return root
}

const occurrences = (text: string, part: string): number => text.split(part).length - 1

describe("bad input to the nodes commands", () => {
  it("says which configuration field is unknown or mistyped, and where, before any database opens", async () => {
    const root = await nodeProject()
    const unknown = await refused(root, ["nodes", "run", "nodes/configs.ts:unknownField"])
    assert.include(unknown, `Unknown field "cuont": configuration "MarkConfig" has the fields offsetStart, source, count at ["cuont"]`)
    const mistyped = await refused(root, ["nodes", "run", "nodes/configs.ts:mistyped"])
    assert.include(mistyped, `Expected number at ["count"]`)
    for (const stderr of [unknown, mistyped]) {
      assert.include(stderr, "The module of nodes/configs.ts:")
      assert.match(stderr, /\(thrown at nodes\/configs\.ts:\d+:\d+\)/)
    }
    assert.isFalse(NodeFs.existsSync(NodePath.join(root, ".metatables")), "no database was opened")
  })

  it("refuses a nullable grain column, naming it and the fix, and writes nothing", async () => {
    const root = await nodeProject()
    const stderr = await refused(root, ["nodes", "run", "nodes/nullable.ts:nodes"])
    assert.include(stderr, `Storage table "bad__nullable" is not valid`)
    assert.include(stderr, "grain columns must be NOT NULL; add .notNull() to: source")
    assert.match(stderr, /\(thrown at storage\/nullable\.ts:\d+:\d+\)/)
    // The provider's own table declared so: `revision` is refused the same way.
    NodeFs.copyFileSync(NodePath.join(root, "storage", "nullable.ts"), NodePath.join(root, "storage", "models.ts"))
    const revision = await refused(root, ["migrations", "revision", "-m", "nullable"])
    assert.include(revision, "grain columns must be NOT NULL; add .notNull() to: source")
    assert.match(revision, /\(thrown at storage\/models\.ts:\d+:\d+\)/)
    assert.isFalse(NodeFs.existsSync(NodePath.join(root, ".metatables")), "no database was opened")
  })

  it("reports an update that throws or fails once, naming the node and what to do, and writes no row", async () => {
    const root = await nodeProject()
    assert.strictEqual((await runCliInProcess(["migrations", "revision", "-m", "initial"], { cwd: root })).exitCode, 0)
    const upgrade = await runCliInProcess(["migrations", "upgrade"], { cwd: root })
    assert.strictEqual(upgrade.exitCode, 0, upgrade.stderr)

    const thrown = await refused(root, ["nodes", "run", "nodes/marks.ts:throwing"])
    assert.match(thrown, /FAILED {2}Throwing [0-9a-f]{8} after 1 attempt: The update of DataNode Throwing \(throwing_[0-9a-f]{32}\) threw: the mark feed answered 503\./)
    assert.include(thrown, "An exception is a bug in the update or in what it calls: fix it, then run the node again.")
    assert.strictEqual(occurrences(thrown, "the mark feed answered 503"), 1, thrown)

    // A failure that may pass is tried three times; its message is printed once, on the FAILED line.
    const failed = await refused(root, ["nodes", "run", "nodes/marks.ts:failing"])
    assert.match(failed, /Failing [0-9a-f]{8}: attempt 1 failed, trying again\n/)
    assert.match(failed, /Failing [0-9a-f]{8}: attempt 2 failed, trying again\n/)
    assert.notMatch(failed, /attempt 3 failed, trying again/, "the last attempt is not said to be retried")
    assert.match(failed, /FAILED {2}Failing [0-9a-f]{8} after 3 attempts: the mark feed answered 503\n/)
    assert.strictEqual(occurrences(failed, "the mark feed answered 503"), 1, failed)
    for (const stderr of [thrown, failed]) {
      assert.match(stderr, /^The node failed \(\d+\.\d+s\)\. Fix what the FAILED line says and run again: /m)
    }

    const status = await runCliInProcess(["nodes", "status", "--json"], { cwd: root })
    const nodes = (JSON.parse(status.stdout) as {
      nodes: ReadonlyArray<{ kind: string; watermark: unknown; lastRun: { status: string; error: { tag: string } } }>
    }).nodes
    assert.deepStrictEqual(nodes.map((node) => [node.kind, node.lastRun.status, node.lastRun.error.tag, node.watermark]), [
      ["Failing", "failed", "Error", null],
      ["Throwing", "failed", "NodeUpdateError", null]
    ])
  }, 120_000)
})

