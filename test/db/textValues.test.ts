/**
 * The text decoders behind the embedded client's timestamps and intervals.
 */
import { assert, describe, it } from "@effect/vitest"
import { parseInterval, parseTimestamp } from "../../src/db/internal/textValues.ts"

describe("parseTimestamp", () => {
  it.each([
    ["2024-03-01 12:34:56", "2024-03-01T12:34:56.000Z"],
    ["2024-03-01 12:34:56.789123", "2024-03-01T12:34:56.789Z"],
    ["2024-03-01 12:34:56.5+00", "2024-03-01T12:34:56.500Z"],
    ["2024-03-01 18:04:56.789+05:30", "2024-03-01T12:34:56.789Z"],
    ["2024-03-01 04:34:56-08", "2024-03-01T12:34:56.000Z"],
    ["1900-01-01 00:00:00+00:09:21", "1899-12-31T23:50:39.000Z"],
    ["0099-06-15 00:00:00+00", "0099-06-15T00:00:00.000Z"],
    ["0001-01-01 00:00:00+00 BC", "0000-01-01T00:00:00.000Z"],
    ["12345-01-01 00:00:00+00", "+012345-01-01T00:00:00.000Z"]
  ])("%s is %s", (text, iso) => {
    assert.strictEqual(parseTimestamp(text).toISOString(), iso)
  })

  it("gives an invalid Date for infinity, as the server client does", () => {
    assert.isNaN(parseTimestamp("infinity").getTime())
    assert.isNaN(parseTimestamp("-infinity").getTime())
  })

  it("refuses text in another DateStyle", () => {
    assert.throws(() => parseTimestamp("03/01/2024 12:34:56"), /DateStyle ISO/)
  })
})

describe("parseInterval", () => {
  it.each([
    ["00:00:00", { months: 0, days: 0, microseconds: 0n }],
    ["1 day", { months: 0, days: 1, microseconds: 0n }],
    ["1 year 2 mons 3 days 04:05:06.789", { months: 14, days: 3, microseconds: 14_706_789_000n }],
    ["-1 years -2 mons +3 days -04:05:06", { months: -14, days: 3, microseconds: -14_706_000_000n }],
    ["-00:00:00.000001", { months: 0, days: 0, microseconds: -1n }],
    ["2562047788:00:54.775807", { months: 0, days: 0, microseconds: 9223372036854775807n }]
  ])("%s", (text, expected) => {
    assert.deepStrictEqual(parseInterval(text), expected)
  })

  it("refuses another IntervalStyle", () => {
    assert.throws(() => parseInterval("P1D"), /IntervalStyle postgres/)
    assert.throws(() => parseInterval("@ 1 day ago"), /IntervalStyle postgres/)
  })
})
