/** Hash routes: every page has an address, and odd ones land on "not found" rather than a wrong page. */
import { assert, describe, it } from "@effect/vitest"
import { parseRoute, type Route, routeHash, section } from "../../web/src/lib/route.ts"

describe("routes", () => {
  it("parses each page", () => {
    assert.deepStrictEqual(parseRoute(""), { page: "tables" })
    assert.deepStrictEqual(parseRoute("#/"), { page: "tables" })
    assert.deepStrictEqual(parseRoute("#/tables"), { page: "tables" })
    assert.deepStrictEqual(parseRoute("#/tables/abc-1"), { page: "table", uid: "abc-1" })
    assert.deepStrictEqual(parseRoute("#/revisions"), { page: "revisions" })
    assert.deepStrictEqual(parseRoute("#/revisions/0003"), { page: "revisions", revision: "0003" })
    assert.deepStrictEqual(parseRoute("#/nodes/"), { page: "nodes" })
    assert.deepStrictEqual(parseRoute("#/nodes/prices_0a1b"), { page: "node", updateHash: "prices_0a1b" })
  })

  it("refuses what it does not know", () => {
    assert.strictEqual(parseRoute("#/nodes/a/b").page, "not-found")
    assert.strictEqual(parseRoute("#/elsewhere").page, "not-found")
    assert.strictEqual(parseRoute("#/tables/%E0%A4%A").page, "not-found")
  })

  it("round-trips, escaping what needs it", () => {
    const routes: ReadonlyArray<Route> = [
      { page: "tables" },
      { page: "table", uid: "a/b c" },
      { page: "revisions" },
      { page: "revisions", revision: "ae10" },
      { page: "nodes" },
      { page: "node", updateHash: "x_1#2" }
    ]
    for (const route of routes) assert.deepStrictEqual(parseRoute(routeHash(route)), route)
    assert.strictEqual(routeHash({ page: "table", uid: "a/b c" }), "#/tables/a%2Fb%20c")
  })

  it("names the section for the navigation", () => {
    assert.strictEqual(section({ page: "table", uid: "x" }), "tables")
    assert.strictEqual(section({ page: "node", updateHash: "x" }), "nodes")
    assert.strictEqual(section({ page: "not-found", hash: "#x" }), undefined)
  })
})
