/**
 * What the `metatables migrations ...` commands do, loaded when one of them runs (the tree, with the flags,
 * is `MigrationsCommands.ts`). Commands that touch the database run the provider lifecycle on the command's
 * database; the others are local, but for the options that mark or count from the database's heads. It is
 * long because it holds every command of the group, each a short handler over the library.
 */
import type * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as Redacted from "effect/Redacted"
import * as NodePath from "node:path"
import * as NodeProcess from "node:process"
import { asRunRole, removeProviderRoles, usableRunRole } from "../../catalog/ProviderRoles.ts"
import * as SqlCatalog from "../../catalog/SqlCatalog.ts"
import { databaseUrlSecrets } from "../../db/DatabaseTarget.ts"
import { parseRenameHint, type RenameHint, RenameHintError } from "../../migrations/Autogenerate.ts"
import { ChangedRevisionError, editedRevisions, readMigrationState } from "../../migrations/runtime/MigrationApply.ts"
import { checkMigrations } from "../../migrations/runtime/MigrationCheck.ts"
import { describeUndeclared, undeclaredObjects } from "../../migrations/runtime/UndeclaredObjects.ts"
import { planMigration, planStamp, renderPlanSql, renderStampSql } from "../../migrations/runtime/MigrationPlan.ts"
import { type MigrationProvider, versionTableOf } from "../../migrations/Provider.ts"
import { discoverProvider } from "../../migrations/ProviderDiscovery.ts"
import {
  type CredentialObserver,
  migrateProvider,
  stampProvider
} from "../../migrations/ProviderLifecycle.ts"
import { createMergeRevision, createRevision } from "../../migrations/files/RevisionAuthoring.ts"
import { type LoadedRevisions, loadRevisions } from "../../migrations/files/RevisionLoader.ts"
import { MalformedTarget, RevisionGraphError } from "../../migrations/graph/RevisionGraphError.ts"
import { parseRevisionRange, revisionsInRange } from "../../migrations/graph/RevisionRange.ts"
import { resolveRevisionTarget } from "../../migrations/graph/RevisionTarget.ts"
import { scaffoldProvider } from "../../migrations/files/Scaffold.ts"
import { cliDatabaseLayer, withoutDatabaseSecretsInEnvironment } from "../CliDatabase.ts"
import { catalogPresent, existingDatabaseLayer } from "../ReadOnlyDatabase.ts"
import { CommandFailed } from "../CommandRunner.ts"
import { Output } from "../Output.ts"
import { revisionBlock, revisionDocument, revisionLine } from "./RevisionDisplay.ts"
import { currentProjectRoot } from "../../project/ProjectRoot.ts"
import type {
  dropRolesOptions,
  headsOptions,
  historyOptions,
  mergeOptions,
  providerOptions,
  revisionOptions,
  scaffoldOptions,
  showOptions,
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

/** The same heads, in any order. */
const sameHeads = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && [...a].sort().every((id, index) => id === [...b].sort()[index])

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
  Effect.flatMap(projectProvider(reference), ({ provider }) => currentOf(provider))

/**
 * The provider is found first (a wrong `--provider` costs no database); then the database is read, and only
 * read: the version table with the command's own connection, never through the catalog (whose lifecycle
 * registers the provider's version registry on first use) nor a credential (a role made and dropped).
 */
const currentOf = (provider: MigrationProvider) =>
  Effect.gen(function*() {
    const output = yield* Output
    const loaded = yield* loadRevisions(provider.versionLocations)
    const state = yield* readMigrationState(versionTableOf(provider))
    const report = {
      provider: provider.key,
      heads: state.heads,
      atHead: sameHeads(state.heads, loaded.graph.upgradedHeads),
      historyHeads: loaded.graph.upgradedHeads
    }
    const text = report.heads.length === 0
      ? `${provider.key}: no current revision. The version table is empty or missing: nothing is applied yet. ` +
        "`metatables migrations upgrade` applies the revisions."
      : `${provider.key} is at ${headList(report.heads)}` +
        (report.atHead ? " (head)" : ` (the history's head is ${headList(report.historyHeads)}: run upgrade)`)
    yield* output.result({ text, document: { provider: report.provider, heads: report.heads, atHead: report.atHead } })
  }).pipe(
    Effect.provide(Layer.provideMerge(catalogPresent, existingDatabaseLayer)),
    Effect.catchTag("NothingHereYet", (nothing) =>
      Effect.flatMap(Output, (output) =>
        output.result({
          text: `${provider.key}: no current revision. ${nothing.message}`,
          document: { heads: [], atHead: false, nothingHereYet: nothing.message }
        })))
  )

const renameHints = (values: ReadonlyArray<string>) =>
  Effect.forEach(values, (value) => {
    const hint = parseRenameHint(value)
    return hint instanceof RenameHintError ? Effect.fail(hint) : Effect.succeed(hint as RenameHint)
  })

/**
 * Refuses to build on applied revisions whose files were edited since (`ChangedRevisionError`), read from the
 * command's database when there is one to read: a server, or an embedded database that exists already (none
 * is made for this). A database that cannot be read leaves `revision` local, as it is without one.
 */
const refuseEditedApplied = (provider: MigrationProvider, loaded: LoadedRevisions) =>
  Effect.gen(function*() {
    const state = yield* readMigrationState(versionTableOf(provider)).pipe(
      Effect.provide(existingDatabaseLayer),
      Effect.option
    )
    if (Option.isNone(state)) return
    const edited = editedRevisions(loaded, state.value.ledger)
    if (edited.length > 0) return yield* new ChangedRevisionError({ revisions: edited })
  })

export const revision = (options: Command.Command.Config.Infer<typeof revisionOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const loaded = yield* loadRevisions(provider.versionLocations)
    yield* refuseEditedApplied(provider, loaded)
    const outcome = yield* createRevision({
      loaded,
      directory: provider.versionLocations[0]!,
      tables: provider.targetTables,
      message: options.message,
      revisionId: Option.getOrUndefined(options.revId),
      autogenerate: options.autogenerate,
      renames: [...provider.renames, ...(yield* renameHints(options.rename))],
      versionLocations: provider.versionLocations,
      versionPath: Option.getOrUndefined(Option.map(options.versionPath, (path) => NodePath.resolve(path))),
      head: Option.getOrUndefined(options.head),
      splice: options.splice,
      branchLabels: options.branchLabel,
      dependsOn: options.dependsOn
    })
    if (outcome._tag === "NoChanges") {
      return yield* output.result({
        text: `No changes between the models and ${outcome.head === undefined ? "an empty database" : `revision ${outcome.head}`}: ` +
          "no revision written." + (outcome.head === undefined ? "" : " If a job says a table changed, the database is behind " +
            "its history (after a downgrade, say): `metatables migrations upgrade` brings it to the head."),
        document: { revision: null, path: null, destructive: [] }
      })
    }
    const destructive = [
      ...outcome.destructive.map((change) => `upgrade ${change.description}`),
      ...outcome.downgradeDestructive.map((change) => `downgrade ${change.description}`)
    ]
    yield* output.result({
      text: [
        `Wrote revision ${outcome.revision} (${options.message}) on ${headList(outcome.parents)}` +
        `${outcome.dependsOn.length === 0 ? "" : `, depending on ${outcome.dependsOn.join(", ")}`}` +
        `${outcome.branchLabels.length === 0 ? "" : `, branch ${outcome.branchLabels.join(", ")}`}: ${shown(outcome.path)}`,
        ...destructive.map((line) => `  DESTRUCTIVE: ${line}`),
        ...outcome.notes.map((line) => `  NOTE: ${line}`),
        "Review it, then `metatables migrations upgrade` applies it."
      ].join("\n"),
      document: {
        revision: outcome.revision,
        path: outcome.path,
        parents: outcome.parents,
        dependsOn: outcome.dependsOn,
        branchLabels: outcome.branchLabels,
        destructive,
        notes: outcome.notes
      }
    })
  })

