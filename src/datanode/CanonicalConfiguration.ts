/**
 * The canonical form of a configuration: the JSON value its update hash is computed from, with one rendering
 * per configuration, whatever the runtime, key order or construction path.
 *
 * - Fields marked `hashExcluded` are left out, at any depth (nested configurations and structs, items of
 *   arrays and records).
 * - An absent field and a field holding `undefined` are the same and are left out; `null` is a value.
 * - Numbers must be finite (`-0` is `0`); bigints and decimals (`BigDecimal`, normalized, never in exponent
 *   form) are strings; `Date` and `DateTime` values are ISO-8601 UTC instants with milliseconds
 *   (`2024-01-01T00:00:00.000Z`), so a zoned time and its UTC instant hash alike; enums and literals are their
 *   values; `Option` is `null` or its value.
 * - A `StorageReference` field is `{ "storage_uid": <the table's bound catalog uid> }`; a storage table
 *   anywhere else is refused, as is any value without a canonical form (NaN, class instances, functions).
 */
import * as BigDecimal from "effect/BigDecimal"
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type { CanonicalJsonValue } from "../storage/CanonicalJson.ts"
import { type AnyStorageTable, isStorageTable } from "../storage/StorageTable.ts"
import { ConfigurationHashError } from "./ConfigurationHashError.ts"
import {
  type AnyDataNodeConfiguration,
  type AnyDataNodeConfigurationClass,
  isDataNodeConfiguration
} from "./DataNodeConfiguration.ts"
import { classStruct, isHashExcluded, itemPath, keyPath, storageReferenceTables } from "./internal/configurationAst.ts"
import { StorageNotBoundError } from "./StorageNotBoundError.ts"

/** A storage table a configuration references, and the field that references it. */
export interface StorageReferenceUse {
  readonly field: string
  readonly table: AnyStorageTable
}

type CanonicalError = ConfigurationHashError | StorageNotBoundError
type Rendered = Result.Result<CanonicalJsonValue | undefined, CanonicalError>

interface Walk {
  readonly configuration: string
  /** What a reference renders as: the bound uid, or a placeholder while references are only collected. */
  readonly reference: (table: AnyStorageTable, field: string) => Result.Result<CanonicalJsonValue, CanonicalError>
}

const absent: Rendered = Result.succeed(undefined)

const isPlainObject = (value: object): boolean => {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const describe = (value: unknown): string => {
  if (value === undefined) return "undefined"
  if (Predicate.isNumber(value)) return String(value)
  if (Predicate.isFunction(value)) return "a function"
  if (Predicate.isSymbol(value)) return `the symbol ${String(value)}`
  if (value instanceof Date) return "an invalid Date"
  if (Array.isArray(value)) return "an array"
  if (Predicate.isObject(value) && isPlainObject(value)) return "a plain object"
  if (Predicate.isObject(value)) return `an instance of ${value.constructor?.name ?? "an unknown class"}`
  return typeof value
}

const unsupported = (walk: Walk, field: string, value: unknown): Rendered =>
  Result.fail(
    new ConfigurationHashError({
      configuration: walk.configuration,
      field,
      reason: "unsupported-value",
      found: describe(value)
    })
  )

/** A decimal in plain positional notation: `-12.5`, `1000`, `0.001`. */
const decimalString = (decimal: BigDecimal.BigDecimal): string => {
  const { scale, value } = BigDecimal.normalize(decimal)
  const digits = (value < 0n ? -value : value).toString()
  const sign = value < 0n ? "-" : ""
  if (scale <= 0) return `${sign}${digits}${"0".repeat(-scale)}`
  if (digits.length > scale) return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
  return `${sign}0.${"0".repeat(scale - digits.length)}${digits}`
}

const instant = (millis: number): string => new Date(millis).toISOString()

/** Renders by the value alone: where the schema says nothing more (unknown, literals, primitives, dates). */
const renderValue = (value: unknown, field: string, walk: Walk): Rendered => {
  if (value === undefined) return absent
  if (value === null || Predicate.isString(value) || Predicate.isBoolean(value)) return Result.succeed(value)
  if (Predicate.isNumber(value)) {
    if (!Number.isFinite(value)) return unsupported(walk, field, value)
    return Result.succeed(value === 0 ? 0 : value)
  }
  if (Predicate.isBigInt(value)) return Result.succeed(value.toString())
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? unsupported(walk, field, value) : Result.succeed(instant(value.getTime()))
  }
  if (DateTime.isDateTime(value)) return Result.succeed(instant(DateTime.toEpochMillis(value)))
  if (BigDecimal.isBigDecimal(value)) return Result.succeed(decimalString(value))
  if (Option.isOption(value)) return Option.isNone(value) ? Result.succeed(null) : renderValue(value.value, field, walk)
  if (isStorageTable(value)) {
    return Result.fail(
      new ConfigurationHashError({
        configuration: walk.configuration,
        field,
        reason: "storage-table-value",
        found: `the storage table "${value.metadata.identifier}"`
      })
    )
  }
  if (Array.isArray(value)) return renderItems(value, () => undefined, field, walk)
  if (Predicate.isObject(value) && isPlainObject(value)) {
    const out: Record<string, CanonicalJsonValue> = {}
    for (const key of Object.keys(value)) {
      const rendered = renderValue((value as Record<string, unknown>)[key], keyPath(field, key), walk)
      if (Result.isFailure(rendered)) return rendered
      if (rendered.success !== undefined) out[key] = rendered.success
    }
    return Result.succeed(out)
  }
  return unsupported(walk, field, value)
}

