/**
 * Row validation: checks the rows a DataNode returns against its table's row shape and turns a batch of them
 * into a `ValidatedBatch` (PostgreSQL text per column, numbers and booleans outside the grain as such; time
 * range per entity), or says which row and column is wrong and why. Pure: no database, no clock; every value
 * is checked here, so that persistence never sees a row PostgreSQL would refuse or read differently than the
 * node meant.
 *
 * Rows are plain objects keyed by the drizzle property, as in `$inferInsert`. What each column takes, and
 * how it is written, is its value family's (`values/`: timestamps, dates, floats, integers, numerics, text,
 * booleans, uuids, JSON, arrays, and every other type passed through as text); this module reads the rows,
 * applies NOT NULL, defaults and generated columns, and finds duplicate grains.
 *
 * Entities are keyed by the JSON array of their columns' canonical text (`entityKeyOf`), made equal where the
 * column's equality is (as the unique index over the grain sees it): int columns given as `42` or `42n`, uuids
 * in any case, unconstrained numerics as `1.5` or `1.50`, `char(n)` with or without trailing spaces, floats
 * `0` and `-0` (reals: floats that round to one single), jsonb objects with keys in any order give one key. In
 * `EntityRange.entity`, int16/int32 columns are numbers, bool columns booleans, and everything else strings
 * (int64 and numeric as decimal text, uuids lower-case).
 *
 * Past 400 lines: the batch loop's named steps (read a row, encode it, track its grain, finish the batch) and
 * the two checks that share its compiled shape (`entityKeyOf`, `canonicalInstant`) read best side by side.
 */
import * as Result from "effect/Result"
import { type ColumnValues, columnTexts, TextValues } from "../db/ColumnValues.ts"
import {
  declaredKeys,
  didYouMean,
  isPlainObject,
  readProperty,
  type RowPlan,
  rowPlanOf,
  undeclaredProperty
} from "./internal/rowPlan.ts"
import type { RowShape } from "./RowShape.ts"
import { RowValidationError, type RowValidationReason } from "./RowValidationError.ts"
import type { EntityRange, ValidatedBatch } from "./ValidatedBatch.ts"
import { describeValue, truncate } from "./values/DescribeValue.ts"
import { INSTANT_EXPECTED, instantText } from "./values/Timestamps.ts"
import type { TypedColumn } from "./values/ValueFamily.ts"
import { type ValueProblem, valueProblem } from "./values/ValueProblem.ts"

/** Where a batch sits in a node's run, for error messages. */
export interface BatchContext {
  /** The node's kind or update hash. */
  readonly node: string
  /** The 0-based index of the batch in the run. */
  readonly batch: number
  /** The index of the batch's first row in the node's whole output. */
  readonly firstRow: number
}

// ---------------------------------------------------------------------------------------------------------
// Batches

/** An entity's running range while its batch is read; `index` replaces `rows` once a time comes out of order. */
interface RunningRange {
  readonly key: string
  readonly entity: Readonly<Record<string, string | number | boolean>>
  first: string
  last: string
  readonly rows: Array<number>
  index: Map<string, number> | undefined
}

/** A batch while it is read, row by row: the values so far, the defaults seen, each entity's running range. */
interface BatchState {
  readonly plan: RowPlan
  readonly context: BatchContext
  /** `values[c][r]`: the text of column `c` in row `r`, `null` for NULL; empty for a typed column. */
  readonly values: Array<Array<string | null>>
  /** `typed[c]`: column `c` holding its values themselves (`CompiledColumn.typedColumn`), else undefined. */
  readonly typed: ReadonlyArray<TypedColumn | undefined>
  /** The current row's properties, in column order. */
  readonly current: Array<unknown>
  /** For server-default columns: the first row that gave the column and the first that left it out. */
  readonly firstGiven: Array<number>
  readonly firstLeftOut: Array<number>
  readonly ranges: Map<string, RunningRange>
  /** The last row's entity lookup and range: consecutive rows mostly share their entity. */
  lastLookup: string | undefined
  lastRange: RunningRange | undefined
  minTime: string | undefined
  maxTime: string | undefined
}

