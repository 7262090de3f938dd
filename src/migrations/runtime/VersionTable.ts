/**
 * A provider's version table and its ledger, as SQL.
 *
 * The version table holds the current heads, one row per head, exactly as Alembic keeps it. The ledger
 * beside it (`<version table>__ledger`) holds one row per applied revision with the checksum of its file,
 * written in the same transaction as the revision's DDL, so an edited applied revision can be noticed. A third
 * table, `<version table>__progress`, made when a plan first has a non-transactional revision, records how far
 * such a revision got while it is part-way.
 * Statements are plain literals (no parameters), so the SQL printed by `--sql` is the SQL executed.
 */
import { boundedIdentifier } from "../../storage/Naming.ts"
import { quoteIdentifier, quoteLiteral } from "../../db/SqlText.ts"

/** Where a provider keeps its migration state. */
export interface VersionTableLocation {
  /** The physical schema; `public` by default. */
  readonly schema: string
  readonly table: string
}

export const VERSION_COLUMN = "version_num"

export const ledgerTableName = (location: VersionTableLocation): string => boundedIdentifier(location.table, "ledger")

/**
 * `<version table>__progress`: how far a non-transactional revision got, one row while it is part-way
 * (written after each of its statements succeeds, deleted with the revision's bookkeeping).
 */
export const progressTableName = (location: VersionTableLocation): string => boundedIdentifier(location.table, "progress")

// Every step of a plan names both tables (10,000 revisions make 20,000 names): each location's names are
// built once. Locations are read-only values, so a name kept for one stays right.
const qualifiedNames = new WeakMap<
  VersionTableLocation,
  { readonly version: string; readonly ledger: string; readonly progress: string }
>()
const qualified = (location: VersionTableLocation) => {
  let names = qualifiedNames.get(location)
  if (names === undefined) {
    names = {
      version: qualify(location.schema, location.table),
      ledger: qualify(location.schema, ledgerTableName(location)),
      progress: qualify(location.schema, progressTableName(location))
    }
    qualifiedNames.set(location, names)
  }
  return names
}
const qualify = (schema: string, table: string) => `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`

export const qualifiedVersionTable = (location: VersionTableLocation): string => qualified(location).version

export const qualifiedLedgerTable = (location: VersionTableLocation): string => qualified(location).ledger

export const qualifiedProgressTable = (location: VersionTableLocation): string => qualified(location).progress

/** Creates the schema (when named), the version table and the ledger if they are missing. */
export const createVersionTables = (location: VersionTableLocation): ReadonlyArray<string> => [
  ...(location.schema === "public" ? [] : [`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(location.schema)};`]),
  `CREATE TABLE IF NOT EXISTS ${qualifiedVersionTable(location)} (\n` +
  `\t${quoteIdentifier(VERSION_COLUMN)} varchar(255) NOT NULL,\n` +
  `\tCONSTRAINT ${quoteIdentifier(boundedIdentifier("pk", location.table))} PRIMARY KEY (${quoteIdentifier(VERSION_COLUMN)})\n` +
  ");",
  `CREATE TABLE IF NOT EXISTS ${qualifiedLedgerTable(location)} (\n` +
  "\t\"revision\" varchar(255) NOT NULL,\n" +
  "\t\"checksum\" varchar(64) NOT NULL,\n" +
  "\t\"message\" text NOT NULL,\n" +
  "\t\"applied_at\" timestamp with time zone DEFAULT now() NOT NULL,\n" +
  `\tCONSTRAINT ${quoteIdentifier(boundedIdentifier("pk", ledgerTableName(location)))} PRIMARY KEY ("revision")\n` +
  ");"
]

/** Creates the progress table if it is missing (a plan with a non-transactional revision needs it). */
export const createProgressTable = (location: VersionTableLocation): ReadonlyArray<string> => [
  `CREATE TABLE IF NOT EXISTS ${qualifiedProgressTable(location)} (\n` +
  "\t\"revision\" varchar(255) NOT NULL,\n" +
  "\t\"direction\" varchar(4) NOT NULL,\n" +
  "\t\"statements_done\" integer NOT NULL,\n" +
  "\t\"digest\" varchar(64) NOT NULL,\n" +
  "\t\"updated_at\" timestamp with time zone DEFAULT now() NOT NULL,\n" +
  `\tCONSTRAINT ${quoteIdentifier(boundedIdentifier("pk", progressTableName(location)))} PRIMARY KEY ("revision")\n` +
  ");"
]

/** Records that a non-transactional revision's first `statementsDone` operations (whose digest is given) succeeded. */
export const recordProgress = (
  location: VersionTableLocation,
  progress: {
    readonly revision: string
    readonly direction: "up" | "down"
    readonly statementsDone: number
    readonly digest: string
  }
): string =>
  `INSERT INTO ${qualifiedProgressTable(location)} ("revision", "direction", "statements_done", "digest") VALUES ` +
  `(${quoteLiteral(progress.revision)}, ${quoteLiteral(progress.direction)}, ${progress.statementsDone}, ` +
  `${quoteLiteral(progress.digest)}) ON CONFLICT ("revision") DO UPDATE SET "direction" = EXCLUDED."direction", ` +
  `"statements_done" = EXCLUDED."statements_done", "digest" = EXCLUDED."digest", "updated_at" = now();`

