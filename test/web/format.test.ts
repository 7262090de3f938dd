/** The dashboard's formatting of counts, durations, instants and hashes. */
import { assert, describe, it } from "@effect/vitest"
import { formatCount, formatDuration, formatInstant, formatRelative, formatTimeIndex, shortHash } from "../../web/src/lib/format.ts"

describe("format", () => {
  it("counts with separators, a dash for none", () => {
    assert.strictEqual(formatCount(1204), "1,204")
    assert.strictEqual(formatCount(0), "0")
    assert.strictEqual(formatCount(null), "-")
    assert.strictEqual(formatCount(Number.NaN), "-")
  })

  it("durations at the scale that reads best", () => {
    assert.strictEqual(formatDuration(850), "850 ms")
    assert.strictEqual(formatDuration(2_440), "2.4 s")
    assert.strictEqual(formatDuration(42_000), "42 s")
    assert.strictEqual(formatDuration(192_000), "3 min 12 s")
    assert.strictEqual(formatDuration(180_000), "3 min")
    assert.strictEqual(formatDuration(7_500_000), "2 h 5 min")
    assert.strictEqual(formatDuration(273_600_000), "3 d 4 h")
    assert.strictEqual(formatDuration(-2_000), "-2.0 s")
    assert.strictEqual(formatDuration(undefined), "-")
  })

  it("instants in UTC to the second; dates for midnight time indexes", () => {
    assert.strictEqual(formatInstant("2026-12-02T18:40:12.345Z"), "2026-12-02 18:40:12 UTC")
    assert.strictEqual(formatInstant("2026-12-02T19:40:12+01:00"), "2026-12-02 18:40:12 UTC")
    assert.strictEqual(formatInstant(null), "-")
    assert.strictEqual(formatInstant("not a date"), "not a date")
    assert.strictEqual(formatTimeIndex("2025-01-02T00:00:00.000Z"), "2025-01-02")
    assert.strictEqual(formatTimeIndex("2025-01-02T15:30:00Z"), "2025-01-02 15:30:00 UTC")
  })

  it("relative times past and future, coarse", () => {
    const now = new Date("2026-12-02T18:00:00Z")
    assert.strictEqual(formatRelative("2026-12-02T17:57:00Z", now), "3 min ago")
    assert.strictEqual(formatRelative("2026-12-02T17:56:30Z", now), "3 min ago")
    assert.strictEqual(formatRelative("2026-12-02T20:00:00Z", now), "in 2 h")
    assert.strictEqual(formatRelative("2026-12-02T17:59:58Z", now), "just now")
    assert.strictEqual(formatRelative(null, now), "never")
  })

  it("update hashes keep the kind and 8 digits", () => {
    assert.strictEqual(shortHash("dailyreturns_0123456789abcdef0123456789abcdef"), "dailyreturns_01234567")
    assert.strictEqual(shortHash("a_b_0123456789abcdef"), "a_b_01234567")
    assert.strictEqual(shortHash("0123456789abcdef0123"), "0123456789ab")
  })
})
