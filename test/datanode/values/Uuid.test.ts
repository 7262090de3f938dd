/**
 * The uuid family through row validation: 8-4-4-4-12 hex digits in any case, stored lower-case. Moved from
 * RowValidation.test.ts, assertions unchanged.
 */
import { describe } from "@effect/vitest"
import { columnCases } from "../fixtures/RowValidationFixtures.ts"

describe("uuid: 8-4-4-4-12 hex digits in any case, stored lower-case", () => {
  columnCases("ref", {
    takes: [
      ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
      ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
      ["A0eeBC99-9c0b-4EF8-bb6d-6BB9BD380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],
      ["00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"]
    ],
    refuses: [
      ["a0eebc999c0b4ef8bb6d6bb9bd380a11", "invalid-value"],
      ["{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "invalid-value"],
      ["g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "invalid-value"],
      ["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "invalid-value"],
      ["a0eebc99_9c0b-4ef8-bb6d-6bb9bd380a11", "invalid-value"],
      [123, "wrong-type"]
    ]
  })
})