/**
 * `FROM:TO` plans offline from FROM (any target naming a state: base, head, heads, an id, a label,
 * LABEL@head). Without FROM, an upgrade starts from base, as Alembic's offline mode does, and a downgrade from
 * the heads the database is at (the only command here that reads it).
 */
const printPlan = (provider: MigrationProvider, direction: "upgrade" | "downgrade", target: string) =>
  Effect.gen(function*() {
    const output = yield* Output
    const loaded = yield* loadRevisions(provider.versionLocations)
    const colon = target.indexOf(":")
    const [from, to] = colon < 0 ? [undefined, target] : [target.slice(0, colon), target.slice(colon + 1)]
    const currentHeads = from !== undefined
      ? (yield* Effect.fromResult(resolveRevisionTarget(loaded.graph, from, undefined))).revisions
      : direction === "upgrade"
      ? []
      : (yield* readMigrationState(versionTableOf(provider)).pipe(Effect.provide(cliDatabaseLayer))).heads
    const plan = yield* Effect.fromResult(planMigration({
      loaded,
      currentHeads,
      direction,
      target: to,
      versionTable: versionTableOf(provider)
    }))
    const sql = renderPlanSql(plan, { lockTimeout: "10s" })
    if (output.json) {
      return yield* output.result({
        text: sql,
        document: {
          provider: provider.key,
          from: plan.from,
          to: plan.to,
          steps: plan.steps.map((step) => ({ revision: step.revision.id, direction: step.direction, headsAfter: step.headsAfter })),
          sql
        }
      })
    }
    // The SQL is the result, meant for a file: it goes to stdout like any document.
    yield* output.stdout(sql.endsWith("\n") ? sql : `${sql}\n`)
  })

