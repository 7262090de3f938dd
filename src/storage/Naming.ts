/**
 * Physical names, byte for byte as the Python SDK makes them, so that a TypeScript and a Python project name
 * the same table, index and constraint the same way.
 *
 * Every name is built from normalised parts: trimmed, then each run of characters outside ASCII letters and
 * digits becomes one `_`, underscores are stripped from both ends, letters are lower-cased, an empty result
 * becomes `table` and a leading digit gets the prefix `t_`. Names longer than PostgreSQL's 63 characters are
 * shortened deterministically with an MD5 digest of the full name.
 *
 * Each builder has a `*Result` form returning `Result`; the plain forms, meant for module-level
 * declarations, throw the `SchemaNameError` so that a bad name fails the import with its message.
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as NodeCrypto from "node:crypto"

/** PostgreSQL truncates identifiers beyond 63 bytes; every name made here fits. */
export const MAX_IDENTIFIER_LENGTH = 63

/** A part of a name is missing, has nothing to build a name from, or leaves no room for the rest. */
export class SchemaNameError extends Schema.TaggedError<SchemaNameError>()("SchemaNameError", {
  /**
   * Which part: `app`, `concept`, `suffix`, `part` (of a parsed name), `name` (a whole parsed name), `column`,
   * `identifier part`, `columns` (a constraint name's column list).
   */
  field: Schema.String,
  /** The value as given. */
  value: Schema.String,
  problem: Schema.Literals(["required", "no-letters-or-digits", "too-long", "malformed"])
}) {
  /** What the SDK's sentence calls the part: `table name app`, `table name`, `column name`, ... */
  get subject(): string {
    switch (this.field) {
      case "name":
        return "table name"
      case "column":
        return "column name"
      default:
        return `table name ${this.field}`
    }
  }

  override get message(): string {
    switch (this.problem) {
      case "required":
        return `Schema ${this.subject} is required.`
      case "no-letters-or-digits":
        return `Schema ${this.subject} must contain letters or digits: ${JSON.stringify(this.value)}.`
      case "too-long":
        return `Schema table name ${this.field} is too long: ${JSON.stringify(this.value)} leaves no room ` +
          `for the rest of a ${MAX_IDENTIFIER_LENGTH}-character name.`
      case "malformed":
        return `Schema table names must use the app__concept convention: ${JSON.stringify(this.value)} does not ` +
          "(expected app__concept[__suffix])."
    }
  }
}

// Python's str.strip() whitespace (str.isspace), which differs from String.prototype.trim at the edges.
const pythonWhitespace = "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003" +
  "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
const stripPattern = new RegExp(`^[${pythonWhitespace}]+|[${pythonWhitespace}]+$`, "gu")
// Python's str.isalnum(): a letter or a number in the Unicode sense.
const letterOrDigit = /[\p{L}\p{N}]/u

const md5Hex = (text: string): string => NodeCrypto.createHash("md5").update(text, "utf8").digest("hex")
const sha1Hex = (text: string): string => NodeCrypto.createHash("sha1").update(text, "utf8").digest("hex")

/** `text` without leading and trailing `characters`, like Python's `str.strip(characters)`. */
const stripCharacters = (text: string, character: string): string => {
  let start = 0
  let end = text.length
  while (start < end && text[start] === character) start++
  while (end > start && text[end - 1] === character) end--
  return text.slice(start, end)
}
const rstripCharacters = (text: string, character: string): string => {
  let end = text.length
  while (end > 0 && text[end - 1] === character) end--
  return text.slice(0, end)
}

/**
 * ASCII slug: runs outside `[a-zA-Z0-9]` become `_`, `_` stripped at both ends, lower-cased; empty becomes
 * `table`; a leading digit gets `t_`. The result never contains `__`.
 */
export const slugifyIdentifier = (value: string): string => {
  const slug = stripCharacters(value.replace(/[^a-zA-Z0-9]+/g, "_"), "_").toLowerCase()
  if (slug === "") return "table"
  return /^[0-9]/.test(slug) ? `t_${slug}` : slug
}

/** `text` without Python's whitespace at either end, like `str.strip()`. */
const stripWhitespace = (text: string): string => text.replace(stripPattern, "")

/** One normalised name part; `field` names it in errors. */
export const normalizeIdentifierPart = (value: string, field: string): Result.Result<string, SchemaNameError> => {
  const trimmed = stripWhitespace(value)
  if (trimmed === "") return Result.fail(new SchemaNameError({ field, value, problem: "required" }))
  if (!letterOrDigit.test(trimmed)) {
    return Result.fail(new SchemaNameError({ field, value, problem: "no-letters-or-digits" }))
  }
  return Result.succeed(slugifyIdentifier(trimmed))
}

const tooLong = (value: string) => Result.fail(new SchemaNameError({ field: "app", value, problem: "too-long" }))

