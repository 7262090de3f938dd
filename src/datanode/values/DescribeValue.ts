/**
 * A short, safe rendering of any value for error messages: never a user `toString`, never more than about 80
 * characters of it.
 */
import * as Predicate from "effect/Predicate"

const FOUND_LENGTH = 80

/** `text` cut to about 80 characters, with `…` where it was cut. */
export const truncate = (text: string): string =>
  text.length > FOUND_LENGTH ? `${text.slice(0, FOUND_LENGTH)}…` : text

/** A short, safe rendering of any value: never a user `toString`, never more than about 80 characters of it. */
export const describeValue = (value: unknown): string => {
  switch (typeof value) {
    case "string":
      return value.length > FOUND_LENGTH
        ? `${JSON.stringify(value.slice(0, FOUND_LENGTH))}… (a string of ${value.length} characters)`
        : `${JSON.stringify(value)} (a string)`
    case "number":
      return `${String(value)} (a number)`
    case "bigint":
      return `${truncate(value.toString())}n (a bigint)`
    case "boolean":
      return `${value} (a boolean)`
    case "undefined":
      return "undefined"
    case "symbol":
      return "a symbol"
    case "function":
      return "a function"
  }
  if (value === null) return "null"
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "an invalid Date" : `the Date ${value.toISOString()}`
  }
  const prototype: unknown = Object.getPrototypeOf(value)
  if (prototype === null || prototype === Object.prototype) {
    const keys = Object.keys(value as object)
    return keys.length === 0 ? "an empty object" : `an object with the properties ${truncate(keys.join(", "))}`
  }
  const constructor: unknown = Predicate.hasProperty(prototype, "constructor") ? prototype.constructor : undefined
  const name: unknown = Predicate.isFunction(constructor) ? constructor.name : undefined
  return Predicate.isString(name) && name !== "" ? `an instance of ${name}` : "an object"
}
