/**
 * The timestamp family through row validation: the time index and value columns of timestamp with time
 * zone (a real instant, stored as canonical UTC text, rounded like PostgreSQL to the declared precision) and
 * timestamp without time zone (the wall time, no offset). Moved from RowValidation.test.ts, assertions
 * unchanged.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { canonicalInstant } from "../../../src/index.ts"
import {
  accept,
  columnCases,
  encoded,
  readings,
  type Reason,
  refusal,
  refuse,
  show,
  T1,
  valuesOf
} from "../fixtures/RowValidationFixtures.ts"

describe("the time index: a real instant, stored as UTC", () => {
  const timeCases: ReadonlyArray<readonly [unknown, string]> = [
    [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000Z"],
    ["2024-01-02T03:04:05.678901Z", "2024-01-02T03:04:05.678901Z"],
    ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000000Z"],
    ["2024-01-02T03:04Z", "2024-01-02T03:04:00.000000Z"],
    ["2024-01-02t03:04:05z", "2024-01-02T03:04:05.000000Z"],
    ["2024-01-02 03:04:05.5Z", "2024-01-02T03:04:05.500000Z"],
    ["2024-01-02T03:04:05+02:00", "2024-01-02T01:04:05.000000Z"],
    ["2024-01-02T03:04:05+0200", "2024-01-02T01:04:05.000000Z"],
    ["2024-01-02T03:04:05+02", "2024-01-02T01:04:05.000000Z"],
    ["2024-01-02T03:04:05-05:30", "2024-01-02T08:34:05.000000Z"],
    ["2024-01-02T00:30:00+01:00", "2024-01-01T23:30:00.000000Z"],
    ["2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00.000000Z"],
    ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000000Z"],
    ["2024-01-02T03:04:05.123456789+02:00", "2024-01-02T01:04:05.123457Z"],
    ["2024-01-01T00:00:00+15:59", "2023-12-31T08:01:00.000000Z"],
    ["2024-01-01T00:00:00-15:59", "2024-01-01T15:59:00.000000Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z"],
    ["9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z"],
    [new Date("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00.000000Z"],
    [new Date(-1), "1969-12-31T23:59:59.999000Z"]
  ]
  for (const [input, text] of timeCases) {
    it(`stores ${show(input)} as ${text}`, () => assert.strictEqual(encoded("timeIndex", input), text))
  }

  it("gives rows that share an instant the same text, however it is given", () => {
    const instant = new Date("2024-01-02T03:04:05.678Z")
    const batch = accept(readings, [
      { timeIndex: instant, sensor: "s1" },
      { timeIndex: new Date(instant.getTime()), sensor: "s2" },
      { timeIndex: "2024-01-02T04:04:05.678+01:00", sensor: "s3" },
      { timeIndex: instant, sensor: "s4" }
    ])
    assert.deepStrictEqual(new Set(valuesOf(batch, "timeIndex")), new Set(["2024-01-02T03:04:05.678000Z"]))
  })

  it("keeps canonical text as it is", () => {
    const text = "2024-01-02T03:04:05.678901Z"
    assert.strictEqual(valuesOf(accept(readings, [{ timeIndex: text, sensor: "s1" }]), "timeIndex")[0], text)
  })

  // What PostgreSQL 17 stores for these: it reads the fraction as a double and takes rint(fraction * 1e6).
  it.each([
    ["2024-01-01T00:00:00.1234565Z", "2024-01-01T00:00:00.123456Z"],
    ["2024-01-01T00:00:00.0000005Z", "2024-01-01T00:00:00.000000Z"],
    ["2024-01-01T00:00:00.0000015Z", "2024-01-01T00:00:00.000002Z"],
    ["2024-01-01T00:00:00.0000025Z", "2024-01-01T00:00:00.000002Z"],
    ["2024-01-01T00:00:00.12345651Z", "2024-01-01T00:00:00.123457Z"],
    ["2024-12-31T23:59:59.9999996Z", "2025-01-01T00:00:00.000000Z"],
    ["2024-01-01T00:59:59.9999996+01:00", "2024-01-01T00:00:00.000000Z"]
  ])("rounds the fraction of %s like PostgreSQL: %s", (input, text) => {
    assert.strictEqual(valuesOf(accept(readings, [{ timeIndex: input, sensor: "s1" }]), "timeIndex")[0], text)
  })

  const addOffset = "add an offset: Z for UTC (2024-01-02T00:00:00Z) or the offset of the local time (+02:00)"
  it.each([
    ["2024-01-02", "add a time and an offset: 2024-01-02T00:00:00Z"],
    ["2024-01-02T03:04:05", addOffset],
    ["2024-01-02 03:04:05.123456", addOffset]
  ])("refuses the naive %s and says how to fix it", (input, hint) => {
    const error = refuse(readings, [{ timeIndex: input, sensor: "s1" }])
    assert.strictEqual(error.column, "timeIndex")
    assert.strictEqual(error.reason, "naive-instant")
    assert.strictEqual(error.found, `${JSON.stringify(input)} (a string)`)
    assert.strictEqual(error.expected, "a Date or an ISO-8601 string with a UTC offset, like 2024-01-02T00:00:00Z")
    assert.strictEqual(error.hint, hint)
  })

  it.each<readonly [unknown, Reason]>([
    ["yesterday", "invalid-value"],
    ["", "invalid-value"],
    ["2024-1-2T00:00:00Z", "invalid-value"],
    ["2024/01/02T00:00:00Z", "invalid-value"],
    ["2024-01-02X00:00:00Z", "invalid-value"],
    ["2024-01-02T3:04:05Z", "invalid-value"],
    ["2024-01-02T03:04:05.Z", "invalid-value"],
    ["2024-01-02T03:04:05 Z", "invalid-value"],
    ["2024-01-02T03:04:05+02:00:00", "invalid-value"],
    ["2024-01-02T03:04:05+2", "invalid-value"],
    ["2024-01-02T03:04:05+02:60", "invalid-value"],
    ["2024-01-02T03:04:05+16:00", "invalid-value"],
    ["2024-01-02T03:04:05Zjunk", "invalid-value"],
    ["2023-02-29T00:00:00Z", "invalid-value"],
    ["2024-13-01T00:00:00Z", "invalid-value"],
    ["2024-04-31T00:00:00Z", "invalid-value"],
    ["2024-01-02T24:00:00Z", "invalid-value"],
    ["2024-01-02T23:60:00Z", "invalid-value"],
    ["2024-01-02T23:59:60Z", "invalid-value"],
    ["0000-12-31T00:00:00Z", "out-of-range"],
    ["0001-01-01T00:30:00+01:00", "out-of-range"],
    ["9999-12-31T23:30:00-01:00", "out-of-range"],
    ["9999-12-31T23:59:59.9999995Z", "out-of-range"],
    [new Date(Number.NaN), "invalid-value"],
    [new Date("0000-12-31T23:59:59.999Z"), "out-of-range"],
    [new Date("+010000-01-01T00:00:00Z"), "out-of-range"],
    [1704153600000, "wrong-type"],
    [1704153600000n, "wrong-type"],
    [{ iso: T1 }, "wrong-type"],
    [true, "wrong-type"]
  ])("refuses %s (%s)", (input, reason) => {
    const error = refuse(readings, [{ timeIndex: input, sensor: "s1" }])
    assert.strictEqual(error.column, "timeIndex")
    assert.strictEqual(error.reason, reason)
  })

  it("says what an invalid Date is", () => {
    assert.strictEqual(refuse(readings, [{ timeIndex: new Date(Number.NaN), sensor: "s1" }]).found, "an invalid Date")
  })
})

describe("timestamp with time zone value columns", () => {
  columnCases("seenAt", {
    takes: [
      ["2024-01-02T03:04:05.000006-01:00", "2024-01-02T04:04:05.000006Z"],
      [new Date("2024-01-02T03:04:05.006Z"), "2024-01-02T03:04:05.006000Z"]
    ],
    refuses: [["2024-01-02T03:04:05", "naive-instant"], [0, "wrong-type"]]
  })

  it("stores null as NULL: the column is nullable", () => assert.isNull(encoded("seenAt", null)))

  describe("rounded like PostgreSQL to the declared precision, half away from 2000-01-01", () => {
    columnCases("seenMs", {
      takes: [
        ["2024-01-02T03:04:05.1234Z", "2024-01-02T03:04:05.123000Z"],
        ["2024-01-02T03:04:05.1235Z", "2024-01-02T03:04:05.124000Z"],
        ["2024-01-02T03:04:05.9995Z", "2024-01-02T03:04:06.000000Z"],
        ["1999-12-31T23:59:59.9995Z", "1999-12-31T23:59:59.999000Z"],
        ["1999-12-31T23:59:59.9996Z", "2000-01-01T00:00:00.000000Z"],
        [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000Z"]
      ]
    })
    columnCases("seenSecond", {
      takes: [
        ["2024-01-02T10:00:00.5Z", "2024-01-02T10:00:01.000000Z"],
        ["2024-01-02T10:00:00.4999Z", "2024-01-02T10:00:00.000000Z"],
        ["1999-12-31T23:59:59.5Z", "1999-12-31T23:59:59.000000Z"],
        ["1999-12-31T23:59:59.5001Z", "2000-01-01T00:00:00.000000Z"],
        ["2024-12-31T23:59:59.5Z", "2025-01-01T00:00:00.000000Z"],
        ["2024-01-02T12:00:00.5+02:00", "2024-01-02T10:00:01.000000Z"],
        [new Date("2024-01-02T10:00:00.500Z"), "2024-01-02T10:00:01.000000Z"],
        [new Date("1999-12-31T23:59:59.500Z"), "1999-12-31T23:59:59.000000Z"],
        [new Date("1969-12-31T23:59:59.700Z"), "1970-01-01T00:00:00.000000Z"]
      ],
      refuses: [
        ["9999-12-31T23:59:59.5Z", "out-of-range"],
        [new Date("9999-12-31T23:59:59.500Z"), "out-of-range"]
      ]
    })
  })
})

describe("timestamp without time zone", () => {
  columnCases("wall", {
    takes: [
      ["2024-01-02T03:04:05", "2024-01-02T03:04:05.000000"],
      ["2024-01-02 03:04:05.123456", "2024-01-02T03:04:05.123456"],
      ["2024-01-02", "2024-01-02T00:00:00.000000"],
      ["2024-01-02T03:04", "2024-01-02T03:04:00.000000"],
      [new Date("2024-01-02T03:04:05.678Z"), "2024-01-02T03:04:05.678000"]
    ],
    refuses: [
      ["2024-01-02T03:04:05Z", "invalid-value"],
      ["2024-01-02T03:04:05+02:00", "invalid-value"],
      ["2024-02-30", "invalid-value"],
      ["0000-01-01", "out-of-range"],
      [new Date(Number.NaN), "invalid-value"],
      [20240102, "wrong-type"]
    ]
  })

  it("explains that an offset would be dropped", () => {
    const error = refusal("wall", "2024-01-02T03:04:05Z")
    assert.include(error.hint, "timestamp without time zone and would drop the offset")
    assert.strictEqual(error.expected, "a Date or an ISO-8601 date and time without an offset, like 2024-01-02T00:00:00")
  })

  columnCases("wallCentis", {
    takes: [
      ["2024-01-02T03:04:05.125", "2024-01-02T03:04:05.130000"],
      ["1999-12-31T23:59:59.995", "1999-12-31T23:59:59.990000"],
      ["2024-12-31T23:59:59.995", "2025-01-01T00:00:00.000000"]
    ]
  })
})

// A day inside years 0001 to 9999, so that the wall time at any offset stays inside them too.
const MIN_INSTANT = new Date("0001-01-02T00:00:00Z").getTime()
const MAX_INSTANT = new Date("9999-12-30T00:00:00Z").getTime()

/** `YYYY-MM-DDTHH:MM:SS.mmm±HH:MM`: the wall time of `time` at `offset` minutes from UTC. */
const isoAtOffset = (time: number, offset: number): string => {
  const wall = new Date(time + offset * 60_000).toISOString().slice(0, 23)
  const magnitude = Math.abs(offset)
  const hours = String(Math.floor(magnitude / 60)).padStart(2, "0")
  const minutes = String(magnitude % 60).padStart(2, "0")
  return `${wall}${offset < 0 ? "-" : "+"}${hours}:${minutes}`
}

describe("properties", () => {
  it.prop(
    "an instant has one canonical text, from a Date or from ISO text at any offset PostgreSQL takes",
    {
      time: Schema.Int.check(Schema.isBetween({ minimum: MIN_INSTANT, maximum: MAX_INSTANT })),
      offset: Schema.Int.check(Schema.isBetween({ minimum: -959, maximum: 959 }))
    },
    ({ time, offset }) => {
      const expected = `${new Date(time).toISOString().slice(0, 23)}000Z`
      assert.strictEqual(Result.getOrThrow(canonicalInstant(new Date(time))), expected)
      assert.strictEqual(Result.getOrThrow(canonicalInstant(isoAtOffset(time, offset))), expected)
    }
  )
})
