/**
 * Reading configuration schemas: the annotation keys metatables puts on them, where a field's annotations live,
 * and how field paths are spelled in errors. Shared by the definer, the JSON Schema and the canonical form.
 */
import * as Predicate from "effect/Predicate"
import type * as SchemaAST from "effect/SchemaAST"
import type { AnyStorageTable } from "../../storage/StorageTable.ts"

/** On a configuration class's declaration: its identifier. */
export const CONFIGURATION_ANNOTATION = "metatables/datanode/configuration"
/** On a `StorageReference` declaration: the tables it may hold. */
export const STORAGE_REFERENCE_ANNOTATION = "metatables/datanode/storageReference"
/** The public annotation that keeps a field out of the update hash. */
export const HASH_EXCLUDED_ANNOTATION = "hashExcluded"
/** The JSON Schema keyword our strict-fields check leaves behind, replaced by `additionalProperties: false`. */
export const CLOSED_OBJECT_KEYWORD = "x-metatables-configuration"

// Annotations live on the node, on its last check (`Schema.Finite.annotate(...)`) or on the key
// (`annotateKey`); `Schema.optional(X)` and `Schema.NullOr(X)` wrap X in a union, and authors annotate either.
const isNullish = (ast: SchemaAST.AST): boolean =>
  ast._tag === "Undefined" || ast._tag === "Null" || ast._tag === "Void"

/** The single member of `X | undefined | null`, when `ast` is such a union. */
export const unwrapNullish = (ast: SchemaAST.AST): SchemaAST.AST | undefined => {
  if (ast._tag !== "Union") return undefined
  const members = ast.types.filter((member) => !isNullish(member))
  return members.length === 1 && members.length < ast.types.length ? members[0] : undefined
}

/** Every annotation record attached to a node itself: its own, its checks' and its key's. */
export const ownAnnotations = (ast: SchemaAST.AST): ReadonlyArray<Readonly<Record<string, unknown>>> => [
  ...(ast.annotations === undefined ? [] : [ast.annotations]),
  ...(ast.checks ?? []).flatMap((check) => check.annotations === undefined ? [] : [check.annotations]),
  ...(ast.context?.annotations === undefined ? [] : [ast.context.annotations])
]

/**
 * A field's annotation: on the key, on the schema (latest first, so a check's annotations win over the base's),
 * or on the one member of an optional or nullable field.
 */
export const fieldAnnotation = (ast: SchemaAST.AST, key: string): unknown => {
  const own = ownAnnotations(ast)
  for (let index = own.length - 1; index >= 0; index--) {
    const value = own[index]?.[key]
    if (value !== undefined) return value
  }
  const member = unwrapNullish(ast)
  return member === undefined ? undefined : fieldAnnotation(member, key)
}

export const isHashExcluded = (ast: SchemaAST.AST): boolean => fieldAnnotation(ast, HASH_EXCLUDED_ANNOTATION) === true

/** The tables a `StorageReference` may hold, when `ast` is one. */
export const storageReferenceTables = (ast: SchemaAST.AST): ReadonlyArray<AnyStorageTable> | undefined => {
  if (ast._tag !== "Declaration") return undefined
  const tables = ast.annotations?.[STORAGE_REFERENCE_ANNOTATION]
  return Array.isArray(tables) ? tables : undefined
}

/** The configuration identifier, when `ast` is a `DataNodeConfiguration` class. */
export const configurationIdentifier = (ast: SchemaAST.AST): string | undefined => {
  if (ast._tag !== "Declaration") return undefined
  const identifier = ast.annotations?.[CONFIGURATION_ANNOTATION]
  return Predicate.isString(identifier) ? identifier : undefined
}

/** The fields of a `Schema.Class` (a declaration over one struct), when `ast` is one. */
export const classStruct = (ast: SchemaAST.AST): SchemaAST.Objects | undefined => {
  if (ast._tag !== "Declaration" || ast.typeParameters.length !== 1) return undefined
  const struct = ast.typeParameters[0]
  return struct?._tag === "Objects" ? struct : undefined
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** `parent.key`, or `parent["odd key"]`; the top level has no parent. */
export const keyPath = (parent: string, key: PropertyKey): string => {
  const name = String(key)
  if (Predicate.isString(key) && IDENTIFIER.test(key)) return parent === "" ? name : `${parent}.${name}`
  return `${parent}[${JSON.stringify(name)}]`
}

/** `parent[index]`; `[*]` stands for every item where a schema, not a value, is described. */
export const itemPath = (parent: string, index: number | "*"): string => `${parent}[${index}]`
