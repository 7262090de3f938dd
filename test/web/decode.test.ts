/** Reading the serve API's documents into the dashboard's shapes, and naming the field when one is wrong. */
import { assert, describe, it } from "@effect/vitest"
import {
  ApiShapeError,
  decodeConfiguration,
  decodeNodeDetail,
  decodeNodes,
  decodeRevisions,
  decodeRows,
  decodeRuns,
  decodeStructure,
  decodeTableDetail,
  decodeTables,
  errorReason,
  watermarkEntityKey
} from "../../web/src/api/decode.ts"

const tableRow = {
  uid: "6f1c",
  identifier: "prices",
  namespace: "example",
  kind: "time-indexed",
  role: "application",
  schema: "public",
  table: "example_prices",
  status: "active",
  statusReason: null,
  provider: "example",
  revision: "0003",
  contractHash: "c0ffee",
  updatedAt: "2026-12-02T10:00:00.000Z"
}

const contract = {
  version: "relational-table.v1",
  table_kind: "time_indexed",
  authoring: { time_indexed: { time_index_name: "time_index", index_names: ["time_index", "asset"], cadence: "1d" } },
  physical: { schema: "public", table_name: "example_prices" },
  columns: [
    { name: "time_index", data_type: "timestamp", backend_type: "timestamp with time zone", nullable: false, primary_key: false, unique: false, description: "when", label: "Time" },
    { name: "asset", data_type: "text", backend_type: "text", nullable: false, primary_key: false, unique: false, description: "", label: "Asset" },
    { name: "close", data_type: "double", backend_type: "double precision", nullable: true, primary_key: false, unique: false, server_default: "0", description: "closing price", label: "Close" }
  ],
  constraints: []
}

describe("tables", () => {
  it("reads the list as `catalog list --json` writes it", () => {
    const [table] = decodeTables({ tables: [tableRow] })
    assert.deepStrictEqual(table, {
      uid: "6f1c",
      identifier: "prices",
      namespace: "example",
      kind: "time-indexed",
      physical: "public.example_prices",
      status: "active",
      provider: "example",
      revision: "0003"
    })
  })

  it("reads a table's detail: columns, grain, indexes, keys, rows and time range", () => {
    const table = decodeTableDetail({
      ...tableRow,
      description: "Daily prices",
      contract,
      indexes: [{ name: "prices_grain", columns: ["time_index", "asset"], unique: true }],
      foreignKeys: [{ name: "fk_asset", columns: ["asset"], references: "public.assets", referencedColumns: ["symbol"] }],
      rowCount: "1250",
      timeRange: { first: "2025-01-02T00:00:00.000Z", last: "2025-12-31T00:00:00.000Z" }
    })
    assert.deepStrictEqual(table.grain, { timeIndex: "time_index", entityColumns: ["asset"], cadence: "1d" })
    assert.deepStrictEqual(table.columns.map((column) => [column.name, column.type, column.defaultValue]), [
      ["time_index", "timestamp with time zone", null],
      ["asset", "text", null],
      ["close", "double precision", "0"]
    ])
    assert.strictEqual(table.rowCount, 1250)
    assert.strictEqual(table.indexes?.[0]!.unique, true)
    assert.strictEqual(table.foreignKeys?.[0]!.references, "public.assets")
    assert.strictEqual(table.timeRange?.last, "2025-12-31T00:00:00.000Z")
    assert.strictEqual(table.contractVersion, "relational-table.v1")
  })

  it("a relational table has no grain; missing counts and ranges are none", () => {
    const table = decodeTableDetail({ ...tableRow, contract: { ...contract, authoring: {} } })
    assert.strictEqual(table.grain, null)
    assert.strictEqual(table.rowCount, null)
    assert.strictEqual(table.timeRange, null)
    assert.strictEqual(table.indexes, null)
    assert.strictEqual(table.foreignKeys, null)
  })

  it("names the field that is wrong", () => {
    const error = assert.throws(() => decodeTables({ tables: [{ ...tableRow, status: 3 }] }), ApiShapeError) as unknown as ApiShapeError
    assert.strictEqual(error.path, "tables[0].status")
    assert.match(error.message, /has number at tables\[0\]\.status, where the dashboard expects a string/)
    assert.throws(() => decodeTables({}), /nothing at answer\.tables/)
    assert.throws(() => decodeTableDetail({ ...tableRow, contract: { ...contract, columns: {} } }), /table\.contract\.columns/)
  })
})