const startBatch = (plan: RowPlan, context: BatchContext, count: number): BatchState => {
  const width = plan.columns.length
  const typed = plan.columns.map((compiled) => compiled.typedColumn?.(count))
  return {
    plan,
    context,
    values: typed.map((column) => column === undefined ? new Array<string | null>(count) : []),
    typed,
    current: new Array(width),
    firstGiven: new Array(width).fill(-1),
    firstLeftOut: new Array(width).fill(-1),
    ranges: new Map(),
    lastLookup: undefined,
    lastRange: undefined,
    minTime: undefined,
    maxTime: undefined
  }
}

/** The error for row `row` of the batch (and `relatedRow`, both indexes in the batch). */
const refusal = (
  batch: BatchState,
  row: number,
  column: string | null,
  reason: RowValidationReason,
  found: string,
  expected: string,
  hint: string,
  relatedRow: number | null = null
): RowValidationError => {
  const { context, plan: { shape } } = batch
  return new RowValidationError({
    node: context.node,
    identifier: shape.identifier,
    table: `${shape.schema}.${shape.table}`,
    batch: context.batch,
    row: context.firstRow + row,
    rowInBatch: row,
    column,
    reason,
    found,
    expected,
    hint,
    relatedRow: relatedRow === null ? null : context.firstRow + relatedRow
  })
}

const MISSING = "nothing (the row leaves it out)"
const inTheGrain = (shape: RowShape): string =>
  `a value in every row: the column is part of the grain (${shape.grain.map((grain) => grain.key).join(", ")})`
const MIXED_EXPECTED = "the column in every row of a batch or in none (then the database fills in its default)"
const MIXED_HINT = "give it in every row of the batch, or leave it out of all of them"

/** Reads row `r`'s declared properties into `batch.current`; refuses what is not a row or has undeclared ones. */
const readRow = (batch: BatchState, r: number, row: unknown): RowValidationError | undefined => {
  const { plan, current } = batch
  const { columns, shape } = plan
  if (!isPlainObject(row)) {
    const expected = `a plain object keyed by ${declaredKeys(shape.columns)}`
    return refusal(batch, r, null, "not-a-row", describeValue(row), expected, "")
  }
  let properties = 0
  for (const _ in row) properties++
  let present = 0
  for (let c = 0; c < columns.length; c++) {
    const value = readProperty(row, columns[c]!)
    current[c] = value
    if (value !== undefined) present++
  }
  if (properties === present) return undefined
  // More properties than defined values: an undeclared one, or declared ones set to undefined.
  const extra = undeclaredProperty(plan, row)
  if (extra === undefined) return undefined
  return refusal(
    batch,
    r,
    extra,
    "unknown-property",
    `the undeclared property "${truncate(extra)}"`,
    `only the declared properties ${declaredKeys(shape.columns)}`,
    didYouMean(plan, extra)
  )
}

/** NULL as column `c` of row `r`. */
const storeNull = (batch: BatchState, r: number, c: number): void => {
  const typed = batch.typed[c]
  if (typed === undefined) batch.values[c]![r] = null
  else typed.putNull(r)
}

/** Column `c` left out of row `r` (or undefined), no `$defaultFn` to compute it: NULL, a server default or refused. */
const leftOut = (batch: BatchState, r: number, c: number): RowValidationError | undefined => {
  const compiled = batch.plan.columns[c]!
  const column = compiled.column
  if (compiled.grain) {
    return refusal(batch, r, column.key, "missing-value", MISSING, inTheGrain(batch.plan.shape), "")
  }
  if (column.serverDefault) {
    const given = batch.firstGiven[c]!
    if (given >= 0) {
      const found = `${MISSING}, while row ${batch.context.firstRow + given + 1} gives it`
      return refusal(batch, r, column.key, "mixed-default", found, MIXED_EXPECTED, MIXED_HINT, given)
    }
    if (batch.firstLeftOut[c] === -1) batch.firstLeftOut[c] = r
  } else if (column.notNull) {
    const expected = "a value: the column is NOT NULL and has no default"
    return refusal(batch, r, column.key, "missing-value", MISSING, expected, "")
  }
  storeNull(batch, r, c)
  return undefined
}

