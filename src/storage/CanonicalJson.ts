/**
 * Canonical JSON (RFC 8785, the JSON Canonicalization Scheme): object keys sorted by UTF-16 code units, no
 * whitespace, numbers in their shortest round-tripping form, strings escaped as `JSON.stringify` does. The
 * same value always gives the same text, on every runtime, so hashes of it are stable.
 */
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

/** A value that has exactly one canonical rendering. */
export type CanonicalJsonValue =
  | null
  | boolean
  | number
  | string
  | ReadonlyArray<CanonicalJsonValue>
  | { readonly [key: string]: CanonicalJsonValue }

/** Something that JSON cannot represent canonically, and where it was. */
export class CanonicalJsonError extends Schema.TaggedError<CanonicalJsonError>()("CanonicalJsonError", {
  /** Where in the value, as a JSON path (`$.columns[2].default`). */
  path: Schema.String,
  /** What was found there. */
  found: Schema.String
}) {
  override get message(): string {
    return `Cannot render ${this.path} as canonical JSON: found ${this.found}. Use null, booleans, finite ` +
      "numbers, strings, arrays and plain objects (convert dates, bigints and decimals to strings first)."
  }
}

const describeValue = (value: unknown): string => {
  if (value === undefined) return "undefined"
  if (Predicate.isNumber(value)) return String(value)
  if (Predicate.isBigInt(value)) return `the bigint ${value}n`
  if (value instanceof Date) return "a Date"
  if (Predicate.isObject(value)) return `an instance of ${value.constructor?.name ?? "an unknown class"}`
  return typeof value
}

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const keyPath = (path: string, key: string) => /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`

const render = (value: unknown, path: string, out: Array<string>): CanonicalJsonError | undefined => {
  if (value === null || Predicate.isBoolean(value) || Predicate.isString(value)) {
    out.push(JSON.stringify(value))
    return undefined
  }
  if (Predicate.isNumber(value)) {
    if (!Number.isFinite(value)) return new CanonicalJsonError({ path, found: describeValue(value) })
    out.push(JSON.stringify(value))
    return undefined
  }
  if (Array.isArray(value)) {
    out.push("[")
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out.push(",")
      const error = render(value[index], `${path}[${index}]`, out)
      if (error !== undefined) return error
    }
    out.push("]")
    return undefined
  }
  if (Predicate.isObject(value) && isPlainObject(value)) {
    const record = value as Record<string, unknown>
    out.push("{")
    const keys = Object.keys(record).sort()
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index]!
      if (index > 0) out.push(",")
      out.push(JSON.stringify(key), ":")
      const error = render(record[key], keyPath(path, key), out)
      if (error !== undefined) return error
    }
    out.push("}")
    return undefined
  }
  return new CanonicalJsonError({ path, found: describeValue(value) })
}

/** The canonical text of `value`, or where it holds something JSON cannot represent exactly. */
export const canonicalJson = (value: unknown): Result.Result<string, CanonicalJsonError> => {
  const out: Array<string> = []
  const error = render(value, "$", out)
  return error === undefined ? Result.succeed(out.join("")) : Result.fail(error)
}
