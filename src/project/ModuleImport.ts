/**
 * Importing one export of a project module named `MODULE:EXPORT` (a path relative to the project root, with
 * or without its extension), as `--provider` and `nodes run` take it. Failures say which step went wrong;
 * each caller turns them into its own error.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as NodePath from "node:path"
import * as NodeUrl from "node:url"

export interface ModuleReference {
  readonly module: string
  readonly exportName: string
}

export interface ModuleImportFailure {
  readonly reason: "missing-module" | "import-failed" | "missing-export"
  readonly detail: string
}

/** `MODULE:EXPORT` split at its last colon; undefined when it is not of that form. */
export const parseModuleReference = (reference: string): ModuleReference | undefined => {
  const separator = reference.lastIndexOf(":")
  const module = reference.slice(0, separator).trim()
  const exportName = reference.slice(separator + 1).trim()
  return separator <= 0 || module === "" || !/^[A-Za-z_$][\w$]*$/.test(exportName) ? undefined : { module, exportName }
}

/** The candidate module files of a module path written without an extension. */
const candidates = (path: string): ReadonlyArray<string> =>
  /\.(ts|mts|js|mjs)$/.test(path) ? [path] : [`${path}.ts`, `${path}.js`, NodePath.join(path, "index.ts"), NodePath.join(path, "index.js")]

/** The value of the export, whatever it is; the caller checks it. */
export const importModuleExport = Effect.fn("ModuleImport.importModuleExport")(function*(
  reference: ModuleReference,
  projectRoot: string
): Effect.fn.Return<unknown, ModuleImportFailure, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const absolute = NodePath.resolve(projectRoot, reference.module)
  let file: string | undefined
  for (const candidate of candidates(absolute)) {
    if (yield* fs.exists(candidate).pipe(Effect.orElseSucceed(() => false))) {
      file = candidate
      break
    }
  }
  if (file === undefined) {
    return yield* Effect.fail<ModuleImportFailure>({ reason: "missing-module", detail: candidates(absolute).join(", ") })
  }
  const url = NodeUrl.pathToFileURL(file).href
  const module = yield* Effect.tryPromise({
    try: () => import(url) as Promise<Record<string, unknown>>,
    catch: (cause): ModuleImportFailure => ({
      reason: "import-failed",
      detail: cause instanceof Error ? cause.message : String(cause)
    })
  })
  if (!(reference.exportName in module)) {
    // Sorted, as a module namespace lists them, whatever loaded the module (a test runner lists them as written).
    const exports = Object.keys(module).filter((name) => name !== "default").sort()
    return yield* Effect.fail<ModuleImportFailure>({
      reason: "missing-export",
      detail: `${JSON.stringify(reference.exportName)} (it exports ${exports.length === 0 ? "nothing" : exports.join(", ")})`
    })
  }
  return module[reference.exportName]
})
