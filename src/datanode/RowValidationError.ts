/**
 * A row a DataNode returned does not fit its storage table: which node, which batch and row, which column,
 * what was found and what the table expects there. Nothing of a batch with such a row is written.
 */
import * as Schema from "effect/Schema"

export const RowValidationReason = Schema.Literals([
  /** The row is not a plain object (null, an array, a class instance). */
  "not-a-row",
  /** A property the table does not declare (`column` names it). */
  "unknown-property",
  /** A value for a generated column, which the database computes. */
  "generated-column",
  /** A NOT NULL or grain column left out (or `undefined`) with no default to fill it. */
  "missing-value",
  /** `null` for a NOT NULL or grain column. */
  "null-value",
  /** A value of a JavaScript type the column does not take (a string for a number column). */
  "wrong-type",
  /** A value of the right type that PostgreSQL cannot take as it is (NaN, a malformed UUID, U+0000 in text). */
  "invalid-value",
  /** An instant without a UTC offset, for a column that stores instants. */
  "naive-instant",
  /** A number, date or decimal outside what the column holds. */
  "out-of-range",
  /** A string longer than the column's declared length. */
  "too-long",
  /** A column with a server default given in some rows of a batch and left out in others. */
  "mixed-default",
  /** Two rows of a batch with the same grain. */
  "duplicate-grain"
])
export type RowValidationReason = typeof RowValidationReason.Type

export class RowValidationError extends Schema.TaggedError<RowValidationError>()("RowValidationError", {
  /** The node's kind or update hash; empty outside a run (an entity or an instant checked on its own). */
  node: Schema.String,
  /** The table's catalog identifier (`sdk_examples.prices`); empty for an instant checked on its own. */
  identifier: Schema.String,
  /** The physical table, `schema.table`; empty with `identifier`. */
  table: Schema.String,
  /** The 0-based index of the batch in the run; null outside a batch. */
  batch: Schema.NullOr(Schema.Number),
  /** The row's index in the node's whole output; null outside a batch. */
  row: Schema.NullOr(Schema.Number),
  /** The row's index in its batch; null outside a batch. */
  rowInBatch: Schema.NullOr(Schema.Number),
  /** The row property (the column's key, or the unknown property); null for problems of the whole row. */
  column: Schema.NullOr(Schema.String),
  reason: RowValidationReason,
  /** A short rendering of what was found, never the whole of a large value. */
  found: Schema.String,
  /** What the column or table expects there. */
  expected: Schema.String,
  /** How to fix it, when there is more to say than `expected`; empty otherwise. */
  hint: Schema.String,
  /** The other row involved (index in the node's output): the first row of a duplicate grain, the row of a mixed default. */
  relatedRow: Schema.NullOr(Schema.Number)
}) {
  /** The same rows are refused again: only changing the update helps. */
  get isRetryable(): boolean {
    return false
  }

  override get message(): string {
    const table = this.identifier === "" ? "" : `${this.identifier} (${this.table})`
    const property = this.column === null
      ? ""
      : `${this.reason === "unknown-property" ? "property" : "column"} "${this.column}"`
    let subject: string
    if (this.row !== null) {
      // Numbered from 1 for people, as the progress lines number batches (the fields are 0-based indexes).
      subject = `DataNode "${this.node}" row ${this.row + 1} (batch ${(this.batch ?? 0) + 1}, row ${(this.rowInBatch ?? 0) + 1})` +
        (property === "" ? "" : `, ${property}`) + (table === "" ? "" : ` of ${table}`)
    } else if (table !== "") {
      subject = `Entity ${property === "" ? "" : `${property} `}for ${table}`
    } else {
      subject = "Instant"
    }
    const sentence = `${subject}: expected ${this.expected}, found ${this.found}${this.hint === "" ? "" : `; ${this.hint}`}`
    return /[.?!]$/.test(sentence) ? sentence : `${sentence}.`
  }
}
