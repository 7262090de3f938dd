/**
 * Objects on a provider's tables that no revision declares: triggers, the functions they call, row-level
 * security policies and rules, found in the live database and looked up by name in the SQL of every revision
 * (the models reach the database only through revisions, so what they declare is there too). A trigger made
 * by hand, by a hook or by a data migration runs on every write of a run: `check` reports it, so that it is
 * reviewed like the revisions are.
 */
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { pgArrayLiteral } from "../../db/PgArrayLiteral.ts"
import { quoteIdentifierWhereNeeded } from "../../db/SqlText.ts"
import type { Revision } from "../files/Revision.ts"
import type { LoadedRevisions } from "../files/RevisionLoader.ts"

export type UndeclaredKind = "trigger" | "function" | "policy" | "rule"

export interface UndeclaredObject {
  readonly kind: UndeclaredKind
  readonly name: string
  /** `schema.table` the object is on (for a function: the table whose trigger calls it). */
  readonly table: string
  /** The same table, its schema and name apart (either may hold a dot). */
  readonly on: { readonly schema: string; readonly table: string }
}

interface LiveObjectRow {
  readonly kind: UndeclaredKind
  readonly name: string
  readonly table: string
  readonly schema_name: string
  readonly table_name: string
}

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`
const QUALIFIED = String.raw`(?:${NAME}\s*\.\s*)?(${NAME})`
const DECLARATIONS: ReadonlyArray<readonly [UndeclaredKind, RegExp]> = [
  ["trigger", new RegExp(String.raw`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(${NAME})`, "gi")],
  ["function", new RegExp(String.raw`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+${QUALIFIED}`, "gi")],
  ["policy", new RegExp(String.raw`\bCREATE\s+POLICY\s+(${NAME})`, "gi")],
  ["rule", new RegExp(String.raw`\bCREATE\s+(?:OR\s+REPLACE\s+)?RULE\s+(${NAME})`, "gi")]
]

/** An identifier as PostgreSQL stores it: quoted ones unquoted, unquoted ones folded to lower case. */
const storedName = (name: string): string => name.startsWith("\"") ? name.slice(1, -1).replaceAll("\"\"", "\"") : name.toLowerCase()

/** The names each kind of object has in the SQL of the revisions' upgrades, by kind. */
export const declaredObjectNames = (
  revisions: Iterable<Pick<Revision, "upgrade">>
): ReadonlyMap<UndeclaredKind, ReadonlySet<string>> => {
  const names = new Map<UndeclaredKind, Set<string>>(DECLARATIONS.map(([kind]) => [kind, new Set<string>()]))
  for (const revision of revisions) {
    for (const operation of revision.upgrade) {
      if (typeof operation !== "string") continue
      for (const [kind, pattern] of DECLARATIONS) {
        for (const match of operation.matchAll(pattern)) names.get(kind)!.add(storedName(match[1]!))
      }
    }
  }
  return names
}

/** The triggers (not a constraint's own), their functions, policies and rules on `tables` (`schema.table`). */
const liveObjects = (tables: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql<LiveObjectRow>`
      SELECT 'trigger' AS kind, t.tgname AS name, n.nspname || '.' || c.relname AS "table", n.nspname AS schema_name,
        c.relname AS table_name
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral(tables)}::text[])
      UNION ALL
      SELECT 'function', p.proname, n.nspname || '.' || c.relname, n.nspname, c.relname
      FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
      JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral(tables)}::text[])
      UNION ALL
      SELECT 'policy', p.polname, n.nspname || '.' || c.relname, n.nspname, c.relname
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral(tables)}::text[])
      UNION ALL
      SELECT 'rule', r.rulename, n.nspname || '.' || c.relname, n.nspname, c.relname
      FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE r.rulename <> '_RETURN' AND (n.nspname || '.' || c.relname) = ANY(${pgArrayLiteral(tables)}::text[])
      ORDER BY 3, 1, 2`
    return rows.map((row): UndeclaredObject => ({
      kind: row.kind,
      name: row.name,
      table: row.table,
      on: { schema: row.schema_name, table: row.table_name }
    }))
  })

/**
 * The triggers, trigger functions, policies and rules on `tables` (`schema.table`) whose names no revision's
 * SQL creates. A name declared for another table still counts as declared: the SQL is matched by name only.
 */
export const undeclaredObjects = Effect.fn("MigrationCheck.undeclaredObjects")(function*(
  loaded: LoadedRevisions,
  tables: ReadonlyArray<string>
) {
  const declared = declaredObjectNames(loaded.revisions.values())
  const live = yield* liveObjects(tables)
  const seen = new Set<string>()
  return live.filter((object) => {
    const key = `${object.kind}:${object.name}:${object.table}`
    if (seen.has(key) || declared.get(object.kind)!.has(object.name)) return false
    seen.add(key)
    return true
  })
})

/**
 * One line for people, each name written as PostgreSQL needs it: `trigger audit on public.prices is created by
 * no revision`, `trigger "By Hand" on "we""ird"."a b" ...`.
 */
export const describeUndeclared = (object: UndeclaredObject): string =>
  `${object.kind} ${quoteIdentifierWhereNeeded(object.name)} on ` +
  `${quoteIdentifierWhereNeeded(object.on.schema)}.${quoteIdentifierWhereNeeded(object.on.table)}` +
  `${object.kind === "function" ? " (called by a trigger)" : ""} ` +
  "is created by no revision: it runs with every write of a run; review it, and declare it in a revision or drop it"
