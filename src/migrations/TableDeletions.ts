/**
 * Tables a migration removes. A table dropped from the models (its provider no longer lists it) or by a
 * downgrade of the revision that made it gets its catalog row marked deleted once its physical table is gone;
 * a table protected from deletion is never dropped: the migration is refused before any statement runs when
 * its plan drops one (`DROP TABLE` of its physical name, as autogenerate writes it, under the name it has at
 * that step when revisions rename it).
 */
import * as Schema from "effect/Schema"
import { quoteIdentifier } from "../db/SqlText.ts"
import type { MigrationPlan, PlannedStep } from "./runtime/MigrationPlan.ts"

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

const sameTable = (left: PhysicalTable, right: PhysicalTable) => left.schema === right.schema && left.table === right.table

/** The name `table` has after `step`: the step's revision renames it going up, and names it back going down. */
const nameAfter = (step: PlannedStep, table: PhysicalTable): PhysicalTable => {
  const renames = step.revision.renamedTables ?? []
  const rename = step.direction === "up"
    ? renames.find((entry) => sameTable(entry.from, table))
    : renames.find((entry) => sameTable(entry.to, table))
  return rename === undefined ? table : step.direction === "up" ? rename.to : rename.from
}

/**
 * The tables of `candidates` (named as they are before the plan) some step of `plan` drops, each with the name
 * it is dropped under (followed through the renames the revisions record) and the revision of that step.
 */
export const tablesDroppedBy = (
  plan: MigrationPlan,
  candidates: ReadonlyArray<PhysicalTable>
): ReadonlyArray<{ readonly table: PhysicalTable; readonly revision: string }> => {
  const found: Array<{ readonly table: PhysicalTable; readonly revision: string }> = []
  const current = [...candidates]
  const dropped = new Set<number>()
  for (const step of plan.steps) {
    const statements = step.operations.filter((operation): operation is string => typeof operation === "string")
      .map((statement) => statement.replace(/\s+/g, " "))
    current.forEach((table, index) => {
      if (dropped.has(index)) return
      const after = nameAfter(step, table)
      const drops = [table, after].some((name) =>
        spellings(name).some((spelled) =>
          statements.some((statement) =>
            new RegExp(`DROP TABLE (IF EXISTS )?${spelled.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(;|,| |$)`, "i").test(statement)
          )
        )
      )
      if (drops) {
        dropped.add(index)
        found.push({ table, revision: step.revision.id })
      }
      current[index] = after
    })
  }
  return found
}
