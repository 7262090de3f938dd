/**
 * `DataNodeConfiguration`: the base of a DataNode's configuration, an Effect `Schema.Class` whose fields are
 * the node's update identity (their canonical form, hashed, is the update hash).
 *
 * ```ts
 * export class DailyMetricsConfig extends DataNodeConfiguration<DailyMetricsConfig>("DailyMetricsConfig")({
 *   sourceScope: Schema.String.annotate({
 *     description: "Stable upstream scope selected by this updater.",
 *     examples: ["default_scope", "regional_scope"]
 *   }),
 *   offsetStart: Schema.optionalKey(Schema.Date.annotate({ description: "First-run lower bound." })),
 *   displayLabel: hashExcluded(Schema.String.annotate({ description: "Label for dashboards only." }))
 * }) {}
 * ```
 *
 * Like the Python SDK's, every configuration has the built-in field `offsetStart` (the SDK's `offset_start`):
 * an optional first-run fallback start date, absent by default, that enters the update hash like any field.
 * A configuration may declare it again (to describe it or give it examples), as `SpreadConfig` does.
 *
 * The declaration is checked when it is made and throws a `ConfigurationDefinitionError` naming each bad
 * field: every field needs a description; legacy SDK extras, output storage tables, data-source uids and
 * backend uids or hashes are refused at any depth. Decoding rejects unknown fields whatever the parse options,
 * so a typo or a field from an older version never passes silently.
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import * as SchemaGetter from "effect/SchemaGetter"
import { isBlank } from "../storage/internal/isBlank.ts"
import { ConfigurationDefinitionError, type ConfigurationProblem } from "./ConfigurationDefinitionError.ts"
import {
  classStruct,
  CLOSED_OBJECT_KEYWORD,
  CONFIGURATION_ANNOTATION,
  configurationIdentifier,
  fieldAnnotation,
  HASH_EXCLUDED_ANNOTATION,
  itemPath,
  keyPath,
  ownAnnotations,
  storageReferenceTables,
  unwrapNullish
} from "./internal/configurationAst.ts"

export const ConfigurationTypeId: unique symbol = Symbol.for("metatables/datanode/DataNodeConfiguration")
export type ConfigurationTypeId = typeof ConfigurationTypeId

/** What every configuration instance carries: any `DataNodeConfiguration` value. */
export interface AnyDataNodeConfiguration {
  readonly [ConfigurationTypeId]: ConfigurationTypeId
}

/**
 * The SDK's built-in `offset_start`: an optional first-run fallback start date, absent (the SDK's `None`) by
 * default, hashed like any field. Its description is the SDK's.
 */
export const OffsetStart = Schema.optionalKey(Schema.Date.annotate({
  description: "Optional first-run fallback start date. This affects updater bootstrap behavior and participates " +
    "in update hashing."
}))

/** The fields every configuration has before its own. */
export const builtInConfigurationFields = { offsetStart: OffsetStart }
type BuiltInFields = typeof builtInConfigurationFields

/** A configuration's fields: the built-in ones it does not declare again, then its own. */
export type ConfigurationFields<Fields extends Schema.Struct.Fields> = {
  readonly [K in keyof (Omit<BuiltInFields, keyof Fields> & Fields)]: (Omit<BuiltInFields, keyof Fields> & Fields)[K]
}

/** A configuration class: a `Schema.Class` over its fields whose instances are configurations. */
export interface DataNodeConfigurationClass<Self, Fields extends Schema.Struct.Fields>
  extends Schema.Class<Self, Schema.Struct<ConfigurationFields<Fields>>, AnyDataNodeConfiguration>
{
  readonly [ConfigurationTypeId]: ConfigurationTypeId
}

/** Any configuration class, as the schema of its instances. */
export interface AnyDataNodeConfigurationClass extends Schema.Codec<AnyDataNodeConfiguration, unknown> {
  readonly [ConfigurationTypeId]: ConfigurationTypeId
  readonly identifier: string
  readonly fields: Schema.Struct.Fields
}

export const isDataNodeConfiguration = (value: unknown): value is AnyDataNodeConfiguration =>
  Predicate.isObject(value) && Predicate.hasProperty(value, ConfigurationTypeId)

export const isDataNodeConfigurationClass = (value: unknown): value is AnyDataNodeConfigurationClass =>
  Predicate.isFunction(value) && Predicate.hasProperty(value, ConfigurationTypeId)

