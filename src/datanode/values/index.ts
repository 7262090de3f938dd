/**
 * The registry of value families: which family writes and compares a column's values, from its contract data
 * type token (`ColumnTypes.ts`) and its SQL type. Row validation asks once per column of a shape.
 */
import { dataTypeTokenForSqlType } from "../../storage/ColumnTypes.ts"
import type { ShapeColumn } from "../RowShape.ts"
import { arrayFamily } from "./Arrays.ts"
import { booleanFamily } from "./Booleans.ts"
import { dateFamily } from "./Dates.ts"
import { float32Family, float64Family } from "./Floats.ts"
import { int16Family, int32Family, int64Family } from "./Integers.ts"
import { jsonbFamily, jsonFamily } from "./Json.ts"
import { numericFamily } from "./Numerics.ts"
import { passThroughFamily } from "./PassThrough.ts"
import { textFamily } from "./Text.ts"
import { timestampFamily } from "./Timestamps.ts"
import { uuidFamily } from "./Uuid.ts"
import type { ValueFamily } from "./ValueFamily.ts"

/** The family of one (non-array) SQL type: `token` is its data type token, `sqlType` its declaration. */
const scalarFamily = (token: string, sqlType: string, column: ShapeColumn): ValueFamily => {
  switch (token) {
    case "timestamp with time zone":
      return timestampFamily(true, sqlType)
    case "datetime64[ns]":
      return timestampFamily(false, sqlType)
    case "date":
      return dateFamily
    case "float64":
      return float64Family
    case "float32":
      return float32Family
    case "int16":
      return int16Family
    case "int32":
      return int32Family
    case "int64":
      return int64Family
    case "numeric":
      return numericFamily(column.precision, column.scale)
    case "string":
      return textFamily(column.maxLength, sqlType)
    case "bool":
      return booleanFamily
    case "uuid":
      return uuidFamily
    case "json":
      return jsonFamily
    case "jsonb":
      return jsonbFamily
    default:
      return passThroughFamily
  }
}

const ARRAY_SUFFIX = /(\s*\[\d*\])+$/

/**
 * The value family of a column. An array column's family wraps its element type's (the element's length,
 * precision and scale are the column's, as `ShapeColumn` keeps them).
 */
export const valueFamilyOf = (column: ShapeColumn): ValueFamily => {
  const sqlType = column.sqlType.trim()
  const suffix = ARRAY_SUFFIX.exec(sqlType)
  if (suffix === null) return scalarFamily(column.token, sqlType, column)
  const elementType = sqlType.slice(0, suffix.index)
  const dimensions = (suffix[0].match(/\[/g) ?? []).length
  return arrayFamily(scalarFamily(dataTypeTokenForSqlType(elementType), elementType, column), dimensions, elementType)
}
