/**
 * A revision: one TypeScript module under a provider's version location that exports its id, parents,
 * message, creation time, whether it runs in a transaction, and its `upgrade` and `downgrade` operations,
 * each a SQL statement or, for data migrations, an Effect function given the SqlClient. Optionally it names
 * the branch it starts (`branchLabels`) and revisions of other branches it needs applied first (`dependsOn`,
 * ids or branch labels), as Alembic's `branch_labels` and `depends_on`.
 *
 * ```ts
 * export const id = "0002"
 * export const parents = ["0001"]
 * export const message = "add account status"
 * export const createdAt = "2026-11-21T10:00:00.000Z"
 * export const transactional = true
 * export const upgrade = [`ALTER TABLE "sdk_examples__account" ADD COLUMN "status" varchar(32) DEFAULT 'active' NOT NULL;`]
 * export const downgrade = [`ALTER TABLE "sdk_examples__account" DROP COLUMN "status";`]
 * // optional:
 * export const branchLabels = ["accounts"]
 * export const dependsOn = ["0007"]
 * export const renamedTables = [{ from: { schema: "public", table: "old" }, to: { schema: "archive", table: "new" } }]
 * ```
 *
 * `renamedTables` lists the tables the revision renames or moves to another schema (autogenerate writes it from
 * the `--rename table:` hints): the catalog keeps such a table's row, and after a downgrade below the revision
 * it records the name the table has there.
 */
import type * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import { splitSqlStatements, transactionControlCommand } from "../../db/SqlScript.ts"

/** A data migration: Effect code run with the migration's connection, inside the revision's transaction. */
export type DataMigration = (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>

/** One operation of a revision. */
export type RevisionOperation = string | DataMigration

/** A table's physical name: its schema and its name there. */
export const PhysicalTableName = Schema.Struct({ schema: Schema.NonEmptyString, table: Schema.NonEmptyString })
export type PhysicalTableName = typeof PhysicalTableName.Type

/** A table a revision renames, moves to another schema, or both: its name before the upgrade and after it. */
export const TableRename = Schema.Struct({ from: PhysicalTableName, to: PhysicalTableName })
export type TableRename = typeof TableRename.Type

const isTableRenames = Schema.is(Schema.Array(TableRename))

/** A revision as loaded from its file. */
export interface Revision {
  readonly id: string
  /** None for a base, one for an ordinary revision, several for a merge. */
  readonly parents: ReadonlyArray<string>
  /** Revisions (ids or branch labels) of other branches applied before this one; none by default. */
  readonly dependsOn: ReadonlyArray<string>
  /** The names of the branch this revision starts; none by default. */
  readonly branchLabels: ReadonlyArray<string>
  readonly message: string
  readonly createdAt: string
  readonly transactional: boolean
  readonly upgrade: ReadonlyArray<RevisionOperation>
  readonly downgrade: ReadonlyArray<RevisionOperation>
  /**
   * The tables its upgrade renames or moves (its downgrade undoes them); none when the file lists none, as
   * files written before revisions recorded them do not. Optional for revisions built in code.
   */
  readonly renamedTables?: ReadonlyArray<TableRename> | undefined
  /** The file it was loaded from. */
  readonly source: string
  /** SHA-256 of the file's bytes; the ledger records it when the revision is applied. */
  readonly checksum: string
}

/** What is wrong with a module's exports, one phrase per problem; empty when it is a valid revision. */
export const revisionExportProblems = (exports: Record<string, unknown>): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const { branchLabels, createdAt, dependsOn, downgrade, id, message, parents, renamedTables, transactional, upgrade } =
    exports
  if (!Predicate.isString(id) || id.trim() === "") problems.push("export `id` must be a non-empty string")
  if (!Array.isArray(parents) || !parents.every(Predicate.isString)) {
    problems.push("export `parents` must be an array of revision ids (empty for a first revision)")
  }
  if (dependsOn !== undefined && !(Array.isArray(dependsOn) && dependsOn.every(Predicate.isString))) {
    problems.push("export `dependsOn` must be an array of revision ids or branch labels when given")
  }
  if (branchLabels !== undefined && !(Array.isArray(branchLabels) && branchLabels.every(Predicate.isString))) {
    problems.push("export `branchLabels` must be an array of branch names when given")
  }
  if (renamedTables !== undefined && !isTableRenames(renamedTables)) {
    problems.push(
      "export `renamedTables` must be an array of { from: { schema, table }, to: { schema, table } } (non-empty names) " +
        "when given"
    )
  }
  if (!Predicate.isString(message)) problems.push("export `message` must be a string")
  if (!Predicate.isString(createdAt) || Number.isNaN(Date.parse(createdAt))) {
    problems.push("export `createdAt` must be an ISO-8601 date string")
  }
  if (transactional !== undefined && !Predicate.isBoolean(transactional)) {
    problems.push("export `transactional` must be true or false when given")
  }
  for (const [name, operations] of [["upgrade", upgrade], ["downgrade", downgrade]] as const) {
    if (!Array.isArray(operations)) {
      problems.push(`export \`${name}\` must be an array of SQL statements or Effect functions`)
      continue
    }
    operations.forEach((operation, index) => {
      if (!Predicate.isString(operation) && !Predicate.isFunction(operation)) {
        problems.push(`\`${name}[${index}]\` must be a SQL string or a function (sql) => Effect`)
      } else if (Predicate.isString(operation) && operation.trim() === "") {
        problems.push(`\`${name}[${index}]\` is an empty statement`)
      } else if (Predicate.isString(operation) && transactional !== false) {
        const control = splitSqlStatements(operation).map(transactionControlCommand).find(Predicate.isNotUndefined)
        if (control !== undefined) {
          problems.push(
            `\`${name}[${index}]\` contains ${control}: a transactional revision runs in the one transaction metatables ` +
              "opens and commits around it, and transaction control inside would end it halfway; remove it, or export " +
              "`transactional = false`"
          )
        }
      }
    })
  }
  return problems
}

/** The revision a module describes; call only when `revisionExportProblems` found none. */
export const revisionFromExports = (
  exports: Record<string, unknown>,
  source: string,
  checksum: string
): Revision => ({
  id: exports.id as string,
  parents: [...(exports.parents as ReadonlyArray<string>)],
  dependsOn: [...((exports.dependsOn as ReadonlyArray<string> | undefined) ?? [])],
  branchLabels: [...((exports.branchLabels as ReadonlyArray<string> | undefined) ?? [])],
  message: exports.message as string,
  createdAt: exports.createdAt as string,
  transactional: (exports.transactional as boolean | undefined) ?? true,
  upgrade: [...(exports.upgrade as ReadonlyArray<RevisionOperation>)],
  downgrade: [...(exports.downgrade as ReadonlyArray<RevisionOperation>)],
  renamedTables: [...((exports.renamedTables as ReadonlyArray<TableRename> | undefined) ?? [])],
  source,
  checksum
})
