/**
 * A batch of rows that passed validation against its table's row shape, held column by column (as the text
 * PostgreSQL reads for each value, or as the numbers and booleans themselves), ready to be written in one
 * statement, together with the time range it covers per entity (what the node's watermarks advance to once
 * the batch is committed).
 */
import { type ColumnValues, TextValues } from "../db/ColumnValues.ts"
import type { ShapeColumn } from "./RowShape.ts"

/** The time range of one entity's rows in a batch; instants as canonical UTC text (see `ValidatedBatch`). */
export interface EntityRange {
  /** The entity's grain values (without the time index) by row property, as the rows gave them, normalized. */
  readonly entity: Readonly<Record<string, string | number | boolean>>
  readonly first: string
  readonly last: string
}

export interface ValidatedBatch {
  readonly rowCount: number
  /**
   * The columns the batch writes, in table order. A column every row of the batch left out and the database
   * fills in (a server default) is not among them: it gets its default on insert and keeps its value on update.
   */
  readonly columns: ReadonlyArray<ShapeColumn>
  /**
   * `values[c][r]`: column `columns[c]` of row `r`, as PostgreSQL text input for the column's type, `null` for
   * NULL. Instants are canonical UTC text, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always six fraction digits), so
   * that comparing two of them as strings compares them in time.
   */
  readonly values: ReadonlyArray<ReadonlyArray<string | null>>
  /**
   * `columnValues[c]`: column `columns[c]`'s values as the writers read them (`db/ColumnValues.ts`). A number
   * or boolean column outside the grain holds the values themselves, and the texts in `values` are made from
   * them (`textAt`) only when read. `validateBatch` sets it; a batch without it is read from `values`.
   */
  readonly columnValues?: ReadonlyArray<ColumnValues> | undefined
  /** The earliest and latest time index in the batch, canonical UTC text; undefined for an empty batch. */
  readonly minTime: string | undefined
  readonly maxTime: string | undefined
  /**
   * Per entity (keyed by `entityKey`: the JSON array of the entity columns' text values in grain order, `[]`
   * when the grain is the time index alone), its first and last time index in the batch.
   */
  readonly entities: ReadonlyMap<string, EntityRange>
}

/** The batch's columns as the writers read them: `columnValues`, or `values` when it has none. */
export const batchColumns = (batch: ValidatedBatch): ReadonlyArray<ColumnValues> =>
  batch.columnValues ?? batch.values.map((texts) => new TextValues(texts))