describe("rows", () => {
  it("takes object rows, or array rows beside their column names", () => {
    assert.deepStrictEqual(decodeRows({ rows: [{ a: 1 }] }), { rows: [{ a: 1 }], truncated: false })
    assert.deepStrictEqual(decodeRows({ columns: ["a", "b"], rows: [[1, "x"]], truncated: true }), {
      rows: [{ a: 1, b: "x" }],
      truncated: true
    })
    assert.throws(() => decodeRows({ rows: [[1]] }), /answer\.columns/)
  })
})

describe("revisions", () => {
  it("reads parents, labels, SQL and notes; applied from the list when a revision does not say", () => {
    const view = decodeRevisions({
      current: ["0002"],
      heads: ["0003"],
      applied: ["0001", "0002"],
      revisions: [
        { revision: "0003", downRevisions: ["0002"], message: "drop a column", sql: "ALTER TABLE x DROP COLUMN y;", destructive: ["drops x.y"] },
        { revision: "0002", downRevisions: "0001", branchLabels: ["accounts"] },
        { revision: "0001", downRevisions: null, applied: true }
      ]
    })
    assert.deepStrictEqual(view.revisions.map((one) => [one.revision, one.parents, one.applied, one.head]), [
      ["0003", ["0002"], false, true],
      ["0002", ["0001"], true, false],
      ["0001", [], true, false]
    ])
    assert.deepStrictEqual(view.revisions[0]!.destructive, ["drops x.y"])
    assert.strictEqual(view.revisions[1]!.sql, null)
    assert.deepStrictEqual(view.current, ["0002"])
  })
})

describe("nodes", () => {
  const now = new Date("2026-12-02T12:00:00Z")
  const lastRun = {
    uid: "r1",
    status: "failed",
    startedAt: "2026-12-02T11:00:00Z",
    finishedAt: "2026-12-02T11:00:03Z",
    attempts: 3,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsUnchanged: 0,
    error: { _tag: "SqlError", message: "relation does not exist" }
  }

  it("takes the server's state, or derives it from the last run", () => {
    const [stated, derived] = decodeNodes({
      nodes: [
        { updateHash: "p_1", kind: "Prices", table: "prices", dependsOn: [], state: "overdue", lastRun: null },
        { updateHash: "r_1", kind: "Returns", table: "returns", dependsOn: ["p_1"], lastRun, lastSuccessAt: null }
      ]
    }, now)
    assert.strictEqual(stated!.state, "overdue")
    assert.strictEqual(derived!.state, "failed")
    assert.strictEqual(derived!.lastRun?.error, "relation does not exist")
    assert.deepStrictEqual(derived!.dependsOn, ["p_1"])
  })

  it("reads a node's configuration and watermarks", () => {
    const node = decodeNodeDetail({
      updateHash: "p_1",
      kind: "Prices",
      table: "prices",
      state: "fresh",
      hashNamespace: null,
      configuration: { seed: 42 },
      watermarks: [{ entity: ["ACME"], first: "2025-01-02T00:00:00Z", last: "2025-12-31T00:00:00Z" }]
    }, now)
    assert.deepStrictEqual(node.configuration, { seed: 42 })
    assert.deepStrictEqual(node.watermarks, [{ entity: '["ACME"]', first: "2025-01-02T00:00:00Z", last: "2025-12-31T00:00:00Z" }])
    assert.strictEqual(watermarkEntityKey({ accountUid: "3f6c", assetIdentifier: "ACME" }), '["3f6c","ACME"]')
    assert.strictEqual(watermarkEntityKey({ id: 7, day: null }), '["7",null]')
    assert.strictEqual(watermarkEntityKey(null), "[]")
  })

  it("reads a page of runs and its cursor", () => {
    const page = decodeRuns({ runs: [lastRun], next: "c2" })
    assert.strictEqual(page.runs[0]!.attempts, 3)
    assert.strictEqual(page.next, "c2")
    assert.throws(() => decodeRuns({ runs: [{ ...lastRun, startedAt: null }] }), /runs\[0\]\.startedAt/)
  })
})