/**
 * Migrates `provider` to `target` on the database and catalog in context, printing each revision as it is
 * applied; answers the summary for people and the JSON document.
 */
export const migrateAndReport = (
  provider: MigrationProvider,
  direction: "upgrade" | "downgrade",
  target: string,
  options: { readonly lockWaitSeconds?: number | undefined; readonly acceptChanged?: ReadonlyArray<string> | undefined } = {}
) =>
  Effect.gen(function*() {
    const output = yield* Output
    const report = yield* withoutDatabaseSecretsInEnvironment(migrateProvider(provider, {
      target,
      direction,
      lockWaitSeconds: options.lockWaitSeconds,
      acceptChanged: options.acceptChanged,
      onCredential: yield* protectCredential,
      onStep: (step) =>
        output.text(`${step.direction === "up" ? "upgraded  " : "downgraded"} ${step.revision} ${step.message} (${step.durationMs} ms)`)
    }))
    for (const edited of report.editedRevisions) {
      yield* output.text(
        `accepted the edited file of revision ${edited.revision} (${shown(edited.source)}): checksum ` +
          `${edited.appliedChecksum.slice(0, 12)} -> ${edited.fileChecksum.slice(0, 12)}`
      )
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
    // The target is checked against the history before the database opens; only a step counted from the
    // database's state (`+1`, `-1`) needs the database to be resolved.
    const loaded = yield* loadRevisions(provider.versionLocations)
    const checked = resolveRevisionTarget(loaded.graph, options.target, undefined)
    if (Result.isFailure(checked) && checked.failure.reason._tag !== "NeedsCurrentState") return yield* checked.failure
    yield* output.result(
      yield* migrateAndReport(provider, direction, options.target, {
        lockWaitSeconds: Option.getOrUndefined(options.lockTimeout),
        acceptChanged: options.acceptChanged
      }).pipe(Effect.provide(migrationServices))
    )
  })

/**
 * The database's heads, for the local commands that mark or count from them (read without the catalog, and
 * without making an embedded database that does not exist: it has no heads).
 */
const databaseHeads = (provider: MigrationProvider) =>
  readMigrationState(versionTableOf(provider)).pipe(
    Effect.map((state) => state.heads),
    Effect.provide(existingDatabaseLayer),
    Effect.catchTag("NothingHereYet", () => Effect.succeed([]))
  )

/** A history range's side: `current` (the database's heads) or any target, resolved. */
const rangeSide = (
  graph: LoadedRevisions["graph"],
  side: string | undefined,
  current: ReadonlyArray<string> | undefined
) =>
  side === undefined
    ? Effect.succeed(undefined)
    : side === "current"
    ? Effect.succeed({ target: side, revisions: graph.normalizeHeads(current ?? []) })
    : Effect.fromResult(resolveRevisionTarget(graph, side, current))

/** Whether a target counts from the database's heads (`+N`, `-N`, `BRANCH@-N`) or is `current`. */
const readsDatabase = (target: string): boolean => target === "current" || /(^|@)[+-]\d+$/.test(target)

export const history = (options: Command.Command.Config.Infer<typeof historyOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const loaded = yield* loadRevisions(provider.versionLocations)
    const { graph } = loaded
    const range = Option.isNone(options.revRange)
      ? { lower: undefined, upper: undefined }
      : yield* Effect.fromResult(parseRevisionRange(options.revRange.value))
    const sides = [range.lower, range.upper].filter((side) => side !== undefined)
    const current = options.indicateCurrent || sides.some(readsDatabase) ? yield* databaseHeads(provider) : undefined
    const lower = yield* rangeSide(graph, range.lower, current)
    const upper = yield* rangeSide(graph, range.upper, current)
    const listed = revisionsInRange(graph, lower, upper).map((id) => loaded.revisions.get(id)!)
    const display = { path: shown, current: options.indicateCurrent ? new Set(current) : undefined }
    const text = graph.size === 0
      ? `${provider.key} has no revisions yet; \`metatables migrations revision\` writes the first.`
      : listed.length === 0
      ? `No revision lies between ${range.lower ?? "base"} and ${range.upper ?? "heads"}.`
      : listed.map((revision) =>
        options.verbose ? `${revisionBlock(graph, revision, display)}\n` : revisionLine(graph, revision, display)
      ).join("\n")
    yield* output.result({
      text,
      document: {
        provider: provider.key,
        ...(current === undefined ? {} : { current }),
        revisions: listed.map((revision) => revisionDocument(graph, revision, display))
      }
    })
  })

