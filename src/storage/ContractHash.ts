/**
 * `computeMetaTableContractHash`: an opt-in fingerprint of a table's storage shape (not an identity).
 *
 * It changes with the table name, columns, types, nullability, keys, defaults, index shape, foreign-key
 * shape and actions, the grain and cadence, and any extra components; labels, descriptions, identifiers and
 * index or constraint names do not enter it. The payload is rendered as canonical JSON and hashed with
 * SHA-256, so the result does not depend on any language's JSON formatting.
 */
import { is, SQL } from "drizzle-orm"
import { getTableConfig, PgDialect } from "drizzle-orm/pg-core"
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as NodeCrypto from "node:crypto"
import { canonicalJson, type CanonicalJsonError } from "./CanonicalJson.ts"
import { contractServerDefault, type TableContract, tableContract } from "./Contract.ts"
import { slugifyIdentifier } from "./Naming.ts"
import type { AnyStorageTable } from "./StorageTable.ts"
import type { TableShape } from "./TableShape.ts"

export interface ContractHashOptions {
  /** Trimmed, as the SDK does. */
  readonly namespace: string
  /** The physical schema; none, `""` and `public` are the same (default: the table's). */
  readonly schema?: string | undefined
  /** Trimmed; none and `""` mean none (a blank one is kept, trimmed to `""`, as in the SDK). */
  readonly hashNamespace?: string | undefined
  /** More inputs, merged at the top level; they may not replace the reserved keys. */
  readonly extraComponents?: Readonly<Record<string, unknown>> | undefined
}

const RESERVED_KEYS = ["namespace", "schema", "table_storage_identity", "hash_namespace"] as const

export class ContractHashError extends Schema.TaggedError<ContractHashError>()("ContractHashError", {
  table: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `Cannot compute the contract hash of "${this.table}": ${this.problem}.`
  }
}

const dialect = new PgDialect()
const sqlText = (value: unknown): string | null => is(value, SQL) ? dialect.sqlToQuery(value).sql : null

