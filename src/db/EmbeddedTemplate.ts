/**
 * New embedded databases are copies of a template instead of each running `initdb`.
 *
 * PGlite's `initdb` costs about ten seconds of CPU and a gigabyte of memory; copying a data directory costs
 * a fraction of a second. The template is made once per PGlite version, by PGlite itself, in the user's
 * cache (`$XDG_CACHE_HOME/metatables`, else `~/.cache/metatables`) as `pglite-<version>/pgdata` beside a
 * marker naming the version. It is used only when its marker names the pinned version and its `PG_VERSION`
 * is in place; otherwise it is made again. It is written under a temporary name and renamed into place, so
 * that several processes making it at once never see half of one. Where no template can be made (a
 * read-only home directory), PGlite runs `initdb` in the data directory as before.
 */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type { PlatformError } from "effect/PlatformError"
import * as Schema from "effect/Schema"
import type { SqlError } from "effect/sql/SqlError"
import * as NodeCrypto from "node:crypto"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as NodeProcess from "node:process"
import { PGLITE_VERSION } from "./EmbeddedDataDirectory.ts"
import type { LazyImportError } from "./LazyImport.ts"
import { initializeDataDirectory } from "./PgliteClient.ts"

/** What the person waiting is told while a database is being made. */
export type CreationProgress = (message: string) => Effect.Effect<void>

const TemplateMarker = Schema.Struct({
  format: Schema.Literal(1),
  pglite: Schema.String
})
const decodeTemplateMarker = Schema.decodeUnknownOption(Schema.fromJsonString(TemplateMarker))

/** `$XDG_CACHE_HOME/metatables`, else `~/.cache/metatables`. */
export const templateCacheDirectory: Effect.Effect<string> = Config.option(Config.String("XDG_CACHE_HOME")).pipe(
  Effect.map((xdg) =>
    NodePath.join(
      Option.match(Option.filter(xdg, (value) => value.trim() !== ""), {
        onNone: () => NodePath.join(NodeOs.homedir(), ".cache"),
        onSome: (value) => value
      }),
      "metatables"
    )
  ),
  Effect.orElseSucceed(() => NodePath.join(NodeOs.homedir(), ".cache", "metatables"))
)

/** The template of this PGlite version: `<cache>/pglite-<version>`, with `pgdata` and `template.json` inside. */
export const templateDirectory = (cacheDirectory: string): string =>
  NodePath.join(cacheDirectory, `pglite-${PGLITE_VERSION}`)

const uniqueSuffix = (): string => `${NodeProcess.pid}-${NodeCrypto.randomBytes(4).toString("hex")}`

/** Whether `directory` holds a complete template of the pinned PGlite version. */
const isValidTemplate = Effect.fn("EmbeddedTemplate.isValidTemplate")(function*(directory: string) {
  const fs = yield* FileSystem.FileSystem
  const marker = decodeTemplateMarker(yield* fs.readFileString(NodePath.join(directory, "template.json")))
  return Option.exists(marker, (value) => value.pglite === PGLITE_VERSION) &&
    (yield* fs.exists(NodePath.join(directory, "pgdata", "PG_VERSION")))
}, Effect.orElseSucceed(() => false))

/** What making a data directory can fail with. */
export type InitializeError = SqlError | LazyImportError | PlatformError

export interface TemplateOptions {
  readonly onProgress: CreationProgress
  /** Where templates are kept (default `templateCacheDirectory`). */
  readonly cacheDirectory?: string | undefined
  /** Makes a data directory from nothing (default: PGlite's `initdb`, closed cleanly). */
  readonly initialize?: ((dataDir: string) => Effect.Effect<void, InitializeError>) | undefined
}

/**
 * The template's data directory, made first when it is missing or does not match the pinned version;
 * fails when it cannot be made.
 */
export const ensureTemplate = Effect.fn("EmbeddedTemplate.ensureTemplate")(function*(options: TemplateOptions) {
  const fs = yield* FileSystem.FileSystem
  const directory = templateDirectory(options.cacheDirectory ?? (yield* templateCacheDirectory))
  if (yield* isValidTemplate(directory)) return NodePath.join(directory, "pgdata")
  yield* options.onProgress(
    `Preparing the PGlite ${PGLITE_VERSION} template in ${directory} (PostgreSQL's initdb runs once per PGlite ` +
      "version; every new embedded database is a copy of it)"
  )
  const initialize = options.initialize ?? initializeDataDirectory
  const partial = `${directory}.partial-${uniqueSuffix()}`
  yield* Effect.gen(function*() {
    yield* fs.makeDirectory(partial, { recursive: true })
    yield* initialize(NodePath.join(partial, "pgdata"))
    yield* fs.writeFileString(
      NodePath.join(partial, "template.json"),
      JSON.stringify({ format: 1, pglite: PGLITE_VERSION }) + "\n"
    )
    // A template left by an interrupted or older build is replaced; a valid one made meanwhile is kept.
    if (!(yield* isValidTemplate(directory))) {
      yield* fs.remove(directory, { recursive: true, force: true })
      yield* fs.rename(partial, directory).pipe(
        Effect.catch((error) => Effect.flatMap(isValidTemplate(directory), (made) => made ? Effect.void : Effect.fail(error)))
      )
    }
  }).pipe(Effect.ensuring(Effect.ignore(fs.remove(partial, { recursive: true, force: true }))))
  return NodePath.join(directory, "pgdata")
})

/**
 * Makes the embedded database in `dataDir` when there is none, as a copy of the template, saying so
 * through `onProgress`. Leaves an existing database alone, and leaves a directory that holds files but no
 * database to PGlite. Answers whether it made the database; when it did not, PGlite runs `initdb` itself.
 */
export const createFromTemplate = Effect.fn("EmbeddedTemplate.createFromTemplate")(function*(
  dataDir: string,
  options: TemplateOptions
) {
  const onProgress = options.onProgress
  const fs = yield* FileSystem.FileSystem
  if (yield* fs.exists(NodePath.join(dataDir, "PG_VERSION"))) return false
  const present = yield* fs.exists(dataDir)
  if (present && (yield* fs.readDirectory(dataDir)).length > 0) return false
  yield* onProgress(`Creating the embedded database in ${dataDir}`)
  const template = yield* Effect.option(ensureTemplate(options).pipe(
    Effect.tapError((error) =>
      onProgress(`No template (${error.message}); PGlite runs initdb in ${dataDir} instead, which takes longer`)
    )
  ))
  if (Option.isNone(template)) return false
  const partial = `${dataDir}.partial-${uniqueSuffix()}`
  yield* Effect.gen(function*() {
    yield* fs.copy(template.value, partial)
    // Empty (checked above): nothing of the user's is removed.
    if (present) yield* fs.remove(dataDir, { recursive: true })
    yield* fs.rename(partial, dataDir)
  }).pipe(Effect.ensuring(Effect.ignore(fs.remove(partial, { recursive: true, force: true }))))
  return true
})
