/**
 * Providers, their validation, the model registry, discovery and scaffold, without a database.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { text, uuid } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  type AnyStorageTable,
  buildMetaTableModelRegistry,
  buildMigrationProvider,
  buildVersionMetaTable,
  discoverProvider,
  PlatformManagedMetaTable,
  ProviderDefinitionError,
  scaffoldProvider
} from "../../src/index.ts"
import { repositoryRoot } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"

const table = (name: string, identifier = name) => {
  class Table extends PlatformManagedMetaTable<Table>()({
    name,
    namespace: "prov",
    identifier,
    description: "A table.",
    columns: { uid: uuid().primaryKey(), note: text() },
    columnInfo: { uid: { label: "UID", description: "Key." }, note: { label: "Note", description: "Remark." } }
  }) {}
  return Table
}

const registry = buildVersionMetaTable({ namespace: "prov", identifier: "prov.alembic_version", tableName: "prov__alembic_version" })

const problemsOf = (define: () => unknown): ReadonlyArray<string> => {
  try {
    define()
  } catch (error) {
    assert.instanceOf(error, ProviderDefinitionError)
    return (error as ProviderDefinitionError).problems
  }
  assert.fail("accepted")
}

describe("buildMigrationProvider", () => {
  it("keys the provider package:namespace and puts revisions in the namespace's folder", () => {
    const [a, b] = [table("prov__a"), table("prov__b")]
    const provider = buildMigrationProvider({
      package: "prov",
      migrationNamespace: "Prov Data",
      scriptLocation: "/project/migrations",
      versionRegistry: registry,
      tables: [b, a, b]
    })
    assert.strictEqual(provider.key, "prov:Prov Data")
    assert.deepStrictEqual(provider.versionLocations, ["/project/migrations/versions/prov_data"])
    assert.deepStrictEqual(provider.tables, [b, a])
    assert.deepStrictEqual(provider.targetTables, [b, a])
    assert.deepStrictEqual(registry.metadata.columns.map((column) => column.name), ["version_num"])
  })

  it("lists every problem of a bad provider at once", () => {
    const problems = problemsOf(() =>
      buildMigrationProvider({
        package: "bad:name",
        migrationNamespace: " ",
        scriptLocation: "relative/path",
        versionRegistry: {} as AnyStorageTable,
        tables: [table("prov__x"), "not a table" as unknown as AnyStorageTable, table("prov__x", "other"), table("prov__y", "prov__x")],
        afterRegisterMetaTables: "nope" as never
      })
    )
    assert.deepStrictEqual(problems, [
      'package "bad:name" may not contain ":"',
      "migrationNamespace is required",
      "scriptLocation must be an absolute directory (use import.meta.dirname in the provider module)",
      "versionRegistry must be a storage table (use buildVersionMetaTable)",
      "tables[1] is not a storage table (declare it with PlatformManagedMetaTable or PlatformTimeIndexMetaTable)",
      "tables[2] (other) and prov__x are both public.prov__x",
      "tables[3] reuses the identifier prov__x of public.prov__x",
      "afterRegisterMetaTables must be a function (context) => Effect"
    ])
  })
})

describe("buildMetaTableModelRegistry", () => {
  it("gathers tables from lists, modules and functions, once each, in order", () => {
    const [a, b, c] = [table("prov__a"), table("prov__b"), table("prov__c")]
    assert.deepStrictEqual(buildMetaTableModelRegistry([a, b], { b, c, other: 1 }, () => [a, c]), [a, b, c])
  })

  it("refuses two tables with one identifier", () => {
    const problems = problemsOf(() => buildMetaTableModelRegistry([table("prov__a", "same"), table("prov__b", "same")]))
    assert.deepStrictEqual(problems, ["public.prov__b and public.prov__a share the identifier prov/same"])
  })
})

const project = () => {
  const directory = scratchDirectory("prov", "repository")
  NodeFs.mkdirSync(NodePath.join(directory, "storage"), { recursive: true })
  NodeFs.writeFileSync(NodePath.join(directory, "package.json"), JSON.stringify({ type: "module" }))
  NodeFs.writeFileSync(
    NodePath.join(directory, "storage", "models.ts"),
    `import { uuid } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable } from ${JSON.stringify(NodePath.join(repositoryRoot, "src", "index.ts"))}
export class Thing extends PlatformManagedMetaTable<Thing>()({
  name: "prov__thing", namespace: "prov", identifier: "prov.thing", description: "Things.",
  columns: { uid: uuid().primaryKey() }, columnInfo: { uid: { label: "UID", description: "Key." } }
}) {}
`
  )
  return directory
}

const discover = (projectRoot: string, reference?: string) =>
  discoverProvider({ reference: Option.fromUndefinedOr(reference), projectRoot }).pipe(Effect.provide(NodeFileSystem.layer))

const scaffold = (projectRoot: string, force = false) =>
  scaffoldProvider({
    projectRoot,
    packageName: "prov",
    migrationNamespace: "prov",
    metadata: "storage/models.ts:*",
    importFrom: NodePath.join(repositoryRoot, "src", "index.ts"),
    force
  }).pipe(Effect.provide(NodeFileSystem.layer))

describe("scaffold and discovery", () => {
  it.effect("says what it looked for when there is no provider", () =>
    Effect.gen(function*() {
      const root = project()
      const error = yield* Effect.flip(discover(root))
      assert.include(error.message, "No migration provider found. Looked for: --provider (not given), metatables.provider in")
      assert.include(error.message, `${NodePath.join(root, "migrations", "index.ts")} (no such file)`)
    }))

  it.effect("scaffolds a provider that is found by convention, skips identical files and refuses changed ones", () =>
    Effect.gen(function*() {
      const root = project()
      const first = yield* scaffold(root)
      assert.deepStrictEqual(first.map((file) => [NodePath.relative(root, file.path), file.action]), [
        ["migrations/index.ts", "created"],
        ["migrations/registry.ts", "created"],
        ["migrations/versions/prov/.gitkeep", "created"]
      ])
      const { provider, source } = yield* discover(root)
      assert.strictEqual(provider.key, "prov:prov")
      assert.deepStrictEqual(provider.tables.map((entry) => entry.metadata.tableName), ["prov__thing"])
      assert.strictEqual(source, NodePath.join(root, "migrations", "index.ts"))

      assert.deepStrictEqual((yield* scaffold(root)).map((file) => file.action), ["skipped", "skipped", "skipped"])
      NodeFs.appendFileSync(NodePath.join(root, "migrations", "index.ts"), "// mine\n")
      const refused = yield* Effect.flip(scaffold(root))
      assert.include(refused.message, `Refusing to overwrite ${NodePath.join(root, "migrations", "index.ts")}`)
      assert.include(NodeFs.readFileSync(NodePath.join(root, "migrations", "index.ts"), "utf8"), "// mine")
      assert.deepStrictEqual((yield* scaffold(root, true)).map((file) => file.action), ["overwritten", "skipped", "skipped"])
      NodeFs.rmSync(root, { recursive: true, force: true })
    }))

  it.effect("follows --provider and package.json, and names broken modules and exports", () =>
    Effect.gen(function*() {
      const root = project()
      yield* scaffold(root)
      assert.strictEqual((yield* discover(root, "migrations/index.ts:migration")).source, "--provider")
      assert.strictEqual((yield* discover(root, "migrations:migration")).provider.key, "prov:prov")
      NodeFs.writeFileSync(NodePath.join(root, "package.json"), JSON.stringify({ metatables: { provider: "migrations/index.ts:migration" } }))
      assert.strictEqual((yield* discover(root)).source, NodePath.join(root, "package.json"))

      const missingExport = yield* Effect.flip(discover(root, "migrations/index.ts:nothing"))
      assert.include(missingExport.message, 'has no export "nothing" (it exports migration)')
      const notProvider = yield* Effect.flip(discover(root, "migrations/registry.ts:tables"))
      assert.include(notProvider.message, "is not a migration provider")
      const malformed = yield* Effect.flip(discover(root, "migrations/index.ts"))
      assert.include(malformed.message, "is not MODULE:EXPORT")
      const missing = yield* Effect.flip(discover(root, "nowhere/provider.ts:migration"))
      assert.include(missing.message, "does not exist")
      NodeFs.writeFileSync(NodePath.join(root, "broken.ts"), "export const migration = (\n")
      const broken = yield* Effect.flip(discover(root, "broken.ts:migration"))
      assert.include(broken.message, "cannot be imported")
      NodeFs.rmSync(root, { recursive: true, force: true })
    }))
})