/** Notes that row `r` gives server-default column `c`; refuses it when an earlier row left the column out. */
const givenDefault = (batch: BatchState, r: number, c: number): RowValidationError | undefined => {
  const leftOutAt = batch.firstLeftOut[c]!
  if (leftOutAt >= 0) {
    const found = `${MISSING}, while row ${batch.context.firstRow + r + 1} gives it`
    const key = batch.plan.columns[c]!.key
    return refusal(batch, leftOutAt, key, "mixed-default", found, MIXED_EXPECTED, MIXED_HINT, r)
  }
  if (batch.firstGiven[c] === -1) batch.firstGiven[c] = r
  return undefined
}

/** The error for a value column `c`'s encoder refused in row `r`. */
const badValue = (
  batch: BatchState,
  r: number,
  c: number,
  value: unknown,
  problem: ValueProblem,
  fromDefault: boolean
): RowValidationError => {
  const found = problem.found ?? describeValue(value)
  const shown = fromDefault ? `${found} (from the column's $defaultFn)` : found
  return refusal(batch, r, batch.plan.columns[c]!.key, problem.reason, shown, problem.expected, problem.hint)
}

/** Writes `value` (given, or computed by the column's `$defaultFn`) as column `c` of row `r`, or refuses it. */
const storeValue = (
  batch: BatchState,
  r: number,
  c: number,
  value: unknown,
  fromDefault: boolean
): RowValidationError | undefined => {
  const compiled = batch.plan.columns[c]!
  const column = compiled.column
  if (value === null) {
    if (compiled.grain) {
      return refusal(batch, r, column.key, "null-value", "null", inTheGrain(batch.plan.shape), "")
    }
    if (column.notNull) {
      return refusal(
        batch,
        r,
        column.key,
        "null-value",
        fromDefault ? "null (from the column's $defaultFn)" : "null",
        "a value: the column is NOT NULL",
        column.serverDefault ? "leave the column out of every row of the batch to get its default" : ""
      )
    }
    storeNull(batch, r, c)
    return undefined
  }
  const typed = batch.typed[c]
  if (typed !== undefined) {
    const problem = typed.put(r, value)
    return problem === undefined ? undefined : badValue(batch, r, c, value, problem, fromDefault)
  }
  const text = compiled.encode(value)
  if (typeof text !== "string") return badValue(batch, r, c, value, text, fromDefault)
  batch.values[c]![r] = text
  return undefined
}

/** Column `c` of row `r` when it is not simply given: generated, left out, null, or with a server default. */
const encodeOther = (batch: BatchState, r: number, c: number, value: unknown): RowValidationError | undefined => {
  const compiled = batch.plan.columns[c]!
  const column = compiled.column
  if (column.generated) {
    if (value === undefined) return undefined
    const expected = "no value: the database computes this generated column"
    return refusal(batch, r, column.key, "generated-column", describeValue(value), expected, "leave it out of the rows")
  }
  if (value !== undefined) {
    return (column.serverDefault ? givenDefault(batch, r, c) : undefined) ?? storeValue(batch, r, c, value, false)
  }
  if (column.defaultFn !== undefined && !compiled.grain) {
    const computed = column.defaultFn()
    return storeValue(batch, r, c, computed === undefined ? null : computed, true)
  }
  return leftOut(batch, r, c)
}

/**
 * Row `r`'s columns, in table order: generated ones left out, defaults applied, each value encoded (or put in
 * its typed column). Most values are given for a column with no default to track, and are encoded here
 * without a further call.
 */
const encodeRow = (batch: BatchState, r: number): RowValidationError | undefined => {
  const { current, values, typed, plan: { columns } } = batch
  for (let c = 0; c < columns.length; c++) {
    const compiled = columns[c]!
    const value = current[c]
    if (compiled.plain && value !== undefined && value !== null) {
      const column = typed[c]
      if (column !== undefined) {
        const problem = column.put(r, value)
        if (problem !== undefined) return badValue(batch, r, c, value, problem, false)
        continue
      }
      const text = compiled.encode(value)
      if (typeof text !== "string") return badValue(batch, r, c, value, text, false)
      values[c]![r] = text
      continue
    }
    const refused = encodeOther(batch, r, c, value)
    if (refused !== undefined) return refused
  }
  return undefined
}