// Annotations the Python SDK once gave meaning to. Accepting them silently would let an author believe a field
// is excluded (or runtime-only) when it is hashed like any other.
const LEGACY_ANNOTATIONS = new Set([
  "update_only",
  "updateOnly",
  "runtime_only",
  "runtimeOnly",
  "ignore_from_storage_hash",
  "ignoreFromStorageHash",
  "hash_excluded",
  "json_schema_extra"
])

const snakeCase = (name: string): string =>
  name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toLowerCase()

/** Field names that carry backend identity, which a configuration must not. */
const nameProblem = (name: string): ConfigurationProblem["reason"] | undefined => {
  const snake = snakeCase(name)
  if (/^(output_)?storage_?table$/.test(snake)) return "storage-table-field"
  if (/(^|_)data_?source(_(uid|id))?$/.test(snake)) return "data-source-uid"
  if (/(^|_)(meta_?table|table|storage|backend|time_?seri(es|e)|data_?node|node|update)_(uid|id)$/.test(snake)) {
    return "backend-identity"
  }
  if (/(^|_)(storage|update)_hash$/.test(snake)) return "backend-identity"
  return undefined
}

/** Where a schema node sits: a field (which may be hash-excluded) or anything inside one. */
type Position = "field" | "inner"

interface Inspection {
  readonly problems: Array<ConfigurationProblem>
  readonly seen: Set<SchemaAST.AST>
}

const inspectAnnotations = (ast: SchemaAST.AST, field: string, position: Position, inspection: Inspection) => {
  for (const annotations of ownAnnotations(ast)) {
    for (const key of Object.keys(annotations)) {
      if (LEGACY_ANNOTATIONS.has(key)) inspection.problems.push({ field, reason: "legacy-annotation", found: key })
    }
    const excluded = annotations[HASH_EXCLUDED_ANNOTATION]
    if (excluded === undefined) continue
    if (!Predicate.isBoolean(excluded)) {
      const found = JSON.stringify(excluded) ?? typeof excluded
      inspection.problems.push({ field, reason: "invalid-hash-excluded", found })
    } else if (excluded && position !== "field") {
      inspection.problems.push({ field, reason: "misplaced-hash-excluded", found: "hashExcluded" })
    }
  }
}

const inspectObjects = (ast: SchemaAST.Objects, field: string, inspection: Inspection) => {
  for (const property of ast.propertySignatures) {
    const path = keyPath(field, property.name)
    const reason = Predicate.isString(property.name) ? nameProblem(property.name) : undefined
    if (reason !== undefined) inspection.problems.push({ field: path, reason, found: String(property.name) })
    inspect(property.type, path, "field", inspection)
  }
  for (const signature of ast.indexSignatures) inspect(signature.type, itemPath(field, "*"), "inner", inspection)
}

/** Legacy annotations, misplaced exclusions and backend fields anywhere inside a field's schema. */
const inspect = (ast: SchemaAST.AST, field: string, position: Position, inspection: Inspection): void => {
  inspectAnnotations(ast, field, position, inspection)
  // A nested configuration was checked when it was declared; a reference holds tables, not fields.
  if (configurationIdentifier(ast) !== undefined || storageReferenceTables(ast) !== undefined) return
  switch (ast._tag) {
    case "Suspend":
      // Recursive schemas are inspected once: their second visit adds nothing new.
      if (inspection.seen.has(ast)) return
      inspection.seen.add(ast)
      return inspect(ast.thunk(), field, "inner", inspection)
    case "Declaration": {
      const struct = classStruct(ast)
      if (struct !== undefined) return inspectObjects(struct, field, inspection)
      for (const parameter of ast.typeParameters) inspect(parameter, field, "inner", inspection)
      return
    }
    case "Objects":
      return inspectObjects(ast, field, inspection)
    case "Arrays": {
      ast.elements.forEach((element, index) => inspect(element, itemPath(field, index), "inner", inspection))
      for (const rest of ast.rest) inspect(rest, itemPath(field, "*"), "inner", inspection)
      return
    }
    case "Union": {
      // In `Schema.optional(X)` the author means X itself, so X stays in the field's position.
      const wrapped = position === "field" ? unwrapNullish(ast) : undefined
      for (const member of ast.types) inspect(member, field, member === wrapped ? "field" : "inner", inspection)
      return
    }
    default:
      return
  }
}

