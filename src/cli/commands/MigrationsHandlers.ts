/**
 * What the `metatables migrations ...` commands do, loaded when one of them runs (the tree, with the flags,
 * is `MigrationsCommands.ts`). Commands that touch the database run the provider lifecycle on the command's
 * database; the others are local.
 */
import type * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as NodePath from "node:path"
import * as NodeProcess from "node:process"
import * as SqlCatalog from "../../catalog/SqlCatalog.ts"
import { databaseUrlSecrets } from "../../db/DatabaseTarget.ts"
import { parseRenameHint, type RenameHint, RenameHintError } from "../../migrations/Autogenerate.ts"
import { readMigrationState } from "../../migrations/runtime/MigrationApply.ts"
import { checkMigrations } from "../../migrations/runtime/MigrationCheck.ts"
import { planMigration, renderPlanSql } from "../../migrations/runtime/MigrationPlan.ts"
import { type MigrationProvider, versionTableOf } from "../../migrations/Provider.ts"
import { discoverProvider } from "../../migrations/ProviderDiscovery.ts"
import {
  type CredentialObserver,
  currentRevision,
  migrateProvider,
  stampProvider
} from "../../migrations/ProviderLifecycle.ts"
import { createMergeRevision, createRevision } from "../../migrations/files/RevisionAuthoring.ts"
import { loadRevisions } from "../../migrations/files/RevisionLoader.ts"
import { lookupRevision } from "../../migrations/graph/RevisionTarget.ts"
import { scaffoldProvider } from "../../migrations/files/Scaffold.ts"
import { cliDatabaseLayer } from "../CliDatabase.ts"
import { CommandFailed } from "../CommandRunner.ts"
import { Output } from "../Output.ts"
import { currentProjectRoot } from "../../project/ProjectRoot.ts"
import type {
  mergeOptions,
  providerOptions,
  revisionOptions,
  scaffoldOptions,
  stampOptions,
  upgradeOptions
} from "./MigrationsCommands.ts"

/** The catalog over the database in context, for the commands that migrate or read migration state. */
export const migrationCatalog = SqlCatalog.layer()

/** The database and the catalog. */
const migrationServices = migrationCatalog.pipe(Layer.provideMerge(cliDatabaseLayer))

/** The path as a person would type it from here. */
export const shown = (path: string): string => {
  const relative = NodePath.relative(NodeProcess.cwd(), path)
  return relative === "" ? "." : relative.startsWith("..") ? path : relative
}

/** The project's provider: `--provider`, else the one package.json or `migrations/index.ts` names. */
export const projectProvider = (reference: Option.Option<string>) =>
  Effect.flatMap(currentProjectRoot, (projectRoot) => discoverProvider({ reference, projectRoot }))

const headList = (ids: ReadonlyArray<string>): string => ids.length === 0 ? "<base>" : ids.join(", ")

/** Tells Output about a credential's secrets before anything could print them. */
const protectCredential: Effect.Effect<CredentialObserver, never, Output> = Effect.map(Output, (output) => (credential) =>
  credential._tag === "ServerCredential" ? output.protect(databaseUrlSecrets(Redacted.value(credential.uri))) : Effect.void)

export const scaffold = (options: Command.Command.Config.Infer<typeof scaffoldOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const projectRoot = yield* currentProjectRoot
    const files = yield* scaffoldProvider({
      projectRoot,
      packageName: options.packageName,
      migrationNamespace: options.namespace,
      metadata: options.metadata,
      module: options.module,
      importFrom: options.importFrom,
      force: options.force
    })
    const manifest = yield* Effect.orElseSucceed(
      Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(NodePath.join(projectRoot, "package.json"))),
      () => ""
    )
    const moduleNote = /"type"\s*:\s*"module"/.test(manifest)
      ? []
      : ["Note: add \"type\": \"module\" to package.json; revisions are ES modules, and Node warns about each one otherwise."]
    yield* output.result({
      text: [
        ...files.map((file) => `${file.action.padEnd(11)} ${shown(file.path)}`),
        ...moduleNote,
        "Next: `metatables migrations revision -m \"initial\"` writes the first revision."
      ].join("\n"),
      document: { files: files.map((file) => ({ path: file.path, action: file.action })) }
    })
  })

export const current = ({ provider: reference }: Command.Command.Config.Infer<typeof providerOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(reference)
    const report = yield* currentRevision(provider, { onCredential: yield* protectCredential })
    const text = report.heads.length === 0
      ? `${provider.key}: no current revision. The version table is empty or missing: nothing is applied yet. ` +
        "`metatables migrations upgrade` applies the revisions."
      : `${provider.key} is at ${headList(report.heads)}` +
        (report.atHead ? " (head)" : ` (the history's head is ${headList(report.historyHeads)}: run upgrade)`)
    yield* output.result({ text, document: { provider: report.provider, heads: report.heads, atHead: report.atHead } })
  }).pipe(Effect.provide(migrationServices))

