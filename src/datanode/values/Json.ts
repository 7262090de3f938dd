/**
 * The JSON family: `json` and `jsonb` take JSON values (plain objects, arrays, strings, finite numbers,
 * booleans, null, nested); a property whose value is `undefined` is left out, as `JSON.stringify` does;
 * everything else that would not come back the same is refused (`undefined` in an array, bigints, NaN,
 * functions, symbols, cycles, class instances, `Date` included). A top-level `null` is SQL NULL (row
 * validation sees it before the encoder). `jsonb` strings cannot hold U+0000 or lone surrogates. jsonb
 * equality ignores the order of object keys, so its equality key sorts them; json is compared as text.
 */
import { describeValue, truncate } from "./DescribeValue.ts"
import { storableText } from "./Text.ts"
import { type Encode, entityText, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"
import type { RowValidationReason } from "../RowValidationError.ts"

const JSON_EXPECTED = "a JSON value: plain objects, arrays, strings, finite numbers, booleans and null"
const JSON_MAX_DEPTH = 1000

/** A JSON problem and where it is, the path built on the way back up (`$.legs[2].weight`). */
interface JsonProblem {
  /** `wrong-type` for a value JSON has no form for, `invalid-value` for one it cannot hold as it is. */
  readonly reason: RowValidationReason
  readonly what: string
  readonly hint: string
  path: string
}

const jsonProblem = (reason: RowValidationReason, what: string, hint: string): JsonProblem => ({
  reason,
  what,
  hint,
  path: ""
})

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

const jsonProblemOf = (value: unknown, jsonb: boolean, ancestors: Array<object>): JsonProblem | undefined => {
  switch (typeof value) {
    case "string":
      if (jsonb && storableText(value, "") !== undefined) {
        return jsonProblem("invalid-value", "a string with U+0000 or a lone surrogate", "jsonb cannot hold either")
      }
      return undefined
    case "number":
      return value - value === 0
        ? undefined
        : jsonProblem("invalid-value", String(value), "JSON has no NaN or Infinity")
    case "boolean":
      return undefined
    case "bigint":
      return jsonProblem("wrong-type", "a bigint", "give it as a string or a number")
    case "undefined":
      return jsonProblem("invalid-value", "undefined", "JSON arrays cannot hold undefined: use null")
    case "symbol":
    case "function":
      return jsonProblem("wrong-type", `a ${typeof value}`, "")
  }
  if (value === null) return undefined
  const object = value as object
  if (ancestors.includes(object)) return jsonProblem("invalid-value", "a cycle", "JSON cannot hold cycles")
  if (ancestors.length >= JSON_MAX_DEPTH) {
    return jsonProblem("invalid-value", `more than ${JSON_MAX_DEPTH} levels of nesting`, "")
  }
  if (Array.isArray(object)) {
    ancestors.push(object)
    for (let index = 0; index < object.length; index++) {
      const inner = jsonProblemOf(object[index], jsonb, ancestors)
      if (inner !== undefined) {
        inner.path = `[${index}]${inner.path}`
        return inner
      }
    }
    ancestors.pop()
    return undefined
  }
  const prototype: unknown = Object.getPrototypeOf(object)
  if (prototype !== null && prototype !== Object.prototype) {
    return object instanceof Date
      ? jsonProblem("wrong-type", "a Date", "store instants as strings (date.toISOString())")
      : jsonProblem("wrong-type", describeValue(object), "convert it to a plain object or an array")
  }
  ancestors.push(object)
  const record = object as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const property = record[key]
    // JSON.stringify leaves such a property out, and reading it back gives undefined as well.
    if (property === undefined) continue
    const inner = jsonb && storableText(key, "") !== undefined
      ? jsonProblem("invalid-value", "a key with U+0000 or a lone surrogate", "jsonb cannot hold either")
      : jsonProblemOf(property, jsonb, ancestors)
    if (inner !== undefined) {
      inner.path = `${IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(truncate(key))}]`}${inner.path}`
      return inner
    }
  }
  ancestors.pop()
  return undefined
}

const jsonEncoder = (jsonb: boolean): Encode => (value) => {
  const found = jsonProblemOf(value, jsonb, [])
  if (found === undefined) return JSON.stringify(value)
  // The column got a JSON container: what is wrong is inside it, not its type.
  return found.path === ""
    ? valueProblem(found.reason, JSON_EXPECTED, found.hint, found.what)
    : valueProblem("invalid-value", JSON_EXPECTED, found.hint, `${found.what} at $${found.path}`)
}

/** jsonb equality ignores the order of object keys: `{"a":1,"b":2}` and `{"b":2,"a":1}` are one grain value. */
const jsonbKey = (text: string): string => {
  const sorted = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map(sorted).join(",")}]`
    if (value === null || typeof value !== "object") return JSON.stringify(value)
    const record = value as Record<string, unknown>
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${sorted(record[key])}`).join(",")}}`
  }
  return sorted(JSON.parse(text))
}

export const jsonFamily: ValueFamily = plainFamily(jsonEncoder(false))

export const jsonbFamily: ValueFamily = { encode: jsonEncoder(true), equalityKey: jsonbKey, entityValue: entityText }