const renderItems = (
  items: ReadonlyArray<unknown>,
  schemaAt: (index: number) => SchemaAST.AST | undefined,
  field: string,
  walk: Walk
): Rendered => {
  const out: Array<CanonicalJsonValue> = []
  for (let index = 0; index < items.length; index++) {
    const path = itemPath(field, index)
    const item = items[index]
    // Arrays cannot leave an item out, and rendering `undefined` as null would merge two values.
    if (item === undefined) return unsupported(walk, path, item)
    const ast = schemaAt(index)
    const rendered = ast === undefined ? renderValue(item, path, walk) : render(ast, item, path, walk)
    if (Result.isFailure(rendered)) return rendered
    out.push(rendered.success ?? null)
  }
  return Result.succeed(out)
}

/** The item schema at `index` of a tuple or array: leading elements, then the rest, then trailing elements. */
const arraySchemaAt = (ast: SchemaAST.Arrays, length: number) => (index: number): SchemaAST.AST | undefined => {
  if (index < ast.elements.length) return ast.elements[index]
  const [rest, ...trailing] = ast.rest
  const fromEnd = length - index
  if (fromEnd <= trailing.length) return trailing[trailing.length - fromEnd]
  return rest
}

const renderObject = (
  ast: SchemaAST.Objects,
  value: object,
  field: string,
  walk: Walk,
  options: { readonly indexSignatures: boolean }
): Rendered => {
  const record = value as Record<PropertyKey, unknown>
  const out: Record<string, CanonicalJsonValue> = {}
  const declared = new Set<PropertyKey>()
  for (const property of ast.propertySignatures) {
    declared.add(property.name)
    if (isHashExcluded(property.type)) continue
    const path = keyPath(field, property.name)
    if (!Predicate.isString(property.name)) return unsupported(walk, path, property.name)
    const rendered = render(property.type, record[property.name], path, walk)
    if (Result.isFailure(rendered)) return rendered
    if (rendered.success !== undefined) out[property.name] = rendered.success
  }
  const signature = options.indexSignatures ? ast.indexSignatures[0] : undefined
  if (signature !== undefined && !isHashExcluded(signature.type)) {
    for (const key of Object.keys(record)) {
      if (declared.has(key)) continue
      const rendered = render(signature.type, record[key], keyPath(field, key), walk)
      if (Result.isFailure(rendered)) return rendered
      if (rendered.success !== undefined) out[key] = rendered.success
    }
  }
  return Result.succeed(out)
}

const isMember = (ast: SchemaAST.AST, value: unknown): boolean => Schema.is(Schema.make<Schema.Top>(ast))(value)