/**
 * The physical table name for `concept` in `app`, with an optional `suffix` for parameterized tables:
 * `app__concept[__suffix]`, at most 63 characters.
 */
export const schemaTableNameResult = (
  app: string,
  concept: string,
  suffix?: string
): Result.Result<string, SchemaNameError> =>
  Result.gen(function*() {
    const appPart = yield* normalizeIdentifierPart(app, "app")
    const conceptPart = yield* normalizeIdentifierPart(concept, "concept")
    const suffixPart = suffix === undefined ? undefined : yield* normalizeIdentifierPart(suffix, "suffix")
    const candidate = [appPart, conceptPart, ...(suffixPart === undefined ? [] : [suffixPart])].join("__")
    if (candidate.length <= MAX_IDENTIFIER_LENGTH) return candidate

    const digest = `_${md5Hex(candidate).slice(0, 10)}`
    const prefix = `${appPart}__`
    const head = (length: number) => rstripCharacters(conceptPart.slice(0, length), "_") || conceptPart.slice(0, 1)
    if (suffixPart === undefined) {
      const budget = MAX_IDENTIFIER_LENGTH - prefix.length - digest.length
      if (budget < 1) return yield* tooLong(app)
      return `${prefix}${head(budget)}${digest}`
    }
    const remaining = MAX_IDENTIFIER_LENGTH - prefix.length - digest.length - 2
    if (remaining < 2) return yield* tooLong(app)
    let suffixLength = Math.min(suffixPart.length, Math.max(1, Math.floor(remaining / 2)))
    let conceptLength = remaining - suffixLength
    if (conceptLength > conceptPart.length) {
      suffixLength = Math.min(suffixPart.length, suffixLength + conceptLength - conceptPart.length)
      conceptLength = conceptPart.length
    }
    if (suffixLength > suffixPart.length) {
      conceptLength = Math.min(conceptPart.length, conceptLength + suffixLength - suffixPart.length)
      suffixLength = suffixPart.length
    }
    const tail = stripCharacters(suffixPart.slice(suffixPart.length - suffixLength), "_") || suffixPart.slice(-1)
    return `${prefix}${head(conceptLength)}${digest}__${tail}`
  })

/**
 * `schemaTableNameResult` for module-level declarations (`pgTable(schemaTableName("app", "concept"), ...)`):
 * an unusable part throws the `SchemaNameError`, failing the import with its message.
 */
export const schemaTableName = (app: string, concept: string, suffix?: string): string =>
  Result.getOrThrow(schemaTableNameResult(app, concept, suffix))

export interface SchemaTableNameParts {
  readonly app: string
  readonly concept: string
  readonly suffix: string | undefined
}

/**
 * Splits `app__concept[__suffix]` as the SDK does: the name is trimmed (empty is refused as `required`), each
 * `__`-separated part is normalised like a part of `schemaTableName` (an empty or symbol-only part is refused),
 * and everything after the second part is the suffix. So `"App__Concept"` gives `app` and `concept`.
 * Shortened names (with a digest) do not round-trip: their concept and suffix are cut.
 */
export const parseSchemaTableName = (name: string): Result.Result<SchemaTableNameParts, SchemaNameError> =>
  Result.gen(function*() {
    const trimmed = stripWhitespace(name)
    if (trimmed === "") return yield* Result.fail(new SchemaNameError({ field: "name", value: name, problem: "required" }))
    const parts = yield* Result.all(trimmed.split("__").map((part) => normalizeIdentifierPart(part, "part")))
    if (parts.length < 2) {
      return yield* Result.fail(new SchemaNameError({ field: "name", value: name, problem: "malformed" }))
    }
    const [app, concept, ...rest] = parts as [string, string, ...Array<string>]
    return { app, concept, suffix: rest.length === 0 ? undefined : rest.join("__") }
  })

/**
 * Joins normalised parts with `__` (each part split on `__` and normalised piece by piece); beyond 63
 * characters, the first 52 plus `_` and 10 hex digits of the MD5 of the whole.
 */
export const boundedIdentifierResult = (...parts: ReadonlyArray<string>): Result.Result<string, SchemaNameError> =>
  Result.map(
    Result.all(parts.flatMap((part) => part.split("__").map((piece) => normalizeIdentifierPart(piece, "identifier part")))),
    (pieces) => {
      const candidate = pieces.join("__")
      if (candidate.length <= MAX_IDENTIFIER_LENGTH) return candidate
      const head = rstripCharacters(candidate.slice(0, 52), "_") || candidate.slice(0, 1)
      return `${head}_${md5Hex(candidate).slice(0, 10)}`
    }
  )

/** `boundedIdentifierResult`, throwing the `SchemaNameError`. */
export const boundedIdentifier = (...parts: ReadonlyArray<string>): string =>
  Result.getOrThrow(boundedIdentifierResult(...parts))

