/**
 * A value family: how the columns of one kind of SQL type (timestamps, numerics, text, ...) turn a JavaScript
 * value into the text PostgreSQL reads, and which text their unique index sees as equal. Row validation picks
 * a family per column once per table shape (`valueFamilyOf` in `index.ts`), never per value.
 */
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
}

/** The entity value of most families: the stored text. */
export const entityText = (text: string): string => text

/** A family whose text is its own equality key and its entity value. */
export const plainFamily = (encode: Encode): ValueFamily => ({
  encode,
  equalityKey: undefined,
  entityValue: entityText
})