export const heads = (options: Command.Command.Config.Infer<typeof headsOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const loaded = yield* loadRevisions(provider.versionLocations)
    const { graph } = loaded
    const display = { path: shown }
    const listed = graph.heads.map((id) => loaded.revisions.get(id)!)
    const text = graph.heads.length === 0
      ? `${provider.key} has no revisions yet.`
      : listed.map((revision) =>
        options.verbose ? `${revisionBlock(graph, revision, display)}\n` : revisionLine(graph, revision, display)
      ).join("\n") +
        (graph.effectiveHeads.length === 0
          ? ""
          : `\nAn effective head is applied with the revision that depends on it; the version table records that ` +
            "one instead.") +
        (graph.upgradedHeads.length > 1
          ? "\nSeveral heads: name one in targets (LABEL@head, an id), or `metatables migrations merge` joins them."
          : "")
    yield* output.result({
      text,
      // The document keeps its shape ({ provider, heads }); it says more only when there is more to say.
      document: {
        provider: provider.key,
        heads: graph.heads,
        ...(graph.effectiveHeads.length === 0 ? {} : { effectiveHeads: graph.effectiveHeads }),
        ...(options.verbose ? { revisions: listed.map((revision) => revisionDocument(graph, revision, display)) } : {})
      }
    })
  })

export const show = (options: Command.Command.Config.Infer<typeof showOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const loaded = yield* loadRevisions(provider.versionLocations)
    const { graph } = loaded
    const target = options.revision.trim()
    const current = readsDatabase(target) ? yield* databaseHeads(provider) : undefined
    const ids = target === "current"
      ? graph.normalizeHeads(current ?? [])
      : (yield* Effect.fromResult(resolveRevisionTarget(graph, target, current))).revisions
    // `current` may name revisions whose files are gone: those are said, not shown.
    const missing = target === "current" ? (current ?? []).filter((id) => !graph.has(id)) : []
    const listed = graph.inTopologicalOrder(ids).map((id) => loaded.revisions.get(id)!)
    const display = { path: shown }
    const text = listed.length === 0 && missing.length === 0
      ? `${target} names no revision: it is base, where nothing is applied.`
      : [
        ...listed.map((revision) => revisionBlock(graph, revision, display)),
        ...missing.map((id) => `Rev: ${id}\n    (no revision file defines it)`)
      ].join("\n\n")
    yield* output.result({
      text,
      document: {
        provider: provider.key,
        target,
        revisions: listed.map((revision) => revisionDocument(graph, revision, display)),
        ...(missing.length === 0 ? {} : { unknown: missing })
      }
    })
  })

