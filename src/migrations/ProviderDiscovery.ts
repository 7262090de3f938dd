/**
 * Finding the migration provider of a project: `--provider MODULE:EXPORT`, else `metatables.provider` in the
 * project's package.json, else the export `migration` of `migrations/index.ts`. A missing or broken provider
 * gets an error that says what was looked for and where.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as NodePath from "node:path"
import { importModuleExport, type ModuleReference, parseModuleReference } from "../project/ModuleImport.ts"
import { isMigrationProvider, type MigrationProvider } from "./Provider.ts"

export const ProviderDiscoveryFailure = Schema.Literals([
  "not-found",
  "malformed-reference",
  "missing-module",
  "import-failed",
  "missing-export",
  "not-a-provider",
  "invalid-manifest"
])
export type ProviderDiscoveryFailure = typeof ProviderDiscoveryFailure.Type

export class ProviderDiscoveryError extends Schema.TaggedError<ProviderDiscoveryError>()("ProviderDiscoveryError", {
  reason: ProviderDiscoveryFailure,
  /** The reference as given (`MODULE:EXPORT`), or where it came from. */
  reference: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    switch (this.reason) {
      case "not-found":
        return `No migration provider found. Looked for: ${this.detail}. Pass --provider MODULE:EXPORT, set ` +
          "\"metatables\": { \"provider\": \"MODULE:EXPORT\" } in package.json, or create one with " +
          "`metatables migrations scaffold`."
      case "malformed-reference":
        return `The provider reference ${JSON.stringify(this.reference)} (${this.detail}) is not MODULE:EXPORT, ` +
          "for example migrations/index.ts:migration."
      case "missing-module":
        return `The provider module of ${this.reference} does not exist: ${this.detail}.`
      case "import-failed":
        return `The provider module of ${this.reference} cannot be imported: ${this.detail}`
      case "missing-export":
        return `The provider module of ${this.reference} has no export ${this.detail}.`
      case "invalid-manifest":
        return `${this.reference} cannot be read for "metatables": { "provider": "MODULE:EXPORT" }: ${this.detail}. ` +
          "Fix the file (it must be valid JSON, and metatables.provider a string when given)."
      case "not-a-provider":
        return `The export of ${this.reference} is not a migration provider (build it with buildMigrationProvider): ` +
          `${this.detail}.`
    }
  }
}

export type ProviderReference = ModuleReference

const parseReference = (reference: string, source: string): Effect.Effect<ProviderReference, ProviderDiscoveryError> => {
  const parsed = parseModuleReference(reference)
  return parsed === undefined
    ? Effect.fail(new ProviderDiscoveryError({ reason: "malformed-reference", reference, detail: source }))
    : Effect.succeed(parsed)
}

const ProjectManifest = Schema.Struct({
  metatables: Schema.optional(Schema.Struct({ provider: Schema.optional(Schema.String) }))
})
const decodeManifest = Schema.decodeUnknownEffect(Schema.fromJsonString(ProjectManifest))

/** Imports `reference` (module path relative to the project root) and checks that the export is a provider. */
export const importProvider = Effect.fn("ProviderDiscovery.importProvider")(function*(
  reference: ProviderReference,
  projectRoot: string,
  label: string
): Effect.fn.Return<MigrationProvider, ProviderDiscoveryError, FileSystem.FileSystem> {
  const value = yield* importModuleExport(reference, projectRoot).pipe(
    Effect.mapError((failure) => new ProviderDiscoveryError({ ...failure, reference: label }))
  )
  if (!isMigrationProvider(value)) {
    return yield* new ProviderDiscoveryError({
      reason: "not-a-provider",
      reference: label,
      detail: Predicate.isObject(value) ? `an object with ${Object.keys(value).join(", ") || "no keys"}` : typeof value
    })
  }
  return value
})

/** The project's provider, and where it was found. */
export const discoverProvider = Effect.fn("ProviderDiscovery.discoverProvider")(function*(options: {
  readonly reference: Option.Option<string>
  readonly projectRoot: string
}): Effect.fn.Return<{ readonly provider: MigrationProvider; readonly source: string }, ProviderDiscoveryError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  if (Option.isSome(options.reference)) {
    const reference = yield* parseReference(options.reference.value, "--provider")
    return { provider: yield* importProvider(reference, options.projectRoot, options.reference.value), source: "--provider" }
  }
  const manifestPath = NodePath.join(options.projectRoot, "package.json")
  // No package.json is fine; one that is there but is not JSON, or whose "metatables" is not as documented, is
  // said so, not taken for "not set".
  const text = yield* fs.readFileString(manifestPath).pipe(Effect.option)
  const manifest = Option.isNone(text) ? Option.none() : Option.some(
    yield* decodeManifest(text.value).pipe(
      Effect.mapError((error) =>
        new ProviderDiscoveryError({
          reason: "invalid-manifest",
          reference: manifestPath,
          detail: error.message.replace(/\s*\n\s*/g, " ")
        })
      )
    )
  )
  const configured = Option.flatMap(manifest, (value) => Option.fromUndefinedOr(value.metatables?.provider))
  if (Option.isSome(configured)) {
    const reference = yield* parseReference(configured.value, `metatables.provider in ${manifestPath}`)
    return { provider: yield* importProvider(reference, options.projectRoot, configured.value), source: manifestPath }
  }
  const conventional = NodePath.join(options.projectRoot, "migrations", "index.ts")
  if (yield* fs.exists(conventional).pipe(Effect.orElseSucceed(() => false))) {
    const provider = yield* importProvider({ module: conventional, exportName: "migration" }, options.projectRoot, "migrations/index.ts:migration")
    return { provider, source: conventional }
  }
  return yield* new ProviderDiscoveryError({
    reason: "not-found",
    reference: "",
    detail: `--provider (not given), metatables.provider in ${manifestPath} (not set), ${conventional} (no such file)`
  })
})