/**
 * A constraint name from `prefix`, the table and column lists, as the SDK builds it: each column is normalised
 * as one part (so `a__b` becomes `a_b`) before the table is looked at, which is why a bad column is reported
 * before a bad table; lists marked `required` must not be empty.
 */
const constraintName = (
  prefix: string,
  what: string,
  segments: ReadonlyArray<string | { readonly columns: ReadonlyArray<string>; readonly required: boolean }>
): Result.Result<string, SchemaNameError> =>
  Result.gen(function*() {
    const parts: Array<string> = [prefix]
    for (const segment of segments) {
      if (typeof segment === "string") {
        parts.push(segment)
        continue
      }
      if (segment.required && segment.columns.length === 0) {
        return yield* Result.fail(new SchemaNameError({ field: "columns", value: what, problem: "required" }))
      }
      for (const column of segment.columns) parts.push(yield* normalizeIdentifierPart(column, "column"))
    }
    return yield* boundedIdentifierResult(...parts)
  })

const columns = (list: ReadonlyArray<string>, required = true) => ({ columns: list, required })

/** `ix__T__cols` or, unique, `uix__T__cols`; at least one column. */
export const schemaIndexNameResult = (
  table: string,
  indexColumns: ReadonlyArray<string>,
  options?: { readonly unique?: boolean | undefined }
): Result.Result<string, SchemaNameError> =>
  constraintName(options?.unique === true ? "uix" : "ix", `index on ${table}`, [table, columns(indexColumns)])

/** `schemaIndexNameResult`, throwing the `SchemaNameError`. */
export const schemaIndexName = (
  table: string,
  indexColumns: ReadonlyArray<string>,
  options?: { readonly unique?: boolean | undefined }
): string => Result.getOrThrow(schemaIndexNameResult(table, indexColumns, options))

/** `fk__T__cols__target[__targetcols]`; at least one source column, target columns may be omitted. */
export const schemaForeignKeyNameResult = (
  table: string,
  sourceColumns: ReadonlyArray<string>,
  targetTable: string,
  targetColumns: ReadonlyArray<string> = []
): Result.Result<string, SchemaNameError> =>
  constraintName("fk", `foreign key on ${table}`, [
    table,
    columns(sourceColumns),
    targetTable,
    columns(targetColumns, false)
  ])

/** `schemaForeignKeyNameResult`, throwing the `SchemaNameError`. */
export const schemaForeignKeyName = (
  table: string,
  sourceColumns: ReadonlyArray<string>,
  targetTable: string,
  targetColumns: ReadonlyArray<string> = []
): string => Result.getOrThrow(schemaForeignKeyNameResult(table, sourceColumns, targetTable, targetColumns))

/** `pk__T`. */
export const schemaPrimaryKeyName = (table: string): string => boundedIdentifier("pk", table)

/** `uq__T__cols`; at least one column. */
export const schemaUniqueConstraintNameResult = (
  table: string,
  uniqueColumns: ReadonlyArray<string>
): Result.Result<string, SchemaNameError> =>
  constraintName("uq", `unique constraint on ${table}`, [table, columns(uniqueColumns)])

/** `schemaUniqueConstraintNameResult`, throwing the `SchemaNameError`. */
export const schemaUniqueConstraintName = (table: string, uniqueColumns: ReadonlyArray<string>): string =>
  Result.getOrThrow(schemaUniqueConstraintNameResult(table, uniqueColumns))

/** `ck__T__name`, or `ck__T` without a name (none and `""` alike). */
export const schemaCheckConstraintNameResult = (
  table: string,
  name?: string | undefined
): Result.Result<string, SchemaNameError> =>
  name === undefined || name === "" ? boundedIdentifierResult("ck", table) : boundedIdentifierResult("ck", table, name)

/** `schemaCheckConstraintNameResult`, throwing the `SchemaNameError`. */
export const schemaCheckConstraintName = (table: string, name?: string | undefined): string =>
  Result.getOrThrow(schemaCheckConstraintNameResult(table, name))

/**
 * The directory name for a migration namespace's revisions, as the SDK makes it: the namespace trimmed
 * (`default` when nothing is left), lower-cased, each run outside `[a-z0-9]` one `_`, stripped (`default`
 * when nothing is left); beyond 48 characters, the first 37 without trailing `_`, then `_` and 10 hex digits
 * of the SHA-1 of the trimmed namespace.
 */
export const namespaceVersionSlug = (namespace: string | undefined): string => {
  const trimmed = namespace === undefined ? "" : stripWhitespace(namespace)
  if (trimmed === "") return "default"
  const slug = stripCharacters(trimmed.toLowerCase().replace(/[^a-z0-9]+/g, "_"), "_")
  if (slug === "") return "default"
  if (slug.length <= 48) return slug
  return `${rstripCharacters(slug.slice(0, 37), "_")}_${sha1Hex(trimmed).slice(0, 10)}`
}
