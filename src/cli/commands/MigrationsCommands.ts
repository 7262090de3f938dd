/**
 * `metatables migrations ...` (`npm run migrate -- ...`): scaffold a provider, write revisions, apply them, and
 * inspect the history and the database. Commands that touch the database run the provider lifecycle; the
 * others (`revision`, `history`, `heads`, `show`, `branches`, `merge`) are local, but for the options that
 * mark or count from the database's heads.
 *
 * This is the command tree only (names, flags, descriptions); what each command does is in
 * `MigrationsHandlers.ts`, loaded when one of them runs.
 */
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import { lazyImport } from "../../db/LazyImport.ts"
import { lazyHandler } from "../CommandRunner.ts"

const handlers = lazyImport("the migrations commands", () => import("./MigrationsHandlers.ts"))

export const providerFlag = Flag.String("provider").pipe(
  Flag.withMetavar("MODULE:EXPORT"),
  Flag.withDescription(
    "The migration provider (default: metatables.provider in package.json, else migrations/index.ts:migration)"
  ),
  Flag.optional
)

const sqlFlag = Flag.Boolean("sql").pipe(
  Flag.withDescription(
    "Print the SQL instead of running it. An upgrade then starts from base, or from FROM given as FROM:TO, and " +
      "never opens the database; a downgrade starts from FROM, else from the database's heads"
  ),
  Flag.withDefault(false)
)

// No -v: that is the global --version.
/** How long to wait for another migration of the provider (its advisory lock on the server). */
const lockTimeoutFlag = Flag.Finite("lock-timeout").pipe(
  Flag.withMetavar("SECONDS"),
  Flag.withDescription(
    "How long to wait for another migration of this provider to finish before giving up, naming it (default 60; " +
      "0 tries once)"
  ),
  Flag.filter((seconds) => seconds >= 0, (seconds) => `--lock-timeout must be 0 or more seconds, not ${seconds}`),
  Flag.optional
)

/** Applied revisions whose edited files are accepted, deliberately. */
const acceptChangedFlag = Flag.String("accept-changed").pipe(
  Flag.withMetavar("REV"),
  Flag.withDescription(
    "Accept that applied revision REV's file was edited on purpose (the database already matches it): record its new " +
      "checksum and go on. Without it, an edited applied revision stops the command; repeatable"
  ),
  Flag.atLeast(0)
)

const verboseFlag = Flag.Boolean("verbose").pipe(
  Flag.withDescription("Every field of each revision: parents, dependencies, branch names, path, creation date"),
  Flag.withDefault(false)
)

export const scaffoldOptions = {
  packageName: Flag.String("package").pipe(Flag.withDescription("The package (project) name; with the namespace it keys the provider")),
  namespace: Flag.String("namespace").pipe(Flag.withDescription("The migration namespace")),
  metadata: Flag.String("metadata").pipe(
    Flag.withMetavar("MODULE:EXPORT"),
    Flag.withDescription("The models: a module and the export listing its storage tables (* for the whole module)")
  ),
  module: Flag.String("module").pipe(Flag.withDescription("The migrations package's directory"), Flag.withDefault("migrations")),
  importFrom: Flag.String("import-from").pipe(
    Flag.withDescription("How generated files import metatables: a package name or a path from the project root"),
    Flag.withDefault("metatables")
  ),
  force: Flag.Boolean("force").pipe(Flag.withDescription("Overwrite scaffold files that differ"), Flag.withDefault(false))
}

const scaffoldCommand = Command.make("scaffold", scaffoldOptions, lazyHandler("migrations scaffold", handlers, (module) => module.scaffold)).pipe(
  Command.withDescription("Write a migration provider, its model registry and its versions directory")
)

export const providerOptions = { provider: providerFlag }

const currentCommand = Command.make("current", providerOptions, lazyHandler("migrations current", handlers, (module) => module.current)).pipe(
  Command.withDescription("Show the revision the database is at (no current revision is said explicitly)")
)

