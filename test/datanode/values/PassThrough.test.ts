/**
 * Every other type through row validation (interval, enums): strings passed through for PostgreSQL to
 * parse. Moved from RowValidation.test.ts, assertions unchanged.
 */
import { describe } from "@effect/vitest"
import { columnCases } from "../fixtures/RowValidationFixtures.ts"

describe("other types: strings passed through for PostgreSQL to parse", () => {
  columnCases("span", {
    takes: [["1 day", "1 day"], ["P1D", "P1D"]],
    refuses: [[86400, "wrong-type"], ["1 day\u0000", "invalid-value"]]
  })
  columnCases("mood", { takes: [["calm", "calm"]], refuses: [[1, "wrong-type"]] })
})
