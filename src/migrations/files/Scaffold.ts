/**
 * `migrations scaffold`: the files of a new provider. `<module>/index.ts` (the provider), `<module>/registry.ts`
 * (its version registry and its scope, gathered from a models module) and `<module>/versions/<namespace slug>/`.
 * Identical files are skipped; changed files are refused unless forced, so scaffolding twice is harmless.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Schema from "effect/Schema"
import * as NodePath from "node:path"
import { namespaceVersionSlug, schemaTableName } from "../../storage/Naming.ts"

export interface ScaffoldOptions {
  readonly projectRoot: string
  readonly packageName: string
  readonly migrationNamespace: string
  /** `MODULE:EXPORT` of the models (a table list, a module namespace with `*`, or a function returning them). */
  readonly metadata: string
  /** The migrations package's directory, relative to the project root (default `migrations`). */
  readonly module?: string | undefined
  /** How the generated modules import metatables: a package name, or a path relative to the project root. */
  readonly importFrom?: string | undefined
  readonly force?: boolean | undefined
}

export interface ScaffoldFile {
  readonly path: string
  readonly action: "created" | "skipped" | "overwritten"
}

export class ScaffoldError extends Schema.TaggedError<ScaffoldError>()("ScaffoldError", {
  reason: Schema.Literals(["invalid-option", "conflict", "write-failed"]),
  detail: Schema.String
}) {
  override get message(): string {
    switch (this.reason) {
      case "invalid-option":
        return `Cannot scaffold: ${this.detail}`
      case "conflict":
        return `Refusing to overwrite ${this.detail}: they differ from what scaffold writes. Pass --force to replace them.`
      case "write-failed":
        return `Scaffold could not write its files: ${this.detail}`
    }
  }
}

/** A relative import specifier from `fromDirectory` to `target`, POSIX separators, starting with `.`. */
const relativeSpecifier = (fromDirectory: string, target: string): string => {
  const relative = NodePath.relative(fromDirectory, target).split(NodePath.sep).join("/")
  return relative.startsWith(".") ? relative : `./${relative}`
}

const invalid = (detail: string) => new ScaffoldError({ reason: "invalid-option", detail })

/** A package name or namespace: npm's and Python's name characters, nothing that means anything in source. */
const PLAIN_NAME = /^[A-Za-z0-9_@][A-Za-z0-9_.@/-]{0,213}$/

