/**
 * The boolean family: `boolean` takes `true` and `false` only, written `true` and `false`; in
 * `EntityRange.entity` a boolean again.
 */
import type { Encode, ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const encodeBool: Encode = (value) =>
  value === true ? "true" : value === false ? "false" : valueProblem("wrong-type", "a boolean")

export const booleanFamily: ValueFamily = {
  encode: encodeBool,
  equalityKey: undefined,
  entityValue: (text) => text === "true"
}
