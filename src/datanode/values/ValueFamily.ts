/**
 * A value family: how the columns of one kind of SQL type (timestamps, numerics, text, ...) turn a JavaScript
 * value into the text PostgreSQL reads, and which text their unique index sees as equal. Row validation picks
 * a family per column once per table shape (`valueFamilyOf` in `index.ts`), never per value.
 */
import { type ColumnValues, NumberValues } from "../../db/ColumnValues.ts"
import type { ValueProblem } from "./ValueProblem.ts"

/** A JavaScript value to its PostgreSQL text input, or the problem with it. */
export type Encode = (value: unknown) => string | ValueProblem

export interface ValueFamily {
  readonly encode: Encode
  /**
   * The grain value compared for duplicate grains, where values the column holds equal can differ in text
   * (`1.5` and `1.50` in an unconstrained numeric); undefined where the text is its own key.
   */
  readonly equalityKey: ((text: string) => string) | undefined
  /** The value as `EntityRange.entity` holds it: a number, a boolean, or the text itself. */
  readonly entityValue: (text: string) => string | number | boolean
  /**
   * For a family of numbers or booleans: a column of `rows` rows that holds the values themselves, which a
   * column outside the grain is filled with instead of their text (the grain's values are compared as text).
   */
  readonly typedColumn?: ((rows: number) => TypedColumn) | undefined
}

/**
 * A batch's column being filled with its values (`ColumnValues`), whose text (`textAt`) is the text `encode`
 * writes for the same value; `put` takes and refuses what `encode` does, with the same problem.
 */
export interface TypedColumn {
  /** Checks `value` (neither null nor undefined) and writes it as row `row`, or answers why it is refused. */
  readonly put: (row: number, value: unknown) => ValueProblem | undefined
  readonly putNull: (row: number) => void
  readonly values: ColumnValues
}

/** The entity value of most families: the stored text. */
export const entityText = (text: string): string => text

/** A family whose text is its own equality key and its entity value. */
export const plainFamily = (encode: Encode): ValueFamily => ({
  encode,
  equalityKey: undefined,
  entityValue: entityText
})

/** A JavaScript value to the number a column of numbers holds, or the problem with it. */
export type CheckNumber = (value: unknown) => number | ValueProblem

/** The encoder of a family of numbers: the checked number's text, `format`. */
export const numberEncoder = (check: CheckNumber, format: (value: number) => string): Encode => (value) => {
  const number = check(value)
  return typeof number === "number" ? format(number) : number
}

/** The typed column of a family of numbers (`NumberValues`: the checked numbers, `NaN` for NULL). */
export const numberColumn = (check: CheckNumber, format: (value: number) => string) => (rows: number): TypedColumn => {
  const numbers = new Float64Array(rows)
  return {
    put: (row, value) => {
      const number = check(value)
      if (typeof number !== "number") return number
      numbers[row] = number
      return undefined
    },
    putNull: (row) => {
      numbers[row] = NaN
    },
    values: new NumberValues(numbers, format)
  }
}
