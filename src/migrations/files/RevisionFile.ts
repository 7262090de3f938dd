/**
 * Revision files on disk: the TypeScript module a reviewer reads (its header says what it does and what it
 * destroys; its body is exactly the SQL that will run) and, beside it, the versioned model snapshot that the
 * next autogenerate diffs against.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as NodePath from "node:path"
import type { SchemaSnapshot } from "../../storage/StorageSchema.ts"
import type { DestructiveChange } from "../Autogenerate.ts"
import type { TableRename } from "./Revision.ts"

export interface RevisionDraft {
  readonly id: string
  readonly parents: ReadonlyArray<string>
  /** Revision ids or branch labels of other branches this one needs applied first. */
  readonly dependsOn?: ReadonlyArray<string> | undefined
  /** Names for the branch this revision starts. */
  readonly branchLabels?: ReadonlyArray<string> | undefined
  readonly message: string
  readonly createdAt: string
  readonly upgrade: ReadonlyArray<string>
  readonly downgrade: ReadonlyArray<string>
  readonly destructive: ReadonlyArray<DestructiveChange>
  readonly downgradeDestructive: ReadonlyArray<DestructiveChange>
  /** What a reviewer should know beyond the SQL (names made distinct, drops that look like renames). */
  readonly notes?: ReadonlyArray<string> | undefined
  /** Whether it runs in one transaction (default: yes). */
  readonly transactional?: boolean | undefined
  /** The tables the upgrade renames or moves, recorded for the catalog (see `Revision`). */
  readonly renamedTables?: ReadonlyArray<TableRename> | undefined
}

/** `0002_add_account_status.ts`: the id, then the message as a short slug. */
export const revisionFileName = (id: string, message: string): string => {
  const slug = message.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 48).replace(/_+$/, "")
  return slug === "" ? `${id}.ts` : `${id}_${slug}.ts`
}

export const snapshotPathFor = (revisionPath: string): string =>
  revisionPath.replace(/\.(ts|mts|js|mjs)$/, "") + ".snapshot.json"

const templateLiteral = (sql: string): string =>
  "`" + sql.replaceAll("\\", "\\\\").replaceAll("`", "\\`").replaceAll("${", "\\${") + "`"

const commentSafe = (text: string): string => text.replaceAll("*/", "* /")

const operationsBlock = (name: string, statements: ReadonlyArray<string>): string =>
  statements.length === 0
    ? `export const ${name}: ReadonlyArray<string> = [\n  // SQL statements, in order; for a data migration, a function (sql) => Effect.\n]`
    : `export const ${name}: ReadonlyArray<string> = [\n${statements.map((sql) => `  ${templateLiteral(sql)}`).join(",\n")}\n]`

const destructiveLines = (draft: RevisionDraft): ReadonlyArray<string> => {
  const entries = [
    ...draft.destructive.map((change) => `upgrade ${change.description}`),
    ...draft.downgradeDestructive.map((change) => `downgrade ${change.description}`)
  ]
  return entries.length === 0
    ? [" * Destructive changes: none."]
    : [" * DESTRUCTIVE CHANGES, review them before applying:", ...entries.map((entry) => ` *   - ${commentSafe(entry)}`)]
}

const stringList = (values: ReadonlyArray<string>): string => `[${values.map((value) => JSON.stringify(value)).join(", ")}]`

const renamesBlock = (renames: ReadonlyArray<TableRename>): ReadonlyArray<string> =>
  renames.length === 0 ? [] : [
    "// The tables this revision renames or moves: the catalog keeps their rows, and names them as each revision does.",
    "export const renamedTables = [",
    renames.map(({ from, to }) =>
      `  { from: { schema: ${JSON.stringify(from.schema)}, table: ${JSON.stringify(from.table)} }, ` +
      `to: { schema: ${JSON.stringify(to.schema)}, table: ${JSON.stringify(to.table)} } }`
    ).join(",\n"),
    "]",
    ""
  ]

/** The module's text. The same draft always renders the same bytes; optional exports appear only when set. */
export const renderRevisionModule = (draft: RevisionDraft, snapshotFile: string): string => {
  const dependsOn = draft.dependsOn ?? []
  const branchLabels = draft.branchLabels ?? []
  return [
    "/**",
    ` * ${commentSafe(draft.message)}`,
    " *",
    ` * Revision ID: ${commentSafe(draft.id)}`,
    ` * Revises: ${commentSafe(draft.parents.join(", ")) || "<base>"}`,
    ...(dependsOn.length === 0 ? [] : [` * Depends on: ${commentSafe(dependsOn.join(", "))}`]),
    ...(branchLabels.length === 0 ? [] : [` * Branch labels: ${commentSafe(branchLabels.join(", "))}`]),
    ` * Create Date: ${draft.createdAt}`,
    " *",
    ...destructiveLines(draft),
    ...((draft.notes ?? []).length === 0 ? [] : [" *", " * Notes:", ...draft.notes!.map((note) => ` *   - ${commentSafe(note)}`)]),
    " *",
    " * Written by `metatables migrations revision`: review it, edit it if needed, commit it. The model after this",
    ` * revision is in ${snapshotFile}, which the next autogenerate compares the models with.`,
    " */",
    "",
    `export const id = ${JSON.stringify(draft.id)}`,
    `export const parents: ReadonlyArray<string> = ${stringList(draft.parents)}`,
    ...(dependsOn.length === 0 ? [] : [`export const dependsOn: ReadonlyArray<string> = ${stringList(dependsOn)}`]),
    ...(branchLabels.length === 0 ? [] : [`export const branchLabels: ReadonlyArray<string> = ${stringList(branchLabels)}`]),
    `export const message = ${JSON.stringify(draft.message)}`,
    `export const createdAt = ${JSON.stringify(draft.createdAt)}`,
    `export const transactional = ${draft.transactional ?? true}`,
    "",
    ...renamesBlock(draft.renamedTables ?? []),
    operationsBlock("upgrade", draft.upgrade),
    "",
    operationsBlock("downgrade", draft.downgrade),
    ""
  ].join("\n")
}

