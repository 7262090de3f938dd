/**
 * Names drizzle-kit cannot quote. drizzle-kit writes every identifier as `"name"` without doubling a `"`
 * inside it, so a table named `x" (a int); CREATE TABLE pwned (b int); --` would become SQL of the name's
 * choosing. Before a diff, every name holding a `"` is replaced in both models by a mask (`mtq_` and a
 * digest of the name); after it, each quoted mask in the generated SQL becomes the name quoted properly
 * (`quoteIdentifier`). A mask left anywhere else (a name drizzle-kit wrote unquoted, or inside a literal) is
 * refused, so a statement is either quoted right or not produced at all.
 *
 * Enum values get the same care: drizzle-kit writes `ALTER TYPE ... ADD VALUE 'it's'` without doubling the
 * `'`, so every value holding one is masked (`mtv_` and a digest) and each `'mask'` in the SQL becomes the
 * value quoted properly (`quoteLiteral`).
 */
import * as NodeCrypto from "node:crypto"
import { quoteIdentifier, quoteLiteral } from "../db/SqlText.ts"
import type { SchemaEntity, SchemaSnapshot } from "./StorageSchema.ts"

/** Whether drizzle-kit would write `name` wrongly: a `"` inside it is not doubled. */
export const needsMasking = (name: string): boolean => name.includes("\"")

/** Whether drizzle-kit would write the enum value wrongly somewhere: a `'` inside it is not doubled. */
export const valueNeedsMasking = (value: string): boolean => value.includes("'")

const digest = (text: string) => NodeCrypto.createHash("sha256").update(text, "utf8").digest("hex").slice(0, 24)
const maskOf = (name: string): string => `mtq_${digest(name)}`
const valueMaskOf = (value: string): string => `mtv_${digest(value)}`

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** The fields of a model entity that hold identifiers (the rest are literals, SQL or options). */
const maskEntity = (entity: SchemaEntity, mask: (name: string) => string, maskValue: (value: string) => string): SchemaEntity => {
  const copy = { ...entity } as Mutable<SchemaEntity> & Record<string, unknown>
  if (entity.entityType === "enums") copy["values"] = entity.values.map(maskValue)
  for (const key of ["schema", "table", "name", "schemaTo", "tableTo"] as const) {
    const value = copy[key]
    if (typeof value === "string") copy[key] = mask(value)
  }
  for (const key of ["columns", "columnsTo"] as const) {
    const value = copy[key]
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) copy[key] = value.map(mask)
  }
  if (entity.entityType === "indexes") {
    copy["columns"] = entity.columns.map((column) => column.isExpression ? column : { ...column, value: mask(column.value) })
  }
  if (entity.entityType === "columns") {
    // An enum (or other named) column's type is an identifier in its type schema.
    if (entity.typeSchema !== null && entity.typeSchema !== undefined) {
      copy["typeSchema"] = mask(entity.typeSchema)
      copy["type"] = mask(entity.type)
    }
    if (entity.identity !== null && entity.identity !== undefined) {
      copy["identity"] = { ...entity.identity, name: mask(entity.identity.name) }
    }
  }
  return copy as SchemaEntity
}

/** A mask over the names of some models, and the way back from SQL written over the masked models. */
export interface NameMask {
  /** Whether any name needed a mask (when not, the models and SQL pass unchanged). */
  readonly active: boolean
  readonly name: (name: string) => string
  /** An enum value as the masked models hold it. */
  readonly value: (value: string) => string
  readonly snapshot: (snapshot: SchemaSnapshot) => SchemaSnapshot
  /**
   * The statement with every `"mask"` replaced by its name quoted properly and every `'mask'` by its enum
   * value quoted properly; the names (or values) of the masks that stood anywhere else, when some did.
   */
  readonly unmask: (statement: string) => { readonly sql: string } | { readonly unquoted: ReadonlyArray<string> }
}

const identifierValues = (entity: SchemaEntity): ReadonlyArray<string> => {
  const values: Array<string> = []
  const record = entity as unknown as Record<string, unknown>
  for (const key of ["schema", "table", "name", "schemaTo", "tableTo", "typeSchema"]) {
    if (typeof record[key] === "string") values.push(record[key] as string)
  }
  for (const key of ["columns", "columnsTo"]) {
    const value = record[key]
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === "string") values.push(item)
        else if (item !== null && typeof item === "object" && typeof item.value === "string" && item.isExpression !== true) {
          values.push(item.value)
        }
      }
    }
  }
  if (entity.entityType === "columns") {
    if (entity.typeSchema !== null && entity.typeSchema !== undefined) values.push(entity.type)
    if (entity.identity !== null && entity.identity !== undefined) values.push(entity.identity.name)
  }
  return values
}

/** The mask for every name of `snapshots` (and of `extraNames`, such as rename hints) that holds a `"`. */
export const nameMask = (snapshots: ReadonlyArray<SchemaSnapshot>, extraNames: ReadonlyArray<string> = []): NameMask => {
  const masked = new Map<string, string>()
  const consider = (name: string) => {
    if (needsMasking(name) && !masked.has(name)) masked.set(name, maskOf(name))
  }
  const maskedValues = new Map<string, string>()
  for (const snapshot of snapshots) {
    for (const entity of snapshot.ddl) {
      identifierValues(entity).forEach(consider)
      if (entity.entityType !== "enums") continue
      for (const value of entity.values) if (valueNeedsMasking(value)) maskedValues.set(value, valueMaskOf(value))
    }
  }
  extraNames.forEach(consider)
  const names = new Map<string, string>(Array.from(masked, ([name, mask]) => [mask, name]))
  const values = new Map<string, string>(Array.from(maskedValues, ([value, mask]) => [mask, value]))
  const mask = (name: string) => masked.get(name) ?? name
  const maskValue = (value: string) => maskedValues.get(value) ?? value
  const active = masked.size > 0 || maskedValues.size > 0
  const maskPattern = /"?mtq_[0-9a-f]{24}"?|'?mtv_[0-9a-f]{24}'?/g
  return {
    active,
    name: mask,
    value: maskValue,
    snapshot: (snapshot) => !active ? snapshot : { ...snapshot, ddl: snapshot.ddl.map((entity) => maskEntity(entity, mask, maskValue)) },
    unmask: (statement) => {
      if (!active) return { sql: statement }
      const unquoted: Array<string> = []
      const sql = statement.replace(maskPattern, (found) => {
        const bare = found.replaceAll("\"", "").replaceAll("'", "")
        const name = names.get(bare)
        if (name !== undefined) {
          if (found === `"${bare}"`) return quoteIdentifier(name)
          unquoted.push(name)
          return found
        }
        const value = values.get(bare)
        if (value === undefined) return found
        if (found === `'${bare}'`) return quoteLiteral(value)
        unquoted.push(value)
        return found
      })
      return unquoted.length === 0 ? { sql } : { unquoted }
    }
  }
}