/** Every problem of a configuration's fields, each naming its field. */
const configurationProblems = (fields: Schema.Struct.Fields): ReadonlyArray<ConfigurationProblem> => {
  const inspection: Inspection = { problems: [], seen: new Set() }
  for (const [name, schema] of Object.entries(fields)) {
    const field = keyPath("", name)
    const reason = nameProblem(name)
    if (reason !== undefined) inspection.problems.push({ field, reason, found: name })
    if (isBlank(fieldAnnotation(schema.ast, "description"))) {
      inspection.problems.push({ field, reason: "missing-description", found: "" })
    }
    inspect(schema.ast, field, "field", inspection)
  }
  return inspection.problems
}

// Accepts anything, in every codec: declared keys are parsed by it too (and its output dropped), so it must
// not constrain them.
const anyValue = Schema.declare((_: unknown): _ is unknown => true, {
  expected: "any value",
  toCodecJson: () => undefined,
  toCodecStringTree: () => undefined,
  // Generated configurations have no unknown fields.
  toCodecArbitrary: () =>
    Schema.link<unknown>()(Schema.Never, { decode: SchemaGetter.passthrough(), encode: SchemaGetter.forbiddenEncoding })
})

/**
 * The struct of a configuration: its fields plus an index signature that keeps unknown keys long enough for
 * a check to refuse them. Excess-property handling is otherwise a parse option (default: strip silently),
 * which every caller would have to remember.
 */
const strictStruct = <Fields extends Schema.Struct.Fields>(identifier: string, fields: Fields) => {
  const struct = Schema.Struct(fields)
  const open = Schema.StructWithRest(struct, [Schema.Record(Schema.String, anyValue)]).check(
    Schema.makeFilter((value: object, ast: SchemaAST.AST) => {
      const declared = ast._tag === "Objects" ? ast.propertySignatures.map((property) => property.name) : []
      return Object.keys(value).filter((key) => !declared.includes(key)).map((key) => ({
        path: [key],
        issue: `Unknown field "${key}": configuration "${identifier}" has the fields ${declared.map(String).join(", ")}`
      }))
    }, {
      expected: `only the fields of configuration "${identifier}"`,
      // Read by configurationJsonSchema, which turns it into `additionalProperties: false` on this object.
      toJsonSchema: () => ({ [CLOSED_OBJECT_KEYWORD]: identifier })
    })
  )
  return struct.rebuild(open.ast)
}

type MissingSelf = "Missing `Self` generic - use `class Self extends DataNodeConfiguration<Self>(...)`"

/**
 * Declares a DataNode configuration class: `class C extends DataNodeConfiguration<C>("C")({ ...fields }) {}`.
 * `identifier` names it in errors, in JSON Schema and in decoding; it does not enter the update hash.
 */
export const DataNodeConfiguration = <Self = never>(identifier: string) =>
<const Fields extends Schema.Struct.Fields>(
  fields: Fields,
  annotations?: Schema.Annotations.Declaration<Self, readonly [Schema.Struct<ConfigurationFields<Fields>>]>
): [Self] extends [never] ? MissingSelf : DataNodeConfigurationClass<Self, Fields> => {
  const problems = configurationProblems(fields)
  if (problems.length > 0) throw new ConfigurationDefinitionError({ configuration: identifier, problems })
  const allFields = { ...builtInConfigurationFields, ...fields } as ConfigurationFields<Fields>
  const base = Schema.Class<Self, AnyDataNodeConfiguration>(identifier)(strictStruct(identifier, allFields), {
    ...annotations,
    [CONFIGURATION_ANNOTATION]: identifier
  })
  const Base = base as unknown as new(props: unknown, options?: Schema.MakeOptions) => object
  return class Configuration extends Base {
    static readonly [ConfigurationTypeId]: ConfigurationTypeId = ConfigurationTypeId
    get [ConfigurationTypeId](): ConfigurationTypeId {
      return ConfigurationTypeId
    }
    // Schema.Class#extend rebuilds the struct without the strict-fields signature and skips these checks.
    static extend(): never {
      throw new ConfigurationDefinitionError({
        configuration: identifier,
        problems: [{ field: identifier, reason: "extend-not-supported", found: "extend" }]
      })
    }
  } as never
}