export const revisionOptions = {
  provider: providerFlag,
  message: Flag.String("message").pipe(
    Flag.withAlias("m"),
    Flag.withDescription("What the revision does; it names the file"),
    Flag.withDefault("migration")
  ),
  autogenerate: Flag.Boolean("autogenerate").pipe(
    Flag.withDescription("Diff the models against the head revision (default); --no-autogenerate writes an empty revision"),
    Flag.withDefault(true)
  ),
  revId: Flag.String("rev-id").pipe(Flag.withDescription("The new revision's id (default: the next number)"), Flag.optional),
  rename: Flag.String("rename").pipe(
    Flag.withMetavar("table:[SCHEMA.]OLD=[SCHEMA.]NEW|column:[SCHEMA.]TABLE.OLD=NEW"),
    Flag.withDescription("A rename for autogenerate (renames are never guessed); repeat it for several"),
    Flag.atLeast(0)
  ),
  head: Flag.String("head").pipe(
    Flag.withMetavar("REV"),
    Flag.withDescription(
      "The revision to build on, when the history has several heads: an id or prefix, LABEL@head (a branch's " +
        "head), or base for a new independent history (default: the single head)"
    ),
    Flag.optional
  ),
  splice: Flag.Boolean("splice").pipe(
    Flag.withDescription("Allow --head to name a revision that is not a head, starting a new branch there"),
    Flag.withDefault(false)
  ),
  branchLabel: Flag.String("branch-label").pipe(
    Flag.withMetavar("LABEL"),
    Flag.withDescription("A name for the branch this revision starts (targets then say LABEL@head); repeatable"),
    Flag.atLeast(0)
  ),
  dependsOn: Flag.String("depends-on").pipe(
    Flag.withMetavar("REV"),
    Flag.withDescription(
      "A revision of another branch (id, prefix or branch label) that must be applied before this one, " +
        "without merging the branches; repeatable"
    ),
    Flag.atLeast(0)
  ),
  versionPath: Flag.String("version-path").pipe(
    Flag.withMetavar("DIR"),
    Flag.withDescription(
      "Which of the provider's version locations the file goes to (default: the one of the revision built on)"
    ),
    Flag.optional
  )
}

const revisionCommand = Command.make("revision", revisionOptions, lazyHandler("migrations revision", handlers, (module) => module.revision)).pipe(
  Command.withDescription(
    "Write a revision: autogenerated from the models (both directions), or empty (local only). With several " +
      "heads, --head chooses the one to build on; --branch-label names a new branch, --depends-on reaches into " +
      "another one"
  )
)

export const upgradeOptions = {
  provider: providerFlag,
  target: Argument.String("target").pipe(
    Argument.withDescription(
      "head (default), heads, an id, prefix or branch label, +N, ID+N, LABEL@head, LABEL@+N; with --sql, " +
        "FROM:TO (FROM any of these but +N; without FROM the plan starts from base)"
    ),
    Argument.withDefault("head")
  ),
  sql: sqlFlag,
  lockTimeout: lockTimeoutFlag,
  acceptChanged: acceptChangedFlag
}

const upgradeCommand = Command.make("upgrade", upgradeOptions, lazyHandler("migrations upgrade", handlers, (module) => module.migrate("upgrade"))).pipe(
  Command.withDescription("Apply revisions up to TARGET: reserve, credential, apply, finalize, then the provider's hook")
)

const downgradeOptions = {
  provider: providerFlag,
  target: Argument.String("target").pipe(
    Argument.withDescription(
      "base, an id, prefix or branch label, -N, ID-N, LABEL@-N, LABEL@base (undo only that branch); with " +
        "--sql, FROM:TO (without FROM the plan starts from the database's heads)"
    )
  ),
  sql: sqlFlag,
  lockTimeout: lockTimeoutFlag,
  acceptChanged: acceptChangedFlag
}

const downgradeCommand = Command.make("downgrade",
  downgradeOptions,
  lazyHandler("migrations downgrade", handlers, (module) => module.migrate("downgrade"))
).pipe(Command.withDescription("Revert revisions down to TARGET, then finalize the provider's tables"))

export const historyOptions = {
  provider: providerFlag,
  revRange: Flag.String("rev-range").pipe(
    Flag.withAlias("r"),
    Flag.withMetavar("LOWER:UPPER"),
    Flag.withDescription(
      "Only the revisions from LOWER up to UPPER (both included; either may be left out): targets such as " +
        "base, an id, LABEL@base, :LABEL@head, or current (the database's heads)"
    ),
    Flag.optional
  ),
  verbose: verboseFlag,
  indicateCurrent: Flag.Boolean("indicate-current").pipe(
    Flag.withAlias("i"),
    Flag.withDescription("Mark the revisions the database is at (reads the database)"),
    Flag.withDefault(false)
  )
}

const historyCommand = Command.make("history", historyOptions, lazyHandler("migrations history", handlers, (module) => module.history)).pipe(
  Command.withDescription(
    "List the revisions, newest first, each with its parents, dependencies (depends on), branch labels and " +
      "markers (local, unless --indicate-current or a range counts from the database)"
  )
)