export const branches = (options: Command.Command.Config.Infer<typeof headsOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const loaded = yield* loadRevisions(provider.versionLocations)
    const { graph } = loaded
    const display = { path: shown }
    const revision = (id: string) => loaded.revisions.get(id)!
    const points = [...graph.branchPoints].reverse().map((id) => ({
      point: revision(id),
      children: graph.children(id).map(revision)
    }))
    const labels = graph.labels.map((label) => {
      const start = graph.labelledRevision(label)!
      const line = graph.line(start)
      return { label, revision: start, heads: graph.heads.filter((head) => line.has(head)) }
    })
    const text = [
      ...(points.length === 0 ? ["No branch points: every revision has at most one child."] : []),
      ...points.map(({ children, point }) =>
        [
          options.verbose ? revisionBlock(graph, point, display) : revisionLine(graph, point, display),
          ...children.map((child) => `  -> ${revisionLine(graph, child, display)}`)
        ].join("\n")
      ),
      ...(labels.length === 0
        ? []
        : [
          "Branch labels:",
          ...labels.map((entry) => `  ${entry.label}: starts at ${entry.revision}, head ${entry.heads.join(", ")}`)
        ])
    ].join("\n")
    yield* output.result({
      text,
      document: {
        provider: provider.key,
        branchPoints: points.map(({ children, point }) => ({
          ...revisionDocument(graph, point, display),
          children: children.map((child) => revisionDocument(graph, child, display))
        })),
        labels
      }
    })
  })

export const check = ({ provider: reference }: Command.Command.Config.Infer<typeof providerOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(reference)
    const loaded = yield* loadRevisions(provider.versionLocations)
    // The version table is read as the provider's run role, which may read it, never as the connecting user.
    const physical = provider.tables.map((table) => `${table.metadata.schema}.${table.metadata.tableName}`)
    const [checked, undeclared] = yield* Effect.flatMap(usableRunRole(provider.key), (runRole) =>
      asRunRole(
        runRole,
        Effect.all([
          checkMigrations({ loaded, tables: provider.targetTables, versionTable: versionTableOf(provider) }),
          undeclaredObjects(loaded, physical)
        ])
      )).pipe(Effect.provide(existingDatabaseLayer))
    // Triggers, functions, policies and rules no revision creates run with every write of a run: they fail the check.
    // The text names every identifier as PostgreSQL needs it; the JSON keeps the names as they are.
    const { text, ...data } = checked
    const report = {
      ...data,
      ok: checked.ok && undeclared.length === 0,
      undeclaredObjects: undeclared.map(({ kind, name, table }) => ({ kind, name, table }))
    }
    const lines = [
      report.ok ? `${provider.key}: models, revisions and database agree (at ${headList(report.databaseHeads)}).` : `${provider.key}: check failed.`,
      ...(undeclared.length === 0
        ? []
        : ["  Objects on the provider's tables that no revision creates:", ...undeclared.map((object) => `    ${describeUndeclared(object)}`)]),
      ...(report.atHeads
        ? []
        : [`  The database is at ${headList(report.databaseHeads)}, the history's heads are ${headList(report.heads)}: ` +
          "run `metatables migrations upgrade heads`."]),
      ...(report.multipleHeads ? [`  The history has several heads (${headList(report.heads)}); they were compared together.`] : []),
      ...(report.pendingModelChanges.length === 0
        ? []
        : ["  The models differ from the head revision; a new revision would run:", ...report.pendingModelChanges.map((sql) => sql.split("\n").map((line) => `    ${line}`).join("\n"))]),
      ...report.editedRevisions.map((edited) =>
        `  Revision ${edited.revision} (${shown(edited.source)}) was edited after it was applied (checksum ${edited.appliedChecksum.slice(0, 12)} in the ledger, ${edited.fileChecksum.slice(0, 12)} on disk).`
      ),
      ...(text.drift.length === 0 ? [] : ["  The database differs from its revision's model:", ...text.drift.map((line) => `    ${line}`)]),
      ...text.notes.map((note) => `  Note: ${note}`)
    ]
    yield* output.result({ text: lines.join("\n"), document: { provider: provider.key, ...report } })
    if (!report.ok) return yield* new CommandFailed({ exitCode: 1 })
  })

