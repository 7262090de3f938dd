/** Paging a table's rows by time: no row twice, none lost at a page boundary, and a stop where paging cannot go on. */
import { assert, describe, it } from "@effect/vitest"
import { nextPage, type RowPage } from "../../web/src/lib/rowPages.ts"

const t = (day: number) => new Date(Date.UTC(2025, 0, 1 + day)).toISOString()
const row = (day: number, entity: string) => ({ time_index: t(day), asset: entity })

/** A fake server over `all` (ordered by time, entity): `from` inclusive, at most `limit` rows. */
const serve = (all: ReadonlyArray<ReturnType<typeof row>>, limit: number) => (from: string | undefined): RowPage => {
  const rows = all.filter((one) => from === undefined || Date.parse(one.time_index) >= Date.parse(from))
  return { rows: rows.slice(0, limit), truncated: rows.length > limit }
}

const readAll = (fetch: (from: string | undefined) => RowPage, maxPages = 100) => {
  const kept: Array<Record<string, unknown>> = []
  let from: string | undefined
  for (let pages = 0; pages < maxPages; pages++) {
    const step = nextPage(fetch(from), "time_index", from)
    kept.push(...step.keep)
    if (step._tag === "Done") return { rows: kept, incomplete: step.incomplete, pages: pages + 1 }
    from = step.from
  }
  throw new Error("did not finish")
}

describe("nextPage", () => {
  it("reads every row once when pages cut an instant in two", () => {
    const all = Array.from({ length: 10 }, (_, day) => ["A", "B", "C"].map((entity) => row(day, entity))).flat()
    const result = readAll(serve(all, 7))
    assert.deepStrictEqual(result.rows, all)
    assert.isFalse(result.incomplete)
    assert.isAbove(result.pages, 4)
  })

  it("a single page is kept whole", () => {
    const all = [row(0, "A"), row(1, "A")]
    assert.deepStrictEqual(nextPage({ rows: all, truncated: false }, "time_index", undefined), { _tag: "Done", keep: all, incomplete: false })
  })

  it("stops, saying so, when one instant holds more rows than a page", () => {
    const all = [row(0, "A"), ...["A", "B", "C", "D", "E"].map((entity) => row(1, entity)), row(2, "A")]
    const result = readAll(serve(all, 3))
    assert.isTrue(result.incomplete)
    assert.deepStrictEqual(result.rows.slice(0, 1), [row(0, "A")])
    assert.strictEqual(new Set(result.rows.map((one) => JSON.stringify(one))).size, result.rows.length)
  })
})
