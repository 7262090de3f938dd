/**
 * `configurationJsonSchema`: the JSON Schema (draft 2020-12) of a configuration's JSON form, for docs and
 * tools. Each configuration object is closed (`additionalProperties: false`, as decoding is) and every field
 * carries its description and examples, which Effect's generator drops for some types (numbers, dates,
 * nested classes).
 */
import * as JsonSchema from "effect/JsonSchema"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import type { AnyDataNodeConfigurationClass } from "./DataNodeConfiguration.ts"
import {
  classStruct,
  CLOSED_OBJECT_KEYWORD,
  configurationIdentifier,
  fieldAnnotation
} from "./internal/configurationAst.ts"

interface FieldDocumentation {
  readonly description: string | undefined
  readonly examples: ReadonlyArray<unknown> | undefined
}

interface ConfigurationDocumentation {
  readonly description: string | undefined
  readonly fields: ReadonlyMap<string, FieldDocumentation>
}

/** Examples are written as decoded values; the document shows them as JSON. */
const jsonExamples = (ast: SchemaAST.AST): ReadonlyArray<unknown> | undefined => {
  const examples = fieldAnnotation(ast, "examples")
  if (!Array.isArray(examples)) return undefined
  const encode = Schema.encodeUnknownResult(Schema.toCodecJson(Schema.make<Schema.Codec<unknown, unknown>>(ast)))
  const encoded = examples.map((example) => encode(example))
  return encoded.every(Result.isSuccess) ? encoded.map((result) => result.success) : undefined
}

/** The documentation of every configuration class reachable from `ast`, by identifier. */
const collectDocumentation = (
  ast: SchemaAST.AST,
  out: Map<string, ConfigurationDocumentation>,
  seen: Set<SchemaAST.AST>
): void => {
  if (seen.has(ast)) return
  seen.add(ast)
  const identifier = configurationIdentifier(ast)
  const struct = classStruct(ast)
  if (identifier !== undefined && struct !== undefined && !out.has(identifier)) {
    const fields = new Map<string, FieldDocumentation>()
    for (const property of struct.propertySignatures) {
      const description = fieldAnnotation(property.type, "description")
      fields.set(String(property.name), {
        description: Predicate.isString(description) ? description : undefined,
        examples: jsonExamples(property.type)
      })
    }
    const description = SchemaAST.resolveDescription(ast)
    out.set(identifier, { description, fields })
  }
  switch (ast._tag) {
    case "Suspend":
      return collectDocumentation(ast.thunk(), out, seen)
    case "Declaration":
      return ast.typeParameters.forEach((parameter) => collectDocumentation(parameter, out, seen))
    case "Objects":
      ast.propertySignatures.forEach((property) => collectDocumentation(property.type, out, seen))
      return ast.indexSignatures.forEach((signature) => collectDocumentation(signature.type, out, seen))
    case "Arrays":
      return [...ast.elements, ...ast.rest].forEach((item) => collectDocumentation(item, out, seen))
    case "Union":
      return ast.types.forEach((member) => collectDocumentation(member, out, seen))
    default:
      return
  }
}

/** `{ type: "object", additionalProperties: {} }`: what the unknown-field signature renders as. */
const isOpenRest = (member: unknown): boolean => {
  if (!Predicate.isObject(member) || Object.keys(member).length !== 2) return false
  const { additionalProperties, type } = member as JsonSchema.JsonSchema
  return type === "object" && Predicate.isObject(additionalProperties) && Object.keys(additionalProperties).length === 0
}

/** Closes each configuration object the strict-fields check marked, and restores its fields' documentation. */
const close = (node: unknown, documentation: ReadonlyMap<string, ConfigurationDocumentation>): unknown => {
  if (Array.isArray(node)) return node.map((item) => close(item, documentation))
  if (!Predicate.isObject(node)) return node
  const out: JsonSchema.JsonSchema = {}
  for (const [key, value] of Object.entries(node)) out[key] = close(value, documentation)
  if (!Array.isArray(out.allOf)) return out
  const marker = out.allOf.find((member) => Predicate.isObject(member) && CLOSED_OBJECT_KEYWORD in member)
  if (marker === undefined) return out
  const rest = out.allOf.filter((member) => member !== marker && !isOpenRest(member))
  if (rest.length === 0) delete out.allOf
  else out.allOf = rest
  out.additionalProperties = false
  const docs = documentation.get(String((marker as JsonSchema.JsonSchema)[CLOSED_OBJECT_KEYWORD]))
  if (docs === undefined) return out
  if (docs.description !== undefined && out.description === undefined) out.description = docs.description
  const properties = Predicate.isObject(out.properties) ? out.properties as Record<string, JsonSchema.JsonSchema> : {}
  for (const [name, field] of docs.fields) {
    const property = properties[name]
    if (property === undefined) continue
    if (field.description !== undefined && property.description === undefined) property.description = field.description
    if (field.examples !== undefined && property.examples === undefined) property.examples = field.examples
  }
  return out
}

/** The configuration's JSON Schema, a standalone draft 2020-12 document (`$schema`, `$defs`). */
export const configurationJsonSchema = (configuration: AnyDataNodeConfigurationClass): JsonSchema.JsonSchema => {
  const document = Schema.toJsonSchemaDocument(configuration)
  const documentation = new Map<string, ConfigurationDocumentation>()
  collectDocumentation(configuration.ast, documentation, new Set())
  const schema = close(document.schema, documentation) as JsonSchema.JsonSchema
  const definitions = close(document.definitions, documentation) as JsonSchema.Definitions
  return {
    $schema: JsonSchema.META_SCHEMA_URI_DRAFT_2020_12,
    ...schema,
    ...(Object.keys(definitions).length === 0 ? {} : { $defs: definitions })
  }
}
