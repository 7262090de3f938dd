/**
 * Loads a provider's revisions from its version locations: every `*.ts` / `*.js` module there (but
 * `index.*` and declaration files), imported and checked, then assembled into the revision graph.
 *
 * Problems do not stop the loading: files that cannot be imported, files without a valid revision,
 * duplicate ids, unknown parents or dependencies, duplicated branch labels, redundant merge parents and cycles
 * are all collected into one `RevisionLoadError`, each with its
 * file, so that a broken history is fixed in one pass.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as NodeCrypto from "node:crypto"
import * as NodePath from "node:path"
import * as NodeUrl from "node:url"
import { type Revision, revisionExportProblems, revisionFromExports } from "./Revision.ts"
import { RevisionGraph } from "../graph/RevisionGraph.ts"
import { describeRevisionGraphProblem } from "../graph/RevisionGraphError.ts"

export const RevisionLoadProblem = Schema.Struct({
  /** The file, when the problem belongs to one. */
  source: Schema.NullOr(Schema.String),
  problem: Schema.String
})
export type RevisionLoadProblem = typeof RevisionLoadProblem.Type

export class RevisionLoadError extends Schema.TaggedError<RevisionLoadError>()("RevisionLoadError", {
  problems: Schema.Array(RevisionLoadProblem)
}) {
  override get message(): string {
    const count = this.problems.length
    return `The revisions cannot be loaded (${count} problem${count === 1 ? "" : "s"}):\n` +
      this.problems.map((entry) => `  - ${entry.source === null ? "" : `${entry.source}: `}${entry.problem}`).join("\n")
  }
}

/** The revisions of a provider and their graph. */
export interface LoadedRevisions {
  readonly revisions: ReadonlyMap<string, Revision>
  readonly graph: RevisionGraph
}

const isRevisionFile = (name: string): boolean =>
  /\.(ts|mts|js|mjs)$/.test(name) && !/\.d\.[mc]?ts$/.test(name) && !/^index\./.test(name) && !name.startsWith(".")

/** SHA-256 of a file's bytes: what the ledger records, so an edited applied revision is noticed. */
export const fileChecksum = (bytes: Uint8Array): string => NodeCrypto.createHash("sha256").update(bytes).digest("hex")

const describeImportFailure = (cause: unknown): string => {
  const message = cause instanceof Error ? cause.message : String(cause)
  return `cannot be imported: ${message.split("\n")[0]}`
}

/** The revision files of the locations, in location order, each sorted by name; a missing location has none. */
export const listRevisionFiles = Effect.fn("RevisionLoader.listRevisionFiles")(function*(
  locations: ReadonlyArray<string>
): Effect.fn.Return<ReadonlyArray<string>, never, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const files: Array<string> = []
  for (const location of locations) {
    const names = yield* fs.readDirectory(location).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    files.push(...names.filter(isRevisionFile).sort().map((name) => NodePath.join(location, name)))
  }
  return files
})

/**
 * Imports every revision file of `locations` and builds the graph. Modules are imported with their checksum
 * in the URL, so a file edited since an earlier load in the same process is imported afresh.
 */
export const loadRevisions = Effect.fn("RevisionLoader.loadRevisions")(function*(
  locations: ReadonlyArray<string>
): Effect.fn.Return<LoadedRevisions, RevisionLoadError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const problems: Array<RevisionLoadProblem> = []
  const loaded: Array<Revision> = []
  for (const file of yield* listRevisionFiles(locations)) {
    const bytes = yield* fs.readFile(file).pipe(Effect.result)
    if (Result.isFailure(bytes)) {
      problems.push({ source: file, problem: `cannot be read: ${bytes.failure.message}` })
      continue
    }
    const checksum = fileChecksum(bytes.success)
    const url = `${NodeUrl.pathToFileURL(NodePath.resolve(file)).href}?checksum=${checksum}`
    const imported = yield* Effect.tryPromise({
      try: () => import(url) as Promise<Record<string, unknown>>,
      catch: describeImportFailure
    }).pipe(Effect.result)
    if (Result.isFailure(imported)) {
      problems.push({ source: file, problem: imported.failure })
      continue
    }
    const exportProblems = revisionExportProblems(imported.success)
    if (exportProblems.length > 0) {
      problems.push({ source: file, problem: `does not export a valid revision: ${exportProblems.join("; ")}` })
      continue
    }
    loaded.push(revisionFromExports(imported.success, file, checksum))
  }
  const graph = RevisionGraph.make(
    loaded.map(({ branchLabels, dependsOn, id, parents, source }) => ({ id, parents, dependsOn, branchLabels, source }))
  )
  if (Result.isFailure(graph)) {
    const { reason } = graph.failure
    const described = reason._tag === "InvalidHistory"
      ? reason.problems.map(describeRevisionGraphProblem)
      : [reason.message]
    problems.push(...described.map((problem) => ({ source: null, problem })))
  }
  if (problems.length > 0 || Result.isFailure(graph)) return yield* new RevisionLoadError({ problems })
  return { revisions: new Map(loaded.map((revision) => [revision.id, revision])), graph: graph.success }
})