export const headsOptions = { provider: providerFlag, verbose: verboseFlag }

const headsCommand = Command.make("heads", headsOptions, lazyHandler("migrations heads", handlers, (module) => module.heads)).pipe(
  Command.withDescription(
    "List the history's heads, with their branch labels; an effective head is one another branch depends on (local)"
  )
)

export const showOptions = {
  provider: providerFlag,
  revision: Argument.String("revision").pipe(
    Argument.withDescription(
      "What to show: an id or prefix, a branch label, head, heads, LABEL@head, ID-N, or current (the " +
        "revisions the database is at; reads the database)"
    )
  )
}

const showCommand = Command.make("show", showOptions, lazyHandler("migrations show", handlers, (module) => module.show)).pipe(
  Command.withDescription("Show one revision (or each revision a target names) in full (local, but for current)")
)

const branchesCommand = Command.make("branches", headsOptions, lazyHandler("migrations branches", handlers, (module) => module.branches)).pipe(
  Command.withDescription(
    "List the branch points, newest first, with the revisions each branches into, and every branch label with " +
      "the revision it starts at and its heads (local)"
  )
)

const checkCommand = Command.make("check", providerOptions, lazyHandler("migrations check", handlers, (module) => module.check)).pipe(
  Command.withDescription("Exit 1 when the models, the revisions' files or the database disagree with the history")
)

export const dropRolesOptions = {
  provider: providerFlag,
  database: Flag.String("database").pipe(
    Flag.withMetavar("NAME"),
    Flag.withDescription("The dropped database whose roles to remove (connect to another database of the server)")
  )
}

const dropRolesCommand = Command.make(
  "drop-roles",
  dropRolesOptions,
  lazyHandler("migrations drop-roles", handlers, (module) => module.dropRoles)
).pipe(
  Command.withDescription(
    "Remove the provider's roles (owner, run role, leftover credentials) for a database that was dropped; " +
      "roles belong to the whole server and outlive their database. Refused while the database exists"
  )
)

export const stampOptions = {
  provider: providerFlag,
  revisions: Argument.String("revisions").pipe(
    Argument.withDescription(
      "What to record: head, heads, base, ids, prefixes, branch labels, LABEL@head; several are recorded " +
        "together (one per branch). Each moves only the heads it is related to; with --sql, FROM:TO"
    ),
    Argument.variadic({ min: 1 })
  ),
  purge: Flag.Boolean("purge").pipe(
    Flag.withDescription(
      "Empty the version table first, whatever it holds (even revisions no file defines), then record exactly " +
        "the targets"
    ),
    Flag.withDefault(false)
  ),
  sql: Flag.Boolean("sql").pipe(
    Flag.withDescription("Print the statements instead of running them (from base, or from FROM given as FROM:TO)"),
    Flag.withDefault(false)
  ),
  lockTimeout: lockTimeoutFlag
}

const stampCommand = Command.make("stamp", stampOptions, lazyHandler("migrations stamp", handlers, (module) => module.stamp)).pipe(
  Command.withDescription(
    "Record revisions in the version table without running them, for a database whose schema already matches"
  )
)

export const mergeOptions = {
  provider: providerFlag,
  revisions: Argument.String("revisions").pipe(
    Argument.withDescription("The heads to join: ids, prefixes, branch labels, LABEL@head (default: every head)"),
    Argument.variadic()
  ),
  message: Flag.String("message").pipe(Flag.withAlias("m"), Flag.withDescription("What the merge joins"), Flag.withDefault("merge heads")),
  revId: Flag.String("rev-id").pipe(Flag.withDescription("The merge revision's id"), Flag.optional),
  branchLabel: Flag.String("branch-label").pipe(
    Flag.withMetavar("LABEL"),
    Flag.withDescription("A name for the branch the merge starts; repeatable"),
    Flag.atLeast(0)
  )
}

const mergeCommand = Command.make("merge", mergeOptions, lazyHandler("migrations merge", handlers, (module) => module.merge)).pipe(
  Command.withDescription("Write a revision that joins the heads named (default: every head) (local)")
)

export const migrationsCommand = Command.make("migrations").pipe(
  Command.withDescription(
    "Author and apply schema migrations for a provider's storage tables (also `npm run migrate -- ...`)"
  ),
  Command.withSubcommands([
    scaffoldCommand,
    currentCommand,
    revisionCommand,
    upgradeCommand,
    downgradeCommand,
    historyCommand,
    headsCommand,
    showCommand,
    branchesCommand,
    checkCommand,
    dropRolesCommand,
    stampCommand,
    mergeCommand
  ])
)
