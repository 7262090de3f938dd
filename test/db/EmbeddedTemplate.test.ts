/**
 * The template new embedded databases are copied from: made once and reused, made again when its marker
 * names another PGlite version, never left half-made, and copied only into a directory without a database.
 * `initialize` stands in for PGlite's initdb (which the integration tests run for real).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { PGLITE_VERSION } from "../../src/db/EmbeddedDataDirectory.ts"
import { createFromTemplate, ensureTemplate, templateDirectory } from "../../src/db/EmbeddedTemplate.ts"
import { scratchDirectory } from "../support/scratch.ts"

/** A scratch cache directory, and a fake initdb that counts its runs and writes a recognisable cluster. */
const fixture = () => {
  const cacheDirectory = scratchDirectory("template")
  const messages: Array<string> = []
  let runs = 0
  const options = {
    cacheDirectory,
    onProgress: (message: string) => Effect.sync(() => void messages.push(message)),
    initialize: (dataDir: string) =>
      Effect.sync(() => {
        runs++
        NodeFs.mkdirSync(NodePath.join(dataDir, "base"), { recursive: true })
        NodeFs.writeFileSync(NodePath.join(dataDir, "PG_VERSION"), "18\n")
        NodeFs.writeFileSync(NodePath.join(dataDir, "base", "cluster"), `cluster ${runs}`)
      })
  }
  return { cacheDirectory, messages, options, runs: () => runs }
}

const run = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>) => effect.pipe(Effect.provide(NodeFileSystem.layer))

const readFile = (path: string) =>
  run(Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    yield* fs.readFileString(path)
  }))

describe("the embedded database template", () => {
  it.effect("is made once per PGlite version, with a marker naming it, and then reused", () =>
    Effect.gen(function*() {
      const { cacheDirectory, messages, options, runs } = fixture()
      const first = yield* run(ensureTemplate(options))
      const second = yield* run(ensureTemplate(options))
      const directory = templateDirectory(cacheDirectory)
      assert.strictEqual(first, NodePath.join(directory, "pgdata"))
      assert.strictEqual(second, first)
      assert.strictEqual(runs(), 1)
      assert.deepStrictEqual(JSON.parse(NodeFs.readFileSync(NodePath.join(directory, "template.json"), "utf8")), {
        format: 1,
        pglite: PGLITE_VERSION
      })
      assert.strictEqual(messages.length, 1)
      assert.include(messages[0], `Preparing the PGlite ${PGLITE_VERSION} template in ${directory}`)
      assert.deepStrictEqual(NodeFs.readdirSync(cacheDirectory), [NodePath.basename(directory)], "no partial copy is left")
    }))

  it.effect("is made again when its marker names another PGlite version or its cluster is incomplete", () =>
    Effect.gen(function*() {
      const { cacheDirectory, options, runs } = fixture()
      const directory = templateDirectory(cacheDirectory)
      NodeFs.mkdirSync(NodePath.join(directory, "pgdata"), { recursive: true })
      NodeFs.writeFileSync(NodePath.join(directory, "pgdata", "PG_VERSION"), "17\n")
      NodeFs.writeFileSync(NodePath.join(directory, "template.json"), JSON.stringify({ format: 1, pglite: "0.2.17" }))
      yield* run(ensureTemplate(options))
      assert.strictEqual(runs(), 1)
      assert.strictEqual(NodeFs.readFileSync(NodePath.join(directory, "pgdata", "PG_VERSION"), "utf8"), "18\n")
      assert.strictEqual(JSON.parse(NodeFs.readFileSync(NodePath.join(directory, "template.json"), "utf8")).pglite, PGLITE_VERSION)

      NodeFs.rmSync(NodePath.join(directory, "pgdata", "PG_VERSION"))
      yield* run(ensureTemplate(options))
      assert.strictEqual(runs(), 2, "a template without PG_VERSION is not used")
    }))

  it.effect("leaves nothing behind when making it fails", () =>
    Effect.gen(function*() {
      const { cacheDirectory, options } = fixture()
      const error = yield* Effect.flip(run(ensureTemplate({
        ...options,
        initialize: (dataDir) => Effect.andThen(options.initialize(dataDir), readFile(NodePath.join(dataDir, "no-such-file")))
      })))
      assert.include(error.message, "no-such-file")
      assert.deepStrictEqual(NodeFs.readdirSync(cacheDirectory), [])
    }))

  it.effect("two processes making it at once both get a complete template", () =>
    Effect.gen(function*() {
      const { cacheDirectory, options } = fixture()
      const [first, second] = yield* run(Effect.all([ensureTemplate(options), ensureTemplate(options)], { concurrency: 2 }))
      assert.strictEqual(first, second)
      assert.isTrue(NodeFs.existsSync(NodePath.join(first, "PG_VERSION")))
      assert.deepStrictEqual(NodeFs.readdirSync(cacheDirectory), [NodePath.basename(templateDirectory(cacheDirectory))])
    }))
})

describe("a new embedded database from the template", () => {
  it.effect("is a copy of the template, made where there is no database, and says so", () =>
    Effect.gen(function*() {
      const { messages, options } = fixture()
      const dataDir = NodePath.join(scratchDirectory("project"), ".metatables", "pgdata")
      NodeFs.mkdirSync(NodePath.dirname(dataDir), { recursive: true })
      assert.isTrue(yield* run(createFromTemplate(dataDir, options)))
      assert.strictEqual(NodeFs.readFileSync(NodePath.join(dataDir, "base", "cluster"), "utf8"), "cluster 1")
      assert.strictEqual(messages[0], `Creating the embedded database in ${dataDir}`)
      assert.deepStrictEqual(NodeFs.readdirSync(NodePath.dirname(dataDir)), ["pgdata"], "no partial copy is left")

      // The copy is the database's own: writing to it leaves the template as it was.
      NodeFs.writeFileSync(NodePath.join(dataDir, "base", "cluster"), "written by the database")
      const template = yield* run(ensureTemplate(options))
      assert.strictEqual(NodeFs.readFileSync(NodePath.join(template, "base", "cluster"), "utf8"), "cluster 1")
    }))

  it.effect("replaces an empty directory, and leaves a database or a directory with files alone", () =>
    Effect.gen(function*() {
      const { options, runs } = fixture()
      const empty = NodePath.join(scratchDirectory("project"), "pgdata")
      NodeFs.mkdirSync(empty)
      assert.isTrue(yield* run(createFromTemplate(empty, options)))
      assert.isTrue(NodeFs.existsSync(NodePath.join(empty, "PG_VERSION")))

      assert.isFalse(yield* run(createFromTemplate(empty, options)), "an existing database is opened as it is")
      const other = NodePath.join(scratchDirectory("project"), "pgdata")
      NodeFs.mkdirSync(other)
      NodeFs.writeFileSync(NodePath.join(other, "stray"), "")
      assert.isFalse(yield* run(createFromTemplate(other, options)))
      assert.deepStrictEqual(NodeFs.readdirSync(other), ["stray"])
      assert.strictEqual(runs(), 1)
    }))
})