const sortCanonically = <A>(items: ReadonlyArray<A>): Array<A> =>
  items
    .map((item) => [Result.getOrThrow(canonicalJson(item)), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item)

/** Index and unique-constraint shapes, without their names. */
const indexShapes = (storage: AnyStorageTable) => {
  const config = getTableConfig(storage.table)
  const indexes = config.indexes.map((index) => ({
    kind: "index",
    columns: index.config.columns.map((column) =>
      Predicate.hasProperty(column, "name") ? String(column.name) : (sqlText(column) ?? "")
    ),
    unique: index.config.unique,
    method: index.config.method ?? "btree",
    where: sqlText(index.config.where)
  }))
  const uniques = config.uniqueConstraints.map((unique) => ({
    kind: "unique_constraint",
    columns: unique.columns.map((column) => column.name),
    nulls_not_distinct: unique.nullsNotDistinct
  }))
  return sortCanonically([...indexes, ...uniques])
}

/** Foreign-key shapes (columns, targets, actions), without their names. */
const foreignKeyShapes = (storage: AnyStorageTable) => {
  const config = getTableConfig(storage.table)
  return sortCanonically(config.foreignKeys.map((foreignKey) => {
    const reference = foreignKey.reference()
    const target = getTableConfig(reference.foreignTable)
    return {
      elements: reference.columns.map((column, index) => ({
        source_column: column.name,
        target_schema: target.schema ?? "public",
        target_table: target.name,
        target_column: reference.foreignColumns[index]?.name ?? ""
      })),
      actions: { on_delete: foreignKey.onDelete ?? "no action", on_update: foreignKey.onUpdate ?? "no action" }
    }
  }))
}

/**
 * What the hash is computed from, before extra components are merged in. The namespace is trimmed; a hash
 * namespace is trimmed too, and left out when it is empty, as the SDK does. Columns carry their real server
 * default (`null` for none) and the time-indexed profile its cadence (`null` for none), as they did before the
 * contract document followed the SDK's layout, so hashes recorded then still match.
 */
export const contractHashPayload = (storage: AnyStorageTable, options: ContractHashOptions) =>
  payloadOf(storageHashInputs(storage), options)

/** What a contract hash is computed from: the contract, and the shapes of the table's indexes and foreign keys. */
interface HashInputs {
  readonly contract: TableContract
  readonly indexes: ReadonlyArray<unknown>
  readonly foreignKeys: ReadonlyArray<unknown>
}

const storageHashInputs = (storage: AnyStorageTable): HashInputs => ({
  contract: tableContract(storage),
  indexes: indexShapes(storage),
  foreignKeys: foreignKeyShapes(storage)
})

const payloadOf = ({ contract, foreignKeys, indexes }: HashInputs, options: ContractHashOptions) => {
  const relational = {
    columns: contract.columns.map((column, index) => ({
      ordinal_position: index + 1,
      name: column.name,
      data_type: column.data_type,
      backend_type: column.backend_type,
      nullable: column.nullable,
      primary_key: column.primary_key,
      unique: column.unique,
      server_default: contractServerDefault(contract, column.name)
    })),
    indexes,
    foreign_keys: foreignKeys
  }
  const profile = contract.authoring.time_indexed
  const identity = profile === undefined
    ? { physical_table_name: contract.physical.table_name, relational }
    : {
      physical_table_name: contract.physical.table_name,
      relational_table: relational,
      time_indexed_profile: {
        kind: "time_indexed",
        time_index_name: profile.time_index_name,
        index_names: profile.index_names,
        cadence: profile.cadence ?? null
      }
    }
  const schema = options.schema === undefined ? contract.physical.schema : options.schema.trim() || "public"
  const hashNamespace = options.hashNamespace === undefined || options.hashNamespace === ""
    ? undefined
    : options.hashNamespace.trim()
  return {
    namespace: options.namespace.trim(),
    schema,
    table_storage_identity: identity,
    ...(hashNamespace === undefined ? {} : { hash_namespace: hashNamespace })
  }
}

const hashOf = (
  table: string,
  inputs: HashInputs,
  options: ContractHashOptions
): Result.Result<string, ContractHashError> => {
  const extras = options.extraComponents ?? {}
  const overriding = RESERVED_KEYS.filter((key) => Object.hasOwn(extras, key))
  if (overriding.length > 0) {
    return Result.fail(
      new ContractHashError({
        table,
        problem: `extraComponents may not replace the reserved key${overriding.length > 1 ? "s" : ""} ${overriding.join(", ")}`
      })
    )
  }
  return canonicalJson({ ...extras, ...payloadOf(inputs, options) }).pipe(
    Result.mapError((error: CanonicalJsonError) =>
      new ContractHashError({ table, problem: `extraComponents ${error.path.replace(/^\$/, "")}: ${error.found} is not JSON` })
    ),
    Result.map((text) => {
      const digest = NodeCrypto.createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32)
      const prefix = slugifyIdentifier(`mt_${options.namespace.trim()}`).slice(0, 30).replace(/_+$/, "")
      return `${prefix}_${digest}`
    })
  )
}

/** `mt_<namespace>_<32 hex digits of SHA-256>`: the fingerprint of a table's storage shape. */
export const computeMetaTableContractHash = (
  storage: AnyStorageTable,
  options: ContractHashOptions
): Result.Result<string, ContractHashError> => hashOf(storage.metadata.tableName, storageHashInputs(storage), options)

/** The contract hash the catalog records for a table: its model's, in its own namespace. */
export const modelContractHash = (storage: AnyStorageTable): string =>
  Result.getOrThrow(computeMetaTableContractHash(storage, { namespace: storage.metadata.namespace }))

/**
 * The contract hash of a table as a revision's snapshot has it (`contract` made from the snapshot, `shape` its
 * snapshot shape), computed as a model's is, so that it equals the model's only when the shapes agree.
 */
export const snapshotContractHash = (contract: TableContract, shape: TableShape, namespace: string): string => {
  const objects = shape.objects
  const indexes = sortCanonically([
    ...(objects?.indexes ?? []).map((index) => ({
      kind: "index",
      columns: [...index.columns],
      unique: index.unique,
      method: index.method,
      where: index.where
    })),
    ...(objects?.uniques ?? []).map((unique) => ({ kind: "unique_constraint", columns: [...unique.columns], nulls_not_distinct: false }))
  ])
  const foreignKeys = sortCanonically((objects?.foreignKeys ?? []).map((key) => ({
    elements: key.columns.map((column, index) => ({
      source_column: column,
      target_schema: key.targetSchema,
      target_table: key.targetTable,
      target_column: key.targetColumns[index] ?? ""
    })),
    actions: { on_delete: key.onDelete.toLowerCase(), on_update: key.onUpdate.toLowerCase() }
  })))
  // Nothing here can fail: there are no extra components, and every input is JSON.
  return Result.getOrThrow(hashOf(contract.physical.table_name, { contract, indexes, foreignKeys }, { namespace }))
}