describe("revisions from `migrations history --json`", () => {
  it("takes ids, parents and markers; applied is what the current revisions build on", () => {
    const view = decodeRevisions({
      current: ["b1"],
      revisions: [
        { id: "m", parents: ["b1", "b2"], dependsOn: [], branchLabels: [], message: "merge", markers: ["head"] },
        { id: "b2", parents: ["a"], dependsOn: [], branchLabels: [], message: "two", markers: [] },
        { id: "b1", parents: ["a"], dependsOn: ["x"], branchLabels: ["one"], message: "one", markers: ["current"] },
        { id: "x", parents: [], dependsOn: [], branchLabels: [], message: "other base", markers: [] },
        { id: "a", parents: [], dependsOn: [], branchLabels: [], message: "base", markers: [] }
      ]
    })
    assert.deepStrictEqual(view.heads, ["m"])
    assert.deepStrictEqual(
      view.revisions.filter((one) => one.applied).map((one) => one.revision).sort(),
      ["a", "b1", "x"]
    )
    assert.deepStrictEqual(view.revisions.find((one) => one.revision === "m")!.parents, ["b1", "b2"])
    assert.strictEqual(view.revisions.find((one) => one.revision === "m")!.head, true)
  })
})

describe("errorReason", () => {
  it("says what the serve API's tagged errors say", () => {
    assert.strictEqual(errorReason(400, JSON.stringify({ _tag: "BadRequest", problems: ["limit too big", "bad from"] })), "limit too big; bad from")
    assert.strictEqual(errorReason(404, JSON.stringify({ _tag: "NotFound", what: "table x" })), "not found: table x")
    assert.strictEqual(errorReason(401, JSON.stringify({ _tag: "Unauthorized", reason: "wrong" })), "the token was refused (wrong)")
    assert.strictEqual(errorReason(500, JSON.stringify({ message: "boom" })), "boom")
    assert.strictEqual(errorReason(502, "<html>bad gateway</html>"), "<html>bad gateway</html>")
    assert.strictEqual(errorReason(503, ""), "status 503")
  })
})

describe("structure", () => {
  it("reads the dashboard API's indexes and foreign keys", () => {
    assert.deepStrictEqual(
      decodeStructure({
        indexes: [{ name: "pk", columns: ["uid"], unique: true, primary: true }],
        foreignKeys: [{ name: "fk", columns: ["account_uid"], references: "accounts", referencedColumns: ["uid"] }]
      }),
      {
        indexes: [{ name: "pk", columns: ["uid"], unique: true }],
        foreignKeys: [{ name: "fk", columns: ["account_uid"], references: "accounts", referencedColumns: ["uid"] }]
      }
    )
    assert.throws(() => decodeStructure({ indexes: [] }), /structure\.foreignKeys/)
  })
})

describe("configuration", () => {
  it("reads the dashboard API's configuration document", () => {
    assert.deepStrictEqual(decodeConfiguration({ updateHash: "p_1", kind: "Prices", configuration: { seed: 42 } }), { seed: 42 })
    assert.strictEqual(decodeConfiguration({ configuration: null }), null)
    assert.throws(() => decodeConfiguration({ kind: "Prices" }), /configuration\.configuration/)
  })
})
