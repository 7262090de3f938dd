/**
 * What a value encoder returns instead of text when it refuses a value: the reason, what the column expects
 * and how to fix it. Row validation turns it into a `RowValidationError` naming the row and column. Allocated
 * only on failure, so that the encoders' happy path allocates nothing but their text.
 */
import type { RowValidationReason } from "../RowValidationError.ts"

export interface ValueProblem {
  readonly reason: RowValidationReason
  readonly expected: string
  readonly hint: string
  /** Overrides the rendering of the value (a part of it: `a bigint at $.a[2]`). */
  readonly found: string | undefined
}

export const valueProblem = (
  reason: RowValidationReason,
  expected: string,
  hint = "",
  found?: string
): ValueProblem => ({
  reason,
  expected,
  hint,
  found
})
