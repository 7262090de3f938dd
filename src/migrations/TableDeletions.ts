/**
 * Tables a migration removes. A table dropped from the models (its provider no longer lists it) or by a
 * downgrade of the revision that made it gets its catalog row marked deleted once its physical table is gone;
 * a table protected from deletion is never dropped: the migration is refused before any statement runs when
 * its plan drops one (`DROP TABLE` of its physical name, as autogenerate writes it).
 */
import * as Schema from "effect/Schema"
import { quoteIdentifier } from "../db/SqlText.ts"
import type { MigrationPlan } from "./runtime/MigrationPlan.ts"

export interface PhysicalTable {
  readonly schema: string
  readonly table: string
}

export class TableDeletionRefusedError extends Schema.TaggedError<TableDeletionRefusedError>()("TableDeletionRefusedError", {
  provider: Schema.String,
  /** `schema.table` of each protected table, with the revision whose step drops it. */
  tables: Schema.Array(Schema.Struct({ table: Schema.String, revision: Schema.String }))
}) {
  override get message(): string {
    return `The migration of ${this.provider} would drop tables protected from deletion, so nothing was run:\n` +
      this.tables.map((entry) => `  - ${entry.table} (by revision ${entry.revision})`).join("\n") +
      "\nKeep them in the models, or lift protectFromDeletion first."
  }
}

const spellings = (table: PhysicalTable): ReadonlyArray<string> => [
  `${quoteIdentifier(table.schema)}.${quoteIdentifier(table.table)}`,
  ...(table.schema === "public" ? [quoteIdentifier(table.table)] : [])
]

/** The tables of `candidates` some step of `plan` drops, with the revision of that step. */
export const tablesDroppedBy = (
  plan: MigrationPlan,
  candidates: ReadonlyArray<PhysicalTable>
): ReadonlyArray<{ readonly table: PhysicalTable; readonly revision: string }> => {
  const found: Array<{ readonly table: PhysicalTable; readonly revision: string }> = []
  for (const step of plan.steps) {
    const statements = step.operations.filter((operation): operation is string => typeof operation === "string")
      .map((statement) => statement.replace(/\s+/g, " "))
    for (const table of candidates) {
      const dropped = statements.some((statement) =>
        spellings(table).some((name) => new RegExp(`DROP TABLE (IF EXISTS )?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(;|,| |$)`, "i").test(statement))
      )
      if (dropped && !found.some((entry) => entry.table === table)) found.push({ table, revision: step.revision.id })
    }
  }
  return found
}
