/**
 * The boolean family through row validation: booleans only. Moved from RowValidation.test.ts, assertions
 * unchanged.
 */
import { describe } from "@effect/vitest"
import { columnCases } from "../fixtures/RowValidationFixtures.ts"

describe("bool", () => {
  columnCases("flag", {
    takes: [[true, "true"], [false, "false"]],
    refuses: [["true", "wrong-type"], [1, "wrong-type"], [0, "wrong-type"]]
  })
})
