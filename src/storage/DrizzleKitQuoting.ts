/**
 * Names drizzle-kit cannot quote. drizzle-kit writes every identifier as `"name"` without doubling a `"`
 * inside it, so a table named `x" (a int); CREATE TABLE pwned (b int); --` would become SQL of the name's
 * choosing. Before a diff, every name holding a `"` is replaced in both models by a mask (`mtq_` and a
 * digest of the name); after it, each quoted mask in the generated SQL becomes the name quoted properly
 * (`quoteIdentifier`). A mask left anywhere else (a name drizzle-kit wrote unquoted, or inside a literal) is
 * refused, so a statement is either quoted right or not produced at all.
 */
import * as NodeCrypto from "node:crypto"
import { quoteIdentifier } from "../db/SqlText.ts"
import type { SchemaEntity, SchemaSnapshot } from "./StorageSchema.ts"

/** Whether drizzle-kit would write `name` wrongly: a `"` inside it is not doubled. */
export const needsMasking = (name: string): boolean => name.includes("\"")

const maskOf = (name: string): string => `mtq_${NodeCrypto.createHash("sha256").update(name, "utf8").digest("hex").slice(0, 24)}`

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** The fields of a model entity that hold identifiers (the rest are literals, SQL or options). */
const maskEntity = (entity: SchemaEntity, mask: (name: string) => string): SchemaEntity => {
  const copy = { ...entity } as Mutable<SchemaEntity> & Record<string, unknown>
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
  readonly snapshot: (snapshot: SchemaSnapshot) => SchemaSnapshot
  /**
   * The statement with every `"mask"` replaced by its name quoted properly; a string naming the masks
   * that stood anywhere but between double quotes, when some did.
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
  for (const snapshot of snapshots) for (const entity of snapshot.ddl) identifierValues(entity).forEach(consider)
  extraNames.forEach(consider)
  const names = new Map<string, string>(Array.from(masked, ([name, mask]) => [mask, name]))
  const mask = (name: string) => masked.get(name) ?? name
  const maskPattern = /"?mtq_[0-9a-f]{24}"?/g
  return {
    active: masked.size > 0,
    name: mask,
    snapshot: (snapshot) => masked.size === 0 ? snapshot : { ...snapshot, ddl: snapshot.ddl.map((entity) => maskEntity(entity, mask)) },
    unmask: (statement) => {
      if (masked.size === 0) return { sql: statement }
      const unquoted: Array<string> = []
      const sql = statement.replace(maskPattern, (found) => {
        const bare = found.replaceAll("\"", "")
        const name = names.get(bare)
        if (name === undefined) return found
        if (found === `"${bare}"`) return quoteIdentifier(name)
        unquoted.push(name)
        return found
      })
      return unquoted.length === 0 ? { sql } : { unquoted }
    }
  }
}
