/** Rows as uPlot's aligned columns: a series per entity, gaps as null, numbers from text, 100k rows. */
import { assert, describe, it } from "@effect/vitest"
import {
  chartNumber,
  chartSeconds,
  entityKey,
  entityKeys,
  entityLabel,
  isNumericType,
  prepareSeries,
  runHistorySeries
} from "../../web/src/lib/chartData.ts"

const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString()

describe("chart values", () => {
  it("reads numbers, numeric text, bigints and booleans; refuses the rest", () => {
    assert.strictEqual(chartNumber(1.5), 1.5)
    assert.strictEqual(chartNumber("101.25"), 101.25)
    assert.strictEqual(chartNumber("9007199254740993"), 9007199254740992)
    assert.strictEqual(chartNumber(3n), 3)
    assert.strictEqual(chartNumber(true), 1)
    assert.strictEqual(chartNumber(""), null)
    assert.strictEqual(chartNumber("abc"), null)
    assert.strictEqual(chartNumber(null), null)
    assert.strictEqual(chartNumber(Number.POSITIVE_INFINITY), null)
  })

  it("reads instants as epoch seconds", () => {
    assert.strictEqual(chartSeconds("2025-01-01T00:00:00Z"), 1735689600)
    assert.strictEqual(chartSeconds(new Date(1_000)), 1)
    assert.strictEqual(chartSeconds("yesterday"), null)
  })

  it("keys and names entities as the watermarks do", () => {
    assert.strictEqual(entityKey({ asset: "ACME", account: 7 }, ["asset", "account"]), '["ACME","7"]')
    assert.strictEqual(entityLabel('["ACME","7"]'), "ACME / 7")
    assert.strictEqual(entityLabel("[]"), "all rows")
    assert.strictEqual(entityLabel('[null]'), "∅")
    assert.strictEqual(entityLabel("not json"), "not json")
    assert.deepStrictEqual(entityKeys([{ a: "x" }, { a: "y" }, { a: "x" }], ["a"]), ['["x"]', '["y"]'])
  })

  it("knows which column types chart", () => {
    for (const type of ["integer", "bigint", "double precision", "numeric(12, 4)", "real", "smallint", "boolean"]) {
      assert.isTrue(isNumericType(type), type)
    }
    for (const type of ["text", "timestamp with time zone", "jsonb", "uuid", "integer[]".replace("integer", "text")]) {
      assert.isFalse(isNumericType(type), type)
    }
  })
})

describe("prepareSeries", () => {
  const rows = [
    { time_index: day(2), asset: "B", close: "20" },
    { time_index: day(0), asset: "A", close: 1 },
    { time_index: day(1), asset: "A", close: 2 },
    { time_index: day(1), asset: "B", close: 10 },
    { time_index: "bad", asset: "A", close: 3 },
    { time_index: day(3), asset: "A", close: null }
  ]
  const request = { timeColumn: "time_index", valueColumn: "close", entityColumns: ["asset"] }

  it("aligns every entity on the union of instants, null where one has no point", () => {
    const prepared = prepareSeries(rows, request)
    assert.deepStrictEqual(prepared.data[0], [0, 1, 2].map((n) => Date.UTC(2025, 0, 1 + n) / 1000))
    assert.deepStrictEqual(prepared.labels, ["B", "A"])
    assert.deepStrictEqual(prepared.data[1], [null, 10, 20])
    assert.deepStrictEqual(prepared.data[2], [1, 2, null])
    assert.strictEqual(prepared.points, 4)
    assert.strictEqual(prepared.skipped, 2)
  })

  it("draws only the chosen entities, in the order chosen, keeping chosen ones without rows", () => {
    const prepared = prepareSeries(rows, { ...request, entities: ['["A"]', '["Z"]'] })
    assert.deepStrictEqual(prepared.labels, ["A", "Z"])
    assert.deepStrictEqual(prepared.data[1], [1, 2])
    assert.deepStrictEqual(prepared.data[2], [null, null])
    assert.strictEqual(prepared.points, 2)
  })

  it("takes 100,000 rows of 20 entities into 20 aligned series", () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({
      time_index: new Date(Date.UTC(2000, 0, 1) + Math.floor(i / 20) * 86_400_000).toISOString(),
      asset: `E${i % 20}`,
      close: i
    }))
    const prepared = prepareSeries(many, request)
    assert.strictEqual(prepared.labels.length, 20)
    assert.strictEqual(prepared.data[0].length, 5_000)
    assert.strictEqual(prepared.points, 100_000)
    const xs = prepared.data[0]
    for (let i = 1; i < xs.length; i++) assert.isTrue(xs[i]! > xs[i - 1]!)
    assert.strictEqual(prepared.data[20]![4_999], 99_999)
  })
})

describe("runHistorySeries", () => {
  it("orders runs oldest first, duration in seconds, none for an unfinished run", () => {
    const prepared = runHistorySeries([
      { startedAt: "2026-12-02T10:02:00Z", finishedAt: null, rowsWritten: 0 },
      { startedAt: "2026-12-02T10:01:00Z", finishedAt: "2026-12-02T10:01:02.5Z", rowsWritten: 40 },
      { startedAt: "2026-12-02T10:00:00Z", finishedAt: "2026-12-02T10:00:10Z", rowsWritten: 1_200 }
    ])
    const start = Date.UTC(2026, 11, 2, 10) / 1000
    assert.deepStrictEqual(prepared.data[0], [start, start + 60, start + 120])
    assert.deepStrictEqual(prepared.data[1], [10, 2.5, null])
    assert.deepStrictEqual(prepared.data[2], [1_200, 40, 0])
    assert.strictEqual(prepared.points, 5)
  })
})