const renameHints = (values: ReadonlyArray<string>) =>
  Effect.forEach(values, (value) => {
    const hint = parseRenameHint(value)
    return hint instanceof RenameHintError ? Effect.fail(hint) : Effect.succeed(hint as RenameHint)
  })

export const revision = (options: Command.Command.Config.Infer<typeof revisionOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const outcome = yield* createRevision({
      loaded: yield* loadRevisions(provider.versionLocations),
      directory: provider.versionLocations[0]!,
      tables: provider.targetTables,
      message: options.message,
      revisionId: Option.getOrUndefined(options.revId),
      autogenerate: options.autogenerate,
      renames: [...provider.renames, ...(yield* renameHints(options.rename))]
    })
    if (outcome._tag === "NoChanges") {
      return yield* output.result({
        text: `No changes between the models and ${outcome.head === undefined ? "an empty database" : `revision ${outcome.head}`}: ` +
          "no revision written.",
        document: { revision: null, path: null, destructive: [] }
      })
    }
    const destructive = [
      ...outcome.destructive.map((change) => `upgrade ${change.description}`),
      ...outcome.downgradeDestructive.map((change) => `downgrade ${change.description}`)
    ]
    yield* output.result({
      text: [
        `Wrote revision ${outcome.revision} (${options.message}) on ${headList(outcome.parents)}: ${shown(outcome.path)}`,
        ...destructive.map((line) => `  DESTRUCTIVE: ${line}`),
        "Review it, then `metatables migrations upgrade` applies it."
      ].join("\n"),
      document: { revision: outcome.revision, path: outcome.path, destructive }
    })
  })

/** `FROM:TO` plans offline from FROM; a plain target plans from the heads the database is at. */
const printPlan = (provider: MigrationProvider, direction: "upgrade" | "downgrade", target: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    const loaded = yield* loadRevisions(provider.versionLocations)
    const colon = target.indexOf(":")
    const [from, to] = colon < 0 ? [undefined, target] : [target.slice(0, colon), target.slice(colon + 1)]
    const currentHeads = from === undefined
      ? (yield* readMigrationState(versionTableOf(provider)).pipe(Effect.provide(cliDatabaseLayer))).heads
      : from === "base"
      ? []
      : [(yield* Effect.fromResult(lookupRevision(loaded.graph, from, target)))]
    const plan = yield* Effect.fromResult(planMigration({
      loaded,
      currentHeads,
      direction,
      target: to,
      versionTable: versionTableOf(provider)
    }))
    const sql = renderPlanSql(plan, { lockTimeout: "10s" })
    if (output.json) return yield* output.result({ text: sql, document: { provider: provider.key, from: plan.from, to: plan.to, sql } })
    // The SQL is the result, meant for a file: it goes to stdout like any document.
    yield* output.stdout(sql)
  })

/**
 * Migrates `provider` to `target` on the database and catalog in context, printing each revision as it is
 * applied; answers the summary for people and the JSON document.
 */
export const migrateAndReport = (provider: MigrationProvider, direction: "upgrade" | "downgrade", target: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    const report = yield* migrateProvider(provider, {
      target,
      direction,
      onCredential: yield* protectCredential,
      onStep: (step) =>
        output.text(`${step.direction === "up" ? "upgraded  " : "downgraded"} ${step.revision} ${step.message} (${step.durationMs} ms)`)
    })
    for (const edited of report.editedRevisions) {
      yield* output.text(`warning: revision ${edited.revision} (${shown(edited.source)}) was edited after it was applied`)
    }
    const summary = report.applied.length === 0
      ? `${provider.key} is already at ${headList(report.to)}; nothing to ${direction}.`
      : `${provider.key}: ${headList(report.from)} -> ${headList(report.to)}, ${report.applied.length} revision` +
        `${report.applied.length === 1 ? "" : "s"} ${direction === "upgrade" ? "applied" : "reverted"}.`
    const absent = report.absentAtRevision.length === 0
      ? ""
      : ` Not in revision ${headList(report.to)}, so reserved until an upgrade creates them: ${report.absentAtRevision.join(", ")}.`
    return {
      text: `${summary} Catalog: ${report.activeCount} active, ${report.reservedCount} reserved, ${report.failedCount} failed.` +
        absent,
      document: {
        ok: report.ok,
        provider: report.provider,
        package: report.package,
        migrationNamespace: report.migrationNamespace,
        from: report.from,
        to: report.to,
        applied: report.applied.map((step) => ({
          revision: step.revision,
          message: step.message,
          direction: step.direction,
          durationMs: step.durationMs
        })),
        metaTables: report.metaTables,
        activeCount: report.activeCount,
        reservedCount: report.reservedCount,
        failedCount: report.failedCount,
        absentAtRevision: report.absentAtRevision,
        hookRan: report.hookRan
      }
    }
  })