/** `drop-roles`: the provider's roles for a database that no longer exists, removed; each failure reported. */
export const dropRoles = (options: Command.Command.Config.Infer<typeof dropRolesOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const removed = yield* removeProviderRoles(options.database, provider.key).pipe(Effect.provide(cliDatabaseLayer))
    const lines = [
      removed.dropped.length === 0
        ? `${provider.key}: no roles left for database ${removed.database}.`
        : `${provider.key}: dropped ${removed.dropped.length} role(s) of database ${removed.database}: ${removed.dropped.join(", ")}`,
      ...removed.failed.map((failure) => `  could not drop ${failure.role}: ${failure.reason}`)
    ]
    yield* output.result({ text: lines.join("\n"), document: removed })
    if (removed.failed.length > 0) return yield* new CommandFailed({ exitCode: 1 })
  })

/**
 * `stamp --sql`: the statements offline. Each target may start with `FROM:` (the same FROM for all of them);
 * without it the version table is taken to be empty, as for an offline upgrade.
 */
const printStamp = (provider: MigrationProvider, targets: ReadonlyArray<string>, purge: boolean) =>
  Effect.gen(function*() {
    const output = yield* Output
    const loaded = yield* loadRevisions(provider.versionLocations)
    const froms = new Set<string>()
    const destinations = targets.map((target) => {
      const colon = target.indexOf(":")
      if (colon < 0) return target
      froms.add(target.slice(0, colon))
      return target.slice(colon + 1)
    })
    if (froms.size > 1) {
      return yield* new RevisionGraphError({
        reason: new MalformedTarget({
          target: targets.join(" "),
          detail: "stamp --sql starts from one FROM; give it once, or the same for every target"
        })
      })
    }
    const [from] = froms
    const currentHeads = from === undefined
      ? []
      : (yield* Effect.fromResult(resolveRevisionTarget(loaded.graph, from, undefined))).revisions
    const plan = yield* Effect.fromResult(planStamp({
      loaded,
      currentHeads,
      targets: destinations,
      purge,
      versionTable: versionTableOf(provider)
    }))
    const sql = renderStampSql(plan)
    if (output.json) {
      return yield* output.result({ text: sql, document: { provider: provider.key, from: plan.from, to: plan.to, sql } })
    }
    yield* output.stdout(sql.endsWith("\n") ? sql : `${sql}\n`)
  })

export const stamp = (options: Command.Command.Config.Infer<typeof stampOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    if (options.sql) return yield* printStamp(provider, options.revisions, options.purge)
    const result = yield* stampProvider(provider, options.revisions, {
      purge: options.purge,
      lockWaitSeconds: Option.getOrUndefined(options.lockTimeout),
      onCredential: yield* protectCredential
    }).pipe(Effect.provide(migrationServices))
    yield* output.result({
      text: `${provider.key} is recorded at ${headList(result.to)} (was ${headList(result.from)}); no revision ran.`,
      document: { provider: provider.key, from: result.from, to: result.to, purged: options.purge }
    })
  })

export const merge = (options: Command.Command.Config.Infer<typeof mergeOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const { provider } = yield* projectProvider(options.provider)
    const merged = yield* createMergeRevision({
      loaded: yield* loadRevisions(provider.versionLocations),
      directory: provider.versionLocations[0]!,
      versionLocations: provider.versionLocations,
      tables: provider.targetTables,
      message: options.message,
      revisionId: Option.getOrUndefined(options.revId),
      revisions: options.revisions,
      branchLabels: options.branchLabel
    })
    yield* output.result({
      text: `Wrote merge revision ${merged.revision} joining ${headList(merged.parents)}` +
        `${merged.branchLabels.length === 0 ? "" : `, branch ${merged.branchLabels.join(", ")}`}: ${shown(merged.path)}`,
      document: { revision: merged.revision, path: merged.path, parents: merged.parents, branchLabels: merged.branchLabels }
    })
  })
