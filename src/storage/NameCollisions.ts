/**
 * Generated names that would collide. The SDK's names normalise their parts, so tables `"PeerDup"` and
 * `"peerdup"` both get `pk__peerdup`, and columns `"a b"` and `"a_b"` both get `uq__t__a_b`; PostgreSQL
 * refuses the second. Where generated names meet in one namespace (index and key names in a schema, where
 * they share it with tables and sequences; constraint names in a table), the SDK name stays with the entity
 * whose parts are already normal (`peerdup`, `a_b`), or else with the first by its parts' text, and each
 * other gets `_` and 8 hex digits of the MD5 of its own parts, so the result depends only on the models.
 */
import * as NodeCrypto from "node:crypto"
import { MAX_IDENTIFIER_LENGTH, slugifyIdentifier } from "./Naming.ts"
import type { SchemaEntity } from "./StorageSchema.ts"

/** A generated name changed so as not to collide with another. */
export interface NameCollision {
  /** `schema.table` of the entity renamed. */
  readonly table: string
  readonly kind: string
  /** The SDK's name, kept by another entity. */
  readonly sdkName: string
  /** The name given instead. */
  readonly name: string
  /** What the SDK name stays with: `schema.table` and, for constraints on columns, their list. */
  readonly keptBy: string
}

type Named = Extract<SchemaEntity, { readonly entityType: "pks" | "uniques" | "fks" | "indexes" | "checks" }>

const isNamed = (entity: SchemaEntity): entity is Named =>
  entity.entityType === "pks" || entity.entityType === "uniques" || entity.entityType === "fks" ||
  entity.entityType === "indexes" || entity.entityType === "checks"

/** The parts a generated name was made from, as given (before normalising). */
const partsOf = (entity: Named, original: Named): ReadonlyArray<string> => {
  switch (original.entityType) {
    case "pks":
    case "uniques":
      return [original.table, ...original.columns]
    case "fks":
      return [original.table, ...original.columns, original.tableTo, ...original.columnsTo]
    case "indexes":
      return [original.table, ...original.columns.map((column) => column.value)]
    case "checks":
      return [original.table, original.name]
  }
  return [entity.name]
}

const describe = (entity: Named, parts: ReadonlyArray<string>): string =>
  `${entity.schema}.${entity.table}${parts.length > 1 ? ` (${parts.slice(1).join(", ")})` : ""}`

const digest = (text: string) => NodeCrypto.createHash("md5").update(text, "utf8").digest("hex").slice(0, 8)

const distinctName = (name: string, parts: string) => {
  const suffix = `_${digest(parts)}`
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length)}${suffix}`
}

/**
 * `named` (the model after the naming convention) with colliding generated names made distinct. `original`
 * is the same model before it (same order), which tells which names were generated and from what.
 */
export const separateCollidingNames = (
  original: ReadonlyArray<SchemaEntity>,
  named: ReadonlyArray<SchemaEntity>
): { readonly ddl: ReadonlyArray<SchemaEntity>; readonly collisions: ReadonlyArray<NameCollision> } => {
  interface Candidate {
    readonly index: number
    readonly entity: Named
    readonly parts: ReadonlyArray<string>
    readonly key: string
    readonly normal: boolean
  }
  const fixed = new Map<string, string>()
  const groups = new Map<string, Array<Candidate>>()
  const add = (namespace: string, candidate: Candidate) => {
    const key = `${namespace}\u0000${candidate.entity.name}`
    groups.set(key, [...(groups.get(key) ?? []), candidate])
  }
  named.forEach((entity, index) => {
    const before = original[index]!
    if (entity.entityType === "tables" || entity.entityType === "sequences") {
      fixed.set(`relation\u0000${entity.schema}\u0000${entity.name}`, `${entity.schema}.${entity.name}`)
      return
    }
    if (!isNamed(entity) || !isNamed(before)) return
    const generated = before.name !== entity.name || (before.entityType !== "checks" && !before.nameExplicit)
    if (!generated) {
      // An explicit name is the author's; it still occupies its namespace.
      if (entity.entityType !== "fks" && entity.entityType !== "checks") {
        fixed.set(`relation\u0000${entity.schema}\u0000${entity.name}`, `${entity.schema}.${entity.table}`)
      }
      return
    }
    const parts = partsOf(entity, before)
    const candidate: Candidate = {
      index,
      entity,
      parts,
      key: JSON.stringify([entity.entityType, entity.schema, ...parts]),
      normal: parts.every((part) => slugifyIdentifier(part) === part)
    }
    // Keys and indexes are relations of the schema; every constraint is also named within its table.
    if (entity.entityType === "pks" || entity.entityType === "uniques" || entity.entityType === "indexes") {
      add(`relation\u0000${entity.schema}`, candidate)
    }
    if (entity.entityType !== "indexes") add(`constraint\u0000${entity.schema}\u0000${entity.table}`, candidate)
  })
  const renamed = new Map<number, NameCollision>()
  for (const [key, candidates] of groups) {
    const distinct = candidates.filter((candidate, position) => candidates.findIndex((other) => other.index === candidate.index) === position)
    const occupiedBy = fixed.get(key)
    if (distinct.length < 2 && occupiedBy === undefined) continue
    const ordered = [...distinct].sort((a, b) => (a.normal === b.normal ? (a.key < b.key ? -1 : 1) : a.normal ? -1 : 1))
    const keeper = occupiedBy === undefined ? ordered[0] : undefined
    for (const candidate of ordered) {
      if (candidate === keeper || renamed.has(candidate.index)) continue
      renamed.set(candidate.index, {
        table: `${candidate.entity.schema}.${candidate.entity.table}`,
        kind: candidate.entity.entityType,
        sdkName: candidate.entity.name,
        name: distinctName(candidate.entity.name, candidate.key),
        keptBy: keeper === undefined ? occupiedBy! : describe(keeper.entity, keeper.parts)
      })
    }
  }
  if (renamed.size === 0) return { ddl: named, collisions: [] }
  return {
    ddl: named.map((entity, index) => {
      const collision = renamed.get(index)
      return collision === undefined ? entity : { ...entity, name: collision.name } as SchemaEntity
    }),
    collisions: [...renamed.values()]
  }
}