export const migrate = (direction: "upgrade" | "downgrade") => (options: Command.Command.Config.Infer<typeof upgradeOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    if (options.sql) return yield* printPlan(provider, direction, options.target)
    yield* output.result(yield* migrateAndReport(provider, direction, options.target).pipe(Effect.provide(migrationServices)))
  })

export const history = ({ provider: reference }: Command.Command.Config.Infer<typeof providerOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(reference)
    const loaded = yield* loadRevisions(provider.versionLocations)
    const newestFirst = [...loaded.graph.topologicalOrder].reverse().map((id) => loaded.revisions.get(id)!)
    const markers = (id: string) =>
      [
        loaded.graph.heads.includes(id) ? "head" : undefined,
        loaded.graph.branchPoints.includes(id) ? "branch point" : undefined,
        loaded.graph.merges.includes(id) ? "merge" : undefined
      ].filter((marker) => marker !== undefined)
    const text = newestFirst.length === 0
      ? `${provider.key} has no revisions yet; \`metatables migrations revision\` writes the first.`
      : newestFirst.map((revision) => {
        const marked = markers(revision.id)
        return `${headList(revision.parents)} -> ${revision.id}${marked.length === 0 ? "" : ` (${marked.join(", ")})`}, ` +
          `${revision.message}  [${shown(revision.source)}]`
      }).join("\n")
    yield* output.result({
      text,
      document: {
        provider: provider.key,
        revisions: newestFirst.map((revision) => ({
          id: revision.id,
          parents: revision.parents,
          message: revision.message,
          createdAt: revision.createdAt,
          transactional: revision.transactional,
          source: revision.source,
          markers: markers(revision.id)
        }))
      }
    })
  })

export const heads = ({ provider: reference }: Command.Command.Config.Infer<typeof providerOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(reference)
    const loaded = yield* loadRevisions(provider.versionLocations)
    const text = loaded.graph.heads.length === 0
      ? `${provider.key} has no revisions yet.`
      : loaded.graph.heads.map((id) => `${id} (head), ${loaded.revisions.get(id)!.message}`).join("\n") +
        (loaded.graph.heads.length > 1 ? "\nSeveral heads: `metatables migrations merge` joins them." : "")
    yield* output.result({ text, document: { provider: provider.key, heads: loaded.graph.heads } })
  })

export const check = ({ provider: reference }: Command.Command.Config.Infer<typeof providerOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(reference)
    const report = yield* checkMigrations({
      loaded: yield* loadRevisions(provider.versionLocations),
      tables: provider.targetTables,
      versionTable: versionTableOf(provider)
    }).pipe(Effect.provide(cliDatabaseLayer))
    const lines = [
      report.ok ? `${provider.key}: models, revisions and database agree (at ${headList(report.databaseHeads)}).` : `${provider.key}: check failed.`,
      ...(report.multipleHeads ? [`  The history has several heads (${headList(report.heads)}): merge them.`] : []),
      ...(report.pendingModelChanges.length === 0
        ? []
        : ["  The models differ from the head revision; a new revision would run:", ...report.pendingModelChanges.map((sql) => `    ${sql.replace(/\s+/g, " ")}`)]),
      ...report.editedRevisions.map((edited) =>
        `  Revision ${edited.revision} (${shown(edited.source)}) was edited after it was applied (checksum ${edited.appliedChecksum.slice(0, 12)} in the ledger, ${edited.fileChecksum.slice(0, 12)} on disk).`
      ),
      ...(report.drift.length === 0 ? [] : ["  The database differs from its revision's model:", ...report.drift.map((line) => `    ${line}`)]),
      ...report.notes.map((note) => `  Note: ${note}`)
    ]
    yield* output.result({ text: lines.join("\n"), document: { provider: provider.key, ...report } })
    if (!report.ok) return yield* new CommandFailed({ exitCode: 1 })
  })

export const stamp = ({ provider: reference, target }: Command.Command.Config.Infer<typeof stampOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(reference)
    const result = yield* stampProvider(provider, target, { onCredential: yield* protectCredential }).pipe(
      Effect.provide(migrationServices)
    )
    yield* output.result({
      text: `${provider.key} is recorded at ${headList(result.to)} (was ${headList(result.from)}); no revision ran.`,
      document: { provider: provider.key, from: result.from, to: result.to }
    })
  })

export const merge = (options: Command.Command.Config.Infer<typeof mergeOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const merged = yield* createMergeRevision({
      loaded: yield* loadRevisions(provider.versionLocations),
      directory: provider.versionLocations[0]!,
      tables: provider.targetTables,
      message: options.message,
      revisionId: Option.getOrUndefined(options.revId)
    })
    yield* output.result({
      text: `Wrote merge revision ${merged.revision} joining ${headList(merged.parents)}: ${shown(merged.path)}`,
      document: { revision: merged.revision, path: merged.path, parents: merged.parents }
    })
  })