export const SNAPSHOT_FORMAT = "metatables.schema-snapshot.v1"

const SnapshotFile = Schema.Struct({
  format: Schema.Literal(SNAPSHOT_FORMAT),
  revision: Schema.String,
  schema: Schema.Struct({
    version: Schema.String,
    dialect: Schema.Literal("postgres"),
    id: Schema.String,
    prevIds: Schema.Array(Schema.String),
    ddl: Schema.Array(Schema.Record(Schema.String, Schema.Unknown))
  })
})
const decodeSnapshotFile = Schema.decodeUnknownEffect(Schema.fromJsonString(SnapshotFile))

export const renderSnapshotFile = (revision: string, snapshot: SchemaSnapshot): string =>
  `${JSON.stringify({ format: SNAPSHOT_FORMAT, revision, schema: snapshot }, null, 2)}\n`

export class SnapshotFileError extends Schema.TaggedError<SnapshotFileError>()("SnapshotFileError", {
  path: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `The model snapshot ${this.path} ${this.problem}`
  }
}

/** The snapshot beside a revision file, or none when there is no such file. */
export const readSnapshot = Effect.fn("RevisionFile.readSnapshot")(function*(
  revisionPath: string
): Effect.fn.Return<Option.Option<SchemaSnapshot>, SnapshotFileError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const path = snapshotPathFor(revisionPath)
  if (!(yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false)))) return Option.none()
  const text = yield* fs.readFileString(path).pipe(
    Effect.mapError((error) => new SnapshotFileError({ path, problem: `cannot be read: ${error.message}` }))
  )
  const file = yield* decodeSnapshotFile(text).pipe(
    Effect.mapError((error) => new SnapshotFileError({ path, problem: `is not a valid snapshot: ${error.message}` }))
  )
  return Option.some(file.schema as unknown as SchemaSnapshot)
})

export class RevisionFileExistsError extends Schema.TaggedError<RevisionFileExistsError>()("RevisionFileExistsError", {
  path: Schema.String
}) {
  override get message(): string {
    return `${this.path} exists already; choose another revision id (--rev-id) or message.`
  }
}

/** A revision id that would put its file outside its version location (`../x`, `a/b`). */
export class RevisionPathError extends Schema.TaggedError<RevisionPathError>()("RevisionPathError", {
  id: Schema.String,
  directory: Schema.String
}) {
  override get message(): string {
    return `The revision id ${JSON.stringify(this.id)} would put its file outside ${this.directory}; ids name files, ` +
      "so they may hold only letters, digits, _ and ."
  }
}

/** Writes the module and its snapshot; refuses to replace an existing file or to write outside `directory`. */
export const writeRevisionFiles = Effect.fn("RevisionFile.writeRevisionFiles")(function*(
  directory: string,
  draft: RevisionDraft,
  snapshot: SchemaSnapshot
): Effect.fn.Return<string, RevisionFileExistsError | RevisionPathError | SnapshotFileError, FileSystem.FileSystem> {
  const fs = yield* FileSystem.FileSystem
  const path = NodePath.join(directory, revisionFileName(draft.id, draft.message))
  // The command line validates ids before a draft is made; this holds whatever a library caller passes.
  const relative = NodePath.relative(directory, path)
  if (relative.startsWith("..") || relative.includes("/") || relative.includes(NodePath.sep)) {
    return yield* new RevisionPathError({ id: draft.id, directory })
  }
  const snapshotPath = snapshotPathFor(path)
  const failure = (error: { readonly message: string }) =>
    new SnapshotFileError({ path: snapshotPath, problem: `cannot be written: ${error.message}` })
  yield* fs.makeDirectory(directory, { recursive: true }).pipe(Effect.mapError(failure))
  for (const target of [path, snapshotPath]) {
    if (yield* fs.exists(target).pipe(Effect.orElseSucceed(() => false))) {
      return yield* new RevisionFileExistsError({ path: target })
    }
  }
  yield* fs.writeFileString(snapshotPath, renderSnapshotFile(draft.id, snapshot)).pipe(Effect.mapError(failure))
  yield* fs.writeFileString(path, renderRevisionModule(draft, NodePath.basename(snapshotPath)), { flag: "wx" }).pipe(
    Effect.mapError((error) =>
      error.reason._tag === "AlreadyExists" ? new RevisionFileExistsError({ path }) : failure(error)
    )
  )
  return path
})
