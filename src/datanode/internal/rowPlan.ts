/**
 * The compiled form of a row shape that row validation reads rows with: each column with its value family's
 * encoder, equality key, entity value and typed column, chosen once per shape and never per value; and the helpers that
 * read a row's properties against it.
 */
import * as Predicate from "effect/Predicate"
import type { RowShape, ShapeColumn } from "../RowShape.ts"
import { valueFamilyOf } from "../values/index.ts"
import type { Encode, TypedColumn } from "../values/ValueFamily.ts"

export interface CompiledColumn {
  readonly column: ShapeColumn
  readonly key: string
  readonly encode: Encode
  /** The key is also an `Object.prototype` property (`constructor`): read it as an own property only. */
  readonly inherited: boolean
  readonly grain: boolean
  /** Neither generated nor filled in by a server default: a value given for it is only encoded. */
  readonly plain: boolean
  /** The grain value used in keys, when it differs from the stored text. */
  readonly equalityKey: ((text: string) => string) | undefined
  /** The entity value as `EntityRange.entity` holds it. */
  readonly entityValue: (text: string) => string | number | boolean
  /**
   * A column holding the values themselves rather than their text, for numbers and booleans outside the
   * grain (whose values `entityLookup` and `trackGrain` read as text); undefined for a column held as text.
   */
  readonly typedColumn: ((rows: number) => TypedColumn) | undefined
}

export interface RowPlan {
  readonly shape: RowShape
  readonly columns: ReadonlyArray<CompiledColumn>
  readonly timeIndex: number
  /** Positions of the entity columns in `columns`, in grain order. */
  readonly entity: ReadonlyArray<number>
  readonly keys: ReadonlySet<string>
}

const compileColumn = (column: ShapeColumn, grain: boolean): CompiledColumn => {
  const { encode, entityValue, equalityKey, typedColumn } = valueFamilyOf(column)
  return {
    column,
    key: column.key,
    encode,
    inherited: column.key in Object.prototype,
    grain,
    plain: !column.generated && !column.serverDefault,
    equalityKey,
    entityValue,
    typedColumn: grain ? undefined : typedColumn
  }
}

const plans = new WeakMap<RowShape, RowPlan>()

/** The compiled form of a shape, built once per shape: value families are chosen per column, never per value. */
export const rowPlanOf = (shape: RowShape): RowPlan => {
  const cached = plans.get(shape)
  if (cached !== undefined) return cached
  const grainKeys = new Set(shape.grain.map((column) => column.key))
  const columns = shape.columns.map((column) => compileColumn(column, grainKeys.has(column.key)))
  const position = (key: string) => columns.findIndex((column) => column.key === key)
  const plan: RowPlan = {
    shape,
    columns,
    timeIndex: position(shape.timeIndex.key),
    entity: shape.entity.map((column) => position(column.key)),
    keys: new Set(columns.map((column) => column.key))
  }
  plans.set(shape, plan)
  return plan
}

/** The hint for an undeclared property: the key of a column it names physically or nearly. */
export const didYouMean = (plan: RowPlan, property: string): string => {
  const loose = (name: string) => name.replaceAll("_", "").toLowerCase()
  const match = plan.shape.columns.find((column) => column.name === property) ??
    plan.shape.columns.find((column) => loose(column.key) === loose(property) || loose(column.name) === loose(property))
  return match === undefined ? "" : `did you mean ${match.key}?`
}

export const declaredKeys = (columns: ReadonlyArray<ShapeColumn>): string =>
  columns.map((column) => column.key).join(", ")

export const readProperty = (row: Record<string, unknown>, column: CompiledColumn): unknown =>
  column.inherited ? (Object.hasOwn(row, column.key) ? row[column.key] : undefined) : row[column.key]

export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (!Predicate.isObject(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** The first own enumerable property the plan does not declare. */
export const undeclaredProperty = (plan: RowPlan, row: object): string | undefined =>
  Object.keys(row).find((key) => !plan.keys.has(key))