/** `timeIndex <text>, entity "<text>"`: the grain of row `r`, for a duplicate's message. */
const grainValues = (plan: RowPlan, values: ReadonlyArray<Array<string | null>>, row: number): string =>
  [plan.timeIndex, ...plan.entity].map((position) => {
    const column = plan.columns[position]!
    const text = values[position]![row]!
    return `${column.key} ${column.grain && position !== plan.timeIndex ? JSON.stringify(text) : text}`
  }).join(", ")

/** Row `r`'s entity as a map key: its columns' equality keys, separated by U+0000 (which no stored text holds). */
const entityLookup = (batch: BatchState, r: number): string => {
  const { columns, entity } = batch.plan
  let lookup = ""
  for (let e = 0; e < entity.length; e++) {
    const position = entity[e]!
    const { equalityKey } = columns[position]!
    const text = batch.values[position]![r]!
    const key = equalityKey === undefined ? text : equalityKey(text)
    lookup = e === 0 ? key : lookup + "\u0000" + key
  }
  return lookup
}

/** The range of an entity first seen in row `r` at `time`. */
const newRange = (plan: RowPlan, lookup: string, time: string, r: number): RunningRange => {
  const texts = plan.entity.length === 0 ? [] : lookup.split("\u0000")
  const entity: Record<string, string | number | boolean> = {}
  for (let e = 0; e < plan.entity.length; e++) {
    const compiled = plan.columns[plan.entity[e]!]!
    entity[compiled.key] = compiled.entityValue(texts[e]!)
  }
  return { key: JSON.stringify(texts), entity, first: time, last: time, rows: [r], index: undefined }
}

/** Adds row `r` to the batch's time range and to its entity's; refuses a grain an earlier row had. */
const trackGrain = (batch: BatchState, r: number): RowValidationError | undefined => {
  const timeValues = batch.values[batch.plan.timeIndex]!
  const time = timeValues[r]!
  if (batch.minTime === undefined || time < batch.minTime) batch.minTime = time
  if (batch.maxTime === undefined || time > batch.maxTime) batch.maxTime = time
  const lookup = entityLookup(batch, r)
  let range = lookup === batch.lastLookup ? batch.lastRange : batch.ranges.get(lookup)
  if (range === undefined) {
    range = newRange(batch.plan, lookup, time, r)
    batch.ranges.set(lookup, range)
  } else if (time > range.last) {
    range.last = time
    if (range.index === undefined) range.rows.push(r)
    else range.index.set(time, r)
  } else if (time < range.first) {
    range.first = time
    if (range.index === undefined) range.rows.push(r)
    else range.index.set(time, r)
  } else {
    // Out of order within the entity's range: only now is an index of its times worth building.
    if (range.index === undefined) {
      const index = new Map<string, number>()
      for (const earlier of range.rows) index.set(timeValues[earlier]!, earlier)
      range.index = index
      range.rows.length = 0
    }
    const earlier = range.index.get(time)
    if (earlier !== undefined) {
      const { context, plan, values } = batch
      const found = `the grain of row ${context.firstRow + earlier + 1} (batch ${context.batch + 1}, row ${earlier + 1}) again: ` +
        grainValues(plan, values, r)
      return refusal(batch, r, null, "duplicate-grain", found, "one row per grain in a batch", "", earlier)
    }
    range.index.set(time, r)
  }
  batch.lastLookup = lookup
  batch.lastRange = range
  return undefined
}

/** The validated batch: the columns it writes (not those the database fills in for every row) and the ranges. */
const finishBatch = (batch: BatchState, count: number): ValidatedBatch => {
  const { columns } = batch.plan
  const kept: Array<number> = []
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c]!.column
    if (column.generated) continue
    if (column.serverDefault && column.defaultFn === undefined && batch.firstGiven[c] === -1) continue
    kept.push(c)
  }
  const entities = new Map<string, EntityRange>()
  for (const range of batch.ranges.values()) {
    entities.set(range.key, { entity: range.entity, first: range.first, last: range.last })
  }
  const columnValues = kept.map((c): ColumnValues => batch.typed[c]?.values ?? new TextValues(batch.values[c]!))
  let texts: ReadonlyArray<ReadonlyArray<string | null>> | undefined
  return {
    rowCount: count,
    columns: kept.map((c) => columns[c]!.column),
    columnValues,
    // Made on first read, for a reader that wants every value as text; the writers read `columnValues`.
    get values() {
      return texts ??= columnValues.map((column) => columnTexts(column, count))
    },
    minTime: batch.minTime,
    maxTime: batch.maxTime,
    entities
  }
}

