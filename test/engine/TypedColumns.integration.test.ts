/**
 * Number and boolean columns that row validation holds as their values (`ColumnValues`), written on both
 * backends by each path `upsertBatch` takes (binary COPY, COPY's text format when a column has no binary
 * writer, a staged merge, the statements over array literals outside a transaction): the table then holds
 * what the same rows given as their encoders' texts put in a twin table, edge values and NULLs included.
 */
import { assert } from "@effect/vitest"
import { bigint, boolean, doublePrecision, integer, real, smallint, text, timestamp } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import { type RowShape, rowShapeOf } from "../../src/datanode/RowShape.ts"
import { validateBatch } from "../../src/datanode/RowValidation.ts"
import { batchColumns, type ValidatedBatch } from "../../src/datanode/ValidatedBatch.ts"
import { valueFamilyOf } from "../../src/datanode/values/index.ts"
import { copyDataOf, upsertBatch } from "../../src/engine/UpsertBatch.ts"
import { PlatformTimeIndexMetaTable } from "../../src/index.ts"
import { createPhysicalTables } from "../support/ddl.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const info = (label: string) => ({ label, description: `${label} of the row.` })

const infoFor = <C extends object>(columns: C) =>
  Object.fromEntries(Object.keys(columns).map((key) => [key, info(key)])) as { [K in keyof C]: ReturnType<typeof info> }

/** A table of every typed column, `withReal` adding a real (which has no binary writer: COPY's text format). */
const typedTable = (name: string, withReal: boolean) => {
  const columns = {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    sensor: text().notNull(),
    x: doublePrecision(),
    small: smallint(),
    n: integer(),
    big: bigint({ mode: "bigint" }),
    flag: boolean(),
    ...(withReal ? { r: real() } : {})
  }
  return PlatformTimeIndexMetaTable()({
    name,
    namespace: "typed",
    identifier: `typed.${name}`,
    description: "Typed columns outside the grain.",
    indexNames: ["time_index", "sensor"],
    columns,
    columnInfo: infoFor(columns)
  })
}

const EDGES: Readonly<Record<string, ReadonlyArray<unknown>>> = {
  x: [-0, 5e-324, 1.7976931348623157e308, -1.7976931348623157e308, 0.1, 0.1 + 0.2, 1 / 3, 100.07, 1e21, 1e-7, 2 ** 53 + 2, null, undefined],
  small: [-32768, 32767, -0, 7n, null],
  n: [-2147483648, 2147483647, 0, -7n, null, undefined],
  big: [9223372036854775807n, -9223372036854775808n, 9007199254740993n, Number.MAX_SAFE_INTEGER, "-00042", -0, null],
  flag: [true, false, null, undefined],
  r: [0.1, 3.4028234663852886e38, 1.4e-45, -0, 16777217, null]
}

/** Row `r` of day `day`: one sensor per row, each column's edge values in turn (left out where undefined). */
const row = (r: number, keys: ReadonlyArray<string>, shift = 0): Record<string, unknown> => {
  const values: Record<string, unknown> = { timeIndex: new Date(Date.UTC(2024, 0, 1, 0, r)), sensor: `s${r % 5}` }
  for (const key of keys) {
    const edges = EDGES[key]!
    const value = edges[(r + shift) % edges.length]
    if (value !== undefined) values[key] = value
  }
  return values
}

const ROWS = 26

const validated = (shape: RowShape, rows: ReadonlyArray<unknown>): ValidatedBatch => {
  const result = validateBatch(shape, rows, { node: "test", batch: 0, firstRow: 0 })
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

/** The batch with each value as its family's encoder writes it, held as text only (as before typed columns). */
const asTexts = (shape: RowShape, batch: ValidatedBatch, rows: ReadonlyArray<Record<string, unknown>>): ValidatedBatch => ({
  rowCount: batch.rowCount,
  columns: batch.columns,
  values: batch.columns.map((column) => {
    const family = valueFamilyOf(shape.columns.find((candidate) => candidate.key === column.key)!)
    return rows.map((values) => {
      const value = values[column.key]
      if (value === undefined || value === null) return null
      const text = family.encode(value)
      if (typeof text !== "string") throw new Error(`${column.key}: refused`)
      return text
    })
  }),
  minTime: batch.minTime,
  maxTime: batch.maxTime,
  entities: batch.entities
})

/** Every column of `table` as the server prints it, in grain order. */
const stored = (table: string, keys: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<Record<string, string | null>>(
      `SELECT ${["time_index", "sensor", ...keys].map((key) => `${key}::text AS ${key}`).join(", ")}
       FROM ${table} ORDER BY time_index, sensor`
    )
    return rows.map((values) => ({ ...values }))
  })

const variants = [
  { name: "binary", withReal: false, format: "binary" },
  { name: "text", withReal: true, format: "text" }
] as const

describeBackends("typed columns", (it) => {
  for (const variant of variants) {
    const [table, twinTable] = [`typed__${variant.name}`, `typed__${variant.name}_texts`]
    const typed = typedTable(table, variant.withReal)
    const twin = typedTable(twinTable, variant.withReal)
    const shape = rowShapeOf(typed)!
    const twinShape = rowShapeOf(twin)!
    const keys = ["x", "small", "n", "big", "flag", ...(variant.withReal ? ["r"] : [])]

    it.effect(`${variant.name} COPY, a staged merge and array literals write what their texts would`, () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        for (const name of [table, twinTable]) yield* sql.unsafe(`DROP TABLE IF EXISTS ${name}`)
        yield* createPhysicalTables([typed, twin])
        const rows = Array.from({ length: ROWS }, (_, r) => row(r, keys))
        const batch = validated(shape, rows)
        assert.isTrue(batchColumns(batch).some((column) => column._tag === "NumberValues"))
        const texts = asTexts(shape, batch, rows)
        const data = copyDataOf(batch)
        assert.strictEqual(data.format, variant.format)
        assert.deepStrictEqual(data, copyDataOf(texts), "the same COPY data as from the texts")

        // An append, by COPY in a transaction.
        assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(shape, batch)), { inserted: ROWS, updated: 0, unchanged: 0 })
        yield* sql.withTransaction(upsertBatch(twinShape, texts))
        const first = yield* stored(table, keys)
        assert.deepStrictEqual(first, yield* stored(twinTable, keys))
        const x = first.map((values) => values["x"])
        assert.includeMembers(x, ["-0", "5e-324", "1.7976931348623157e+308", "0.30000000000000004"])
        assert.includeMembers(first.map((values) => values["big"]), ["9223372036854775807", "-9223372036854775808", "9007199254740993", "-42"])

        // The same rows again, staged by COPY and merged: every value compares equal to the one stored.
        assert.deepStrictEqual(yield* sql.withTransaction(upsertBatch(shape, validated(shape, rows))), {
          inserted: 0,
          updated: 0,
          unchanged: ROWS
        })

        // Changed values outside a transaction (no COPY): the statements over array literals.
        const changed = rows.map((values, r) => r % 2 === 0 ? row(r, keys, 1) : values)
        const again = validated(shape, changed)
        assert.deepStrictEqual(yield* upsertBatch(shape, again), { inserted: 0, updated: ROWS / 2, unchanged: ROWS / 2 })
        yield* upsertBatch(twinShape, asTexts(shape, again, changed))
        assert.deepStrictEqual(yield* stored(table, keys), yield* stored(twinTable, keys))
        assert.notDeepEqual(yield* stored(table, keys), first)
      }))
  }
})
