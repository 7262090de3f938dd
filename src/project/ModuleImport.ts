/**
 * Importing one export of a project module named `MODULE:EXPORT` (a path relative to the project root, with
 * or without its extension), as `--provider` and `nodes run` take it. Failures say which step went wrong;
 * each caller turns them into its own error.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as SchemaIssue from "effect/SchemaIssue"
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

const issueText = SchemaIssue.makeFormatterDefault()

/** The library's own sources (`src/`), whose frames are not the project's. */
const librarySources = NodePath.dirname(NodePath.dirname(NodeUrl.fileURLToPath(import.meta.url)))

/** The frames of an error's stack in the project's own files (not a package's, not the library's), innermost first. */
const projectFrames = (error: Error, projectRoot: string) =>
  [...(error.stack ?? "").matchAll(/((?:file:\/\/)?\/[^\s():]+):(\d+):(\d+)/g)].flatMap((match) => {
    const file = match[1]!.startsWith("file://") ? NodeUrl.fileURLToPath(match[1]!) : match[1]!
    const relative = NodePath.relative(projectRoot, file)
    const outside = relative.startsWith("..") || NodePath.isAbsolute(relative) ||
      relative.split(NodePath.sep).includes("node_modules") || !NodePath.relative(librarySources, file).startsWith("..")
    return outside ? [] : [{ file, line: Number(match[2]), at: `${relative}:${match[2]}:${match[3]}` }]
  })

/**
 * Where in the project's own files an error was thrown: the outermost frame of its stack in the project's own
 * code that is not an `import` (a module importing the one that threw shows at its import statement), which is
 * the line that was running: a `new Config({...})`, a table's declaration. Undefined when there is none.
 */
const thrownAt = Effect.fnUntraced(function*(error: Error, projectRoot: string) {
  const fs = yield* FileSystem.FileSystem
  const frames = projectFrames(error, projectRoot)
  for (const frame of frames.toReversed()) {
    const source = yield* fs.readFileString(frame.file).pipe(Effect.orElseSucceed(() => ""))
    const line = source.split("\n")[frame.line - 1] ?? ""
    if (!/^\s*(import|export\s+(\*|\{[^}]*\})\s+from)\b/.test(line)) return frame.at
  }
  return frames[0]?.at
})

/**
 * What importing a module threw, in one line: its message (a value that does not fit a schema, such as a
 * DataNode configuration built with an unknown or mistyped field, says which field and what was expected) and
 * the line of the project's file that threw it.
 */
export const describeThrown = Effect.fnUntraced(function*(cause: unknown, projectRoot: string) {
  if (!(cause instanceof Error)) return String(cause)
  const message = SchemaIssue.isIssue(cause.cause)
    ? `a value does not fit its schema: ${issueText(cause.cause).replace(/\s*\n\s*/g, " ")}`
    : cause.message
  const where = yield* thrownAt(cause, projectRoot)
  return where === undefined ? message : `${message} (thrown at ${where})`
})

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
    catch: (cause) => cause
  }).pipe(
    Effect.catch((cause) =>
      Effect.flatMap(describeThrown(cause, projectRoot), (detail) =>
        Effect.fail<ModuleImportFailure>({ reason: "import-failed", detail })))
  )
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
