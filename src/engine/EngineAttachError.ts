/**
 * `startEngine` refused to attach: some tables are not deployed as their models say. One error lists every
 * table with what is wrong and what to run, so one fix-and-retry cycle is enough.
 */
import * as Schema from "effect/Schema"

export const AttachProblem = Schema.Literals(["missing", "not-active", "changed", "behind", "drift", "duplicate", "no-run-role"])
export type AttachProblem = typeof AttachProblem.Type

export const AttachRefusal = Schema.Struct({
  identifier: Schema.String,
  /** `schema.table`. */
  table: Schema.String,
  problem: AttachProblem,
  /** The catalog row's status, when there is a row. */
  status: Schema.NullOr(Schema.String),
  /** What differs, one sentence each. */
  details: Schema.Array(Schema.String)
})
export type AttachRefusal = typeof AttachRefusal.Type

const explain = (refusal: AttachRefusal): string => {
  const subject = `${refusal.identifier} (${refusal.table})`
  const details = refusal.details.length === 0 ? "" : `: ${refusal.details.join("; ")}`
  switch (refusal.problem) {
    case "missing":
      return `${subject} has no catalog row: it was never migrated. Add it to your migration provider, then run ` +
        "`metatables migrations revision -m \"...\"` and `metatables migrations upgrade`."
    case "not-active":
      return `${subject} is ${refusal.status} in the catalog, not active${details}. Run \`metatables migrations upgrade\` ` +
        "and check its report."
    case "changed":
      return `${subject} changed since it was migrated (its model's contract differs from the catalog's)${details}. ` +
        "Run `metatables migrations revision -m \"...\"` to write a revision for the change, then `metatables migrations upgrade`."
    case "behind":
      return `${subject} is as an earlier revision has it, not as its model${details}: the database is behind its ` +
        "history (after a downgrade, or with revisions not applied yet), and a later revision makes this change. Run " +
        "`metatables migrations upgrade` (or `nodes run --upgrade`); no new revision is needed."
    case "drift":
      return `${subject} in the database differs from its contract${details}. Something changed it outside the ` +
        "migrations; run `metatables migrations check` to see the drift, and fix it with a revision."
    case "duplicate":
      return `${subject} is given by two different storage table classes${details}; pass one.`
    case "no-run-role":
      return `${subject} cannot be written as its provider's run role${details}. Runs never write as the ` +
        "connecting user; run `metatables migrations upgrade` (as a user with CREATEROLE), which creates the role and " +
        "grants it the provider's rows."
  }
}

export class EngineAttachError extends Schema.TaggedError<EngineAttachError>()("EngineAttachError", {
  refusals: Schema.Array(AttachRefusal),
  /** How many tables were asked for. */
  requested: Schema.Number
}) {
  override get message(): string {
    const count = this.refusals.length
    return `startEngine cannot attach ${count} of ${this.requested} storage table${this.requested === 1 ? "" : "s"} ` +
      `(it never creates or changes tables):\n${this.refusals.map((refusal) => `  - ${explain(refusal)}`).join("\n")}`
  }
}