/** Renders `value` as described by its schema `ast`. */
const render = (ast: SchemaAST.AST, value: unknown, field: string, walk: Walk): Rendered => {
  if (value === undefined) return absent
  const tables = storageReferenceTables(ast)
  if (tables !== undefined) {
    if (!isStorageTable(value) || !tables.includes(value)) return unsupported(walk, field, value)
    return walk.reference(value, field)
  }
  switch (ast._tag) {
    case "Suspend":
      return render(ast.thunk(), value, field, walk)
    case "Declaration": {
      const struct = classStruct(ast)
      if (struct === undefined || !Predicate.isObject(value) || Option.isOption(value)) {
        const [parameter] = ast.typeParameters
        if (Option.isOption(value) && parameter !== undefined) {
          return Option.isNone(value) ? Result.succeed(null) : render(parameter, value.value, field, walk)
        }
        return renderValue(value, field, walk)
      }
      // Configurations keep their unknown-field signature out of their shape; plain classes have none.
      return renderObject(struct, value, field, walk, { indexSignatures: false })
    }
    case "Objects":
      if (!Predicate.isObject(value) || Array.isArray(value)) return renderValue(value, field, walk)
      return renderObject(ast, value, field, walk, { indexSignatures: true })
    case "Arrays":
      if (!Array.isArray(value)) return renderValue(value, field, walk)
      return renderItems(value, arraySchemaAt(ast, value.length), field, walk)
    case "Union": {
      const member = ast.types.find((type) => isMember(type, value))
      return member === undefined ? renderValue(value, field, walk) : render(member, value, field, walk)
    }
    default:
      return renderValue(value, field, walk)
  }
}

const configurationClassOf = (configuration: AnyDataNodeConfiguration): AnyDataNodeConfigurationClass =>
  configuration.constructor as unknown as AnyDataNodeConfigurationClass

/** Refuses what is not a configuration instance (possible where types were erased); `owner` names the node. */
export const requireConfiguration = (
  configuration: unknown,
  owner: string
): Result.Result<AnyDataNodeConfiguration, ConfigurationHashError> =>
  isDataNodeConfiguration(configuration) ? Result.succeed(configuration) : Result.fail(
    new ConfigurationHashError({
      configuration: owner,
      field: "",
      reason: "not-a-configuration",
      found: describe(configuration)
    })
  )

const renderConfiguration = (
  candidate: unknown,
  reference: Walk["reference"]
): Result.Result<CanonicalJsonValue, CanonicalError> => {
  const checked = requireConfiguration(candidate, "")
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const configuration = checked.success
  const schema = configurationClassOf(configuration)
  const walk: Walk = { configuration: schema.identifier, reference }
  return Result.map(render(schema.ast, configuration, "", walk), (rendered) => rendered ?? {})
}

/** The storage tables a configuration references through fields that enter the hash, in field order. */
export const configurationStorageReferences = (
  configuration: AnyDataNodeConfiguration
): Result.Result<ReadonlyArray<StorageReferenceUse>, ConfigurationHashError> => {
  const uses: Array<StorageReferenceUse> = []
  const rendered = renderConfiguration(configuration, (table, field) => {
    uses.push({ table, field })
    return Result.succeed(null)
  })
  return Result.isFailure(rendered)
    ? Result.fail(rendered.failure as ConfigurationHashError)
    : Result.succeed(uses)
}

/**
 * The canonical JSON value of a configuration, its storage references replaced by the catalog uids in
 * `storageUids` (a reference missing from it fails with `StorageNotBoundError`).
 */
export const canonicalConfiguration = (
  configuration: AnyDataNodeConfiguration,
  storageUids: ReadonlyMap<AnyStorageTable, string>
): Result.Result<CanonicalJsonValue, CanonicalError> =>
  renderConfiguration(configuration, (table, field) => {
    const uid = storageUids.get(table)
    if (uid !== undefined) return Result.succeed({ storage_uid: uid })
    return Result.fail(
      new StorageNotBoundError({
        identifier: table.metadata.identifier,
        table: `${table.metadata.schema}.${table.metadata.tableName}`,
        field,
        status: null
      })
    )
  })