/**
 * Validates one batch of a node's output against its table's row shape. Rows are read in order and each
 * row's columns in table order; the first problem fails the whole batch.
 */
export const validateBatch = (
  shape: RowShape,
  rows: ReadonlyArray<unknown>,
  context: BatchContext
): Result.Result<ValidatedBatch, RowValidationError> => {
  const count = rows.length
  const batch = startBatch(rowPlanOf(shape), context, count)
  for (let r = 0; r < count; r++) {
    const refused = readRow(batch, r, rows[r]) ?? encodeRow(batch, r) ?? trackGrain(batch, r)
    if (refused !== undefined) return Result.fail(refused)
  }
  return Result.succeed(finishBatch(batch, count))
}

// ---------------------------------------------------------------------------------------------------------
// Entities and instants on their own

const standaloneError = (
  shape: RowShape | undefined,
  column: string | null,
  reason: RowValidationReason,
  found: string,
  expected: string,
  hint: string
) =>
  new RowValidationError({
    node: "",
    identifier: shape?.identifier ?? "",
    table: shape === undefined ? "" : `${shape.schema}.${shape.table}`,
    batch: null,
    row: null,
    rowInBatch: null,
    column,
    reason,
    found,
    expected,
    hint,
    relatedRow: null
  })

/**
 * The key `ValidatedBatch.entities` uses for an entity given by its entity columns' properties (without the
 * time index): the JSON array of their canonical text in grain order, `[]` when the grain is the time index
 * alone. Values are taken as rows take them, so `42` and `42n`, or a uuid in any case, give the same key.
 */
export const entityKeyOf = (
  shape: RowShape,
  entity: Readonly<Record<string, unknown>>
): Result.Result<string, RowValidationError> => {
  const plan = rowPlanOf(shape)
  const expected = shape.entity.length === 0
    ? "an empty object: the grain is the time index alone"
    : `an object with exactly the entity's properties ${declaredKeys(shape.entity)}`
  if (!isPlainObject(entity)) {
    return Result.fail(standaloneError(shape, null, "not-a-row", describeValue(entity), expected, ""))
  }
  const entityKeys = new Set(shape.entity.map((column) => column.key))
  const extra = Object.keys(entity).find((key) => !entityKeys.has(key))
  if (extra !== undefined) {
    const hint = extra === shape.timeIndex.key
      ? "an entity is identified without its time index"
      : didYouMean(plan, extra)
    return Result.fail(
      standaloneError(shape, extra, "unknown-property", `the property "${truncate(extra)}"`, expected, hint)
    )
  }
  const texts: Array<string> = []
  for (const position of plan.entity) {
    const compiled = plan.columns[position]!
    const value = readProperty(entity as Record<string, unknown>, compiled)
    if (value === undefined || value === null) {
      const reason = value === null ? "null-value" : "missing-value"
      const found = value === null ? "null" : "nothing"
      return Result.fail(standaloneError(shape, compiled.key, reason, found, expected, ""))
    }
    const text = compiled.encode(value)
    if (typeof text !== "string") {
      return Result.fail(
        standaloneError(shape, compiled.key, text.reason, text.found ?? describeValue(value), text.expected, text.hint)
      )
    }
    texts.push(compiled.equalityKey === undefined ? text : compiled.equalityKey(text))
  }
  return Result.succeed(JSON.stringify(texts))
}

/**
 * The canonical UTC text of an instant, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, from a valid `Date` or an ISO-8601
 * string with an offset (microseconds kept); naive strings and years outside 0001–9999 are refused.
 */
export const canonicalInstant = (value: unknown): Result.Result<string, RowValidationError> => {
  const text = value === null || value === undefined
    ? valueProblem("missing-value", INSTANT_EXPECTED)
    : instantText(value)
  if (typeof text === "string") return Result.succeed(text)
  const found = text.found ?? describeValue(value)
  return Result.fail(standaloneError(undefined, null, text.reason, found, text.expected, text.hint))
}
