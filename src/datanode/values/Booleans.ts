/**
 * The boolean family: `boolean` takes `true` and `false` only, written `true` and `false`; in
 * `EntityRange.entity` a boolean again. Outside the grain a column holds flags (`BooleanValues`), written as
 * that text only where text is needed.
 */
import { BooleanValues, FLAG_FALSE, FLAG_NULL, FLAG_TRUE } from "../../db/ColumnValues.ts"
import type { Encode, TypedColumn, ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const encodeBool: Encode = (value) =>
  value === true ? "true" : value === false ? "false" : valueProblem("wrong-type", "a boolean")

const booleanColumn = (rows: number): TypedColumn => {
  const flags = new Uint8Array(rows)
  return {
    put: (row, value) => {
      if (value === true) flags[row] = FLAG_TRUE
      else if (value === false) flags[row] = FLAG_FALSE
      else return valueProblem("wrong-type", "a boolean")
      return undefined
    },
    putNull: (row) => {
      flags[row] = FLAG_NULL
    },
    values: new BooleanValues(flags)
  }
}

export const booleanFamily: ValueFamily = {
  encode: encodeBool,
  equalityKey: undefined,
  entityValue: (text) => text === "true",
  typedColumn: booleanColumn
}