/** The files scaffold writes, by path, with their contents. */
export const scaffoldFiles = Effect.fn("Scaffold.scaffoldFiles")(function*(
  options: ScaffoldOptions
): Effect.fn.Return<ReadonlyMap<string, string>, ScaffoldError> {
  const packageName = options.packageName.trim()
  const namespace = options.migrationNamespace.trim()
  // Both are written into generated source (comments, strings) and names: only plain name characters.
  if (!PLAIN_NAME.test(packageName)) {
    return yield* invalid(
      `--package ${JSON.stringify(options.packageName)} is not a package name: use letters, digits and _ . - @ / only`
    )
  }
  if (namespace === "") return yield* invalid("--namespace is required")
  if (!PLAIN_NAME.test(namespace)) {
    return yield* invalid(
      `--namespace ${JSON.stringify(options.migrationNamespace)} is not a namespace: use letters, digits and _ . - @ / only`
    )
  }
  const separator = options.metadata.lastIndexOf(":")
  const metadataModule = options.metadata.slice(0, separator).trim()
  const metadataExport = options.metadata.slice(separator + 1).trim()
  if (separator <= 0 || metadataModule === "" || !/^([A-Za-z_$][\w$]*|\*)$/.test(metadataExport)) {
    return yield* invalid(`--metadata ${JSON.stringify(options.metadata)} is not MODULE:EXPORT (EXPORT may be * for the whole module)`)
  }
  const root = NodePath.resolve(options.projectRoot)
  const directory = NodePath.resolve(root, options.module ?? "migrations")
  const inside = NodePath.relative(root, directory)
  if (inside === "" || inside.startsWith("..") || NodePath.isAbsolute(inside)) {
    return yield* invalid(
      `--module ${JSON.stringify(options.module)} is not a directory inside the project (${root}); the provider's files ` +
        "are written only there"
    )
  }
  const importFrom = options.importFrom ?? "metatables"
  const isPath = importFrom.startsWith(".") || NodePath.isAbsolute(importFrom) || /\.(ts|mts|js|mjs)$/.test(importFrom)
  const library = isPath
    ? relativeSpecifier(directory, NodePath.resolve(options.projectRoot, importFrom))
    : importFrom
  const models = relativeSpecifier(directory, NodePath.resolve(options.projectRoot, metadataModule))
  const slug = namespaceVersionSlug(namespace)
  const modelsImport = metadataExport === "*"
    ? `import * as models from ${JSON.stringify(models)}`
    : `import { ${metadataExport} as models } from ${JSON.stringify(models)}`
  const versionTable = schemaTableName(packageName, "alembic_version")

  const registry = [
    "/**",
    ` * The models of the ${packageName} migration provider: its version table and the exact, ordered list of`,
    " * storage tables it migrates. Tables imported elsewhere but not listed here are not its business.",
    " */",
    `import { buildMetaTableModelRegistry, buildVersionMetaTable } from ${JSON.stringify(library)}`,
    modelsImport,
    "",
    "export const versionRegistry = buildVersionMetaTable({",
    `  namespace: ${JSON.stringify(namespace)},`,
    `  identifier: ${JSON.stringify(`${packageName}.alembic_version`)},`,
    `  tableName: ${JSON.stringify(versionTable)}`,
    "})",
    "",
    "export const tables = buildMetaTableModelRegistry(models)",
    ""
  ].join("\n")

  const provider = [
    "/**",
    ` * The migration provider of ${packageName} (namespace ${namespace}): \`metatables migrations\` finds it here.`,
    ` * Its revisions live in ./versions/${slug}/.`,
    " */",
    `import { buildMigrationProvider } from ${JSON.stringify(library)}`,
    `import { tables, versionRegistry } from "./registry.ts"`,
    "",
    "export const migration = buildMigrationProvider({",
    `  package: ${JSON.stringify(packageName)},`,
    `  migrationNamespace: ${JSON.stringify(namespace)},`,
    "  scriptLocation: import.meta.dirname,",
    "  versionRegistry,",
    "  tables",
    "})",
    ""
  ].join("\n")

  return new Map([
    [NodePath.join(directory, "index.ts"), provider],
    [NodePath.join(directory, "registry.ts"), registry],
    [NodePath.join(directory, "versions", slug, ".gitkeep"), ""]
  ])
})

/** Writes the scaffold: all files or none (a conflict is found before anything is written). */
export const scaffoldProvider = Effect.fn("Scaffold.scaffoldProvider")(function*(
  options: ScaffoldOptions
): Effect.fn.Return<ReadonlyArray<ScaffoldFile>, ScaffoldError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const files = yield* scaffoldFiles(options)
  const separator = options.metadata.lastIndexOf(":")
  const metadataPath = NodePath.resolve(options.projectRoot, options.metadata.slice(0, separator).trim())
  if (!(yield* fs.exists(metadataPath).pipe(Effect.orElseSucceed(() => false)))) {
    return yield* invalid(`the models module ${metadataPath} (from --metadata) does not exist`)
  }
  const plan: Array<ScaffoldFile> = []
  for (const [path, content] of files) {
    const existing = yield* fs.readFileString(path).pipe(Effect.option)
    if (existing._tag === "None") plan.push({ path, action: "created" })
    else if (existing.value === content) plan.push({ path, action: "skipped" })
    else plan.push({ path, action: "overwritten" })
  }
  const conflicts = plan.filter((file) => file.action === "overwritten").map((file) => file.path)
  if (conflicts.length > 0 && options.force !== true) {
    return yield* new ScaffoldError({ reason: "conflict", detail: conflicts.join(", ") })
  }
  for (const file of plan) {
    if (file.action === "skipped") continue
    yield* fs.makeDirectory(NodePath.dirname(file.path), { recursive: true }).pipe(
      Effect.andThen(fs.writeFileString(file.path, files.get(file.path)!)),
      Effect.mapError((error) => new ScaffoldError({ reason: "write-failed", detail: error.message }))
    )
  }
  return plan
})
