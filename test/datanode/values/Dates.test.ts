/**
 * The date family through row validation: a YYYY-MM-DD string or a Date, a real date in years 0001 to 9999.
 * Moved from RowValidation.test.ts, assertions unchanged.
 */
import { describe } from "@effect/vitest"
import { columnCases } from "../fixtures/RowValidationFixtures.ts"

describe("date", () => {
  columnCases("day", {
    takes: [
      ["2024-02-29", "2024-02-29"],
      ["0001-01-01", "0001-01-01"],
      ["9999-12-31", "9999-12-31"],
      [new Date("2024-01-02T23:30:00-05:00"), "2024-01-03"],
      [new Date("2024-01-02T00:00:00Z"), "2024-01-02"]
    ],
    refuses: [
      ["2023-02-29", "invalid-value"],
      ["2024-00-10", "invalid-value"],
      ["2024-1-2", "invalid-value"],
      ["2024-01-02T00:00:00Z", "invalid-value"],
      ["20240102", "invalid-value"],
      ["0000-01-01", "out-of-range"],
      [new Date(Number.NaN), "invalid-value"],
      [new Date("+010000-01-01T00:00:00Z"), "out-of-range"],
      [20240102, "wrong-type"]
    ]
  })
})