/** Forgets a revision's progress (it completed). */
export const clearProgress = (location: VersionTableLocation, revision: string): string =>
  `DELETE FROM ${qualifiedProgressTable(location)} WHERE "revision" = ${quoteLiteral(revision)};`

/** Forgets every revision's progress (`stamp` says where the database is). */
export const clearAllProgress = (location: VersionTableLocation): string => `DELETE FROM ${qualifiedProgressTable(location)};`

/** Reads one revision's progress, if it stopped part-way (columns `direction`, `statementsDone`, `digest`). */
export const selectProgress = (location: VersionTableLocation, revision: string): string =>
  `SELECT "direction", "statements_done" AS "statementsDone", "digest" FROM ${qualifiedProgressTable(location)} ` +
  `WHERE "revision" = ${quoteLiteral(revision)}`

/** The version table rows a step removes and adds (Alembic: the heads before and after it). */
const headChanges = (before: ReadonlyArray<string>, after: ReadonlyArray<string>) => ({
  removed: before.filter((head) => !after.includes(head)),
  added: after.filter((head) => !before.includes(head))
})

const deleteHeads = (location: VersionTableLocation, heads: ReadonlyArray<string>): string =>
  `DELETE FROM ${qualifiedVersionTable(location)} WHERE ${quoteIdentifier(VERSION_COLUMN)} IN (${heads.map(quoteLiteral).join(", ")})`

const insertHeads = (location: VersionTableLocation, heads: ReadonlyArray<string>): string =>
  `INSERT INTO ${qualifiedVersionTable(location)} (${quoteIdentifier(VERSION_COLUMN)}) VALUES ` +
  heads.map((id) => `(${quoteLiteral(id)})`).join(", ")

/** Moves the version table from `before` to `after`, as separate statements. */
export const moveHeads = (
  location: VersionTableLocation,
  before: ReadonlyArray<string>,
  after: ReadonlyArray<string>
): ReadonlyArray<string> => {
  const { added, removed } = headChanges(before, after)
  return [
    ...(removed.length === 0 ? [] : [`${deleteHeads(location, removed)};`]),
    ...(added.length === 0 ? [] : [`${insertHeads(location, added)};`])
  ]
}

/** Empties the version table (`stamp --purge`), whatever it holds. */
export const clearHeads = (location: VersionTableLocation): string => `DELETE FROM ${qualifiedVersionTable(location)};`

/** Records an applied revision with its checksum in the ledger. */
export const recordApplied = (
  location: VersionTableLocation,
  revision: { readonly id: string; readonly checksum: string; readonly message: string }
): string =>
  `INSERT INTO ${qualifiedLedgerTable(location)} ("revision", "checksum", "message") VALUES ` +
  `(${quoteLiteral(revision.id)}, ${quoteLiteral(revision.checksum)}, ${quoteLiteral(revision.message)}) ` +
  `ON CONFLICT ("revision") DO UPDATE SET "checksum" = EXCLUDED."checksum", "message" = EXCLUDED."message", ` +
  `"applied_at" = now();`

/** Removes an un-applied revision from the ledger. */
export const recordUnapplied = (location: VersionTableLocation, revision: string): string =>
  `DELETE FROM ${qualifiedLedgerTable(location)} WHERE "revision" = ${quoteLiteral(revision)};`

/**
 * A step's whole bookkeeping as one statement: the version table's heads move from `before` to `after` in
 * data-modifying `WITH` clauses, and the ledger records (or forgets) the revision. One round trip per
 * revision instead of three; the rows the clauses touch are disjoint, so their order does not matter.
 */
export const stepBookkeeping = (
  location: VersionTableLocation,
  step: {
    readonly headsBefore: ReadonlyArray<string>
    readonly headsAfter: ReadonlyArray<string>
    readonly ledger: string
  }
): string => {
  const { added, removed } = headChanges(step.headsBefore, step.headsAfter)
  const clauses = [
    ...(removed.length === 0 ? [] : [`"heads_removed" AS (${deleteHeads(location, removed)})`]),
    ...(added.length === 0 ? [] : [`"heads_added" AS (${insertHeads(location, added)})`])
  ]
  return clauses.length === 0 ? step.ledger : `WITH ${clauses.join(",\n  ")}\n${step.ledger}`
}

/** Reads the heads; the version table may not exist yet (no revision applied). */
export const selectHeads = (location: VersionTableLocation): string =>
  `SELECT ${quoteIdentifier(VERSION_COLUMN)} AS "revision" FROM ${qualifiedVersionTable(location)} ` +
  `ORDER BY ${quoteIdentifier(VERSION_COLUMN)}`

export const selectLedger = (location: VersionTableLocation): string =>
  `SELECT "revision", "checksum", "applied_at" AS "appliedAt" FROM ${qualifiedLedgerTable(location)} ORDER BY "revision"`

/** Whether both tables exist, as the boolean column `present`, and whether the progress table does (`progress`). */
export const selectVersionTablesPresent = (location: VersionTableLocation): string =>
  `SELECT to_regclass(${quoteLiteral(qualifiedVersionTable(location))}) IS NOT NULL ` +
  `AND to_regclass(${quoteLiteral(qualifiedLedgerTable(location))}) IS NOT NULL AS "present", ` +
  `to_regclass(${quoteLiteral(qualifiedProgressTable(location))}) IS NOT NULL AS "progress"`
