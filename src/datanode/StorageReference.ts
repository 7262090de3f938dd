/**
 * `StorageReference`: a configuration field that names a storage table the node reads (the series it derives
 * from), as opposed to its output table. Its value is the table class; it is encoded as the table's catalog
 * identifier and hashed by the table's bound catalog uid, so computing the hash requires the binding.
 *
 * ```ts
 * baseStorage: StorageReference(DailyMetrics, Prices).annotate({ description: "Series the spread is taken of." })
 * ```
 *
 * Only `StorageReference` fields may hold storage tables: a table anywhere else in a configuration is refused
 * when the hash is computed.
 */
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaTransformation from "effect/SchemaTransformation"
import { type AnyStorageTable, isStorageTable, type StorageTableTypeId } from "../storage/StorageTable.ts"
import { ConfigurationDefinitionError, type ConfigurationProblem } from "./ConfigurationDefinitionError.ts"
import { STORAGE_REFERENCE_ANNOTATION } from "./internal/configurationAst.ts"

/** A field holding one of the storage tables `T`, encoded as its catalog identifier. */
export interface StorageReference<T extends AnyStorageTable> extends Schema.Codec<T, string> {}

const describeArgument = (value: unknown): string =>
  isStorageTable(value) ? `"${value.metadata.identifier}"` : Predicate.isFunction(value) ? `a function` : typeof value

const referenceProblems = (tables: ReadonlyArray<unknown>): Array<ConfigurationProblem> => {
  const problem = (found: string): ConfigurationProblem => ({
    field: "StorageReference",
    reason: "invalid-storage-reference",
    found
  })
  if (tables.length === 0) return [problem("name at least one storage table the field may hold")]
  const notTables = tables.filter((table) => !isStorageTable(table))
  if (notTables.length > 0) {
    return [problem(`only storage tables can be referenced, found ${notTables.map(describeArgument).join(", ")}`)]
  }
  const identifiers = (tables as ReadonlyArray<AnyStorageTable>).map((table) => table.metadata.identifier)
  const repeated = identifiers.filter((identifier, index) => identifiers.indexOf(identifier) !== index)
  return repeated.length === 0 ? [] : [
    problem(`each table is named by its catalog identifier, which must be unique: ${[...new Set(repeated)].join(", ")}`)
  ]
}

/**
 * A configuration field that references one of `tables`. Throws a `ConfigurationDefinitionError` when given
 * no tables, something that is not a storage table, or two tables with the same catalog identifier.
 */
export const StorageReference = <const Tables extends ReadonlyArray<AnyStorageTable>>(
  ...tables: Tables
): StorageReference<Tables[number]> => {
  const problems = referenceProblems(tables)
  if (problems.length > 0) throw new ConfigurationDefinitionError({ configuration: "StorageReference", problems })
  type Table = Tables[number]
  const byIdentifier = new Map<string, Table>(tables.map((table) => [table.metadata.identifier, table]))
  const identifiers = [...byIdentifier.keys()] as [string, ...Array<string>]
  const described = identifiers.map((identifier) => JSON.stringify(identifier)).join(", ")
  const byName = SchemaTransformation.transform<Table, string>({
    decode: (identifier) => byIdentifier.get(identifier)!,
    encode: (value) => value.metadata.identifier
  })
  const table = Schema.declare((value: unknown): value is Table => tables.includes(value as Table), {
    [STORAGE_REFERENCE_ANNOTATION]: tables,
    expected: tables.length === 1 ? `the storage table ${described}` : `one of the storage tables ${described}`,
    toFormatter: () => (value: Table) => value.metadata.identifier,
    toCodecArbitrary: () => Schema.link<Table>()(Schema.Literals(identifiers), byName)
  })
  return Schema.Literals(identifiers).pipe(Schema.decodeTo(table, byName))
}

/**
 * The binding service identifiers of every storage table a configuration type references (through
 * `StorageReference` fields, at any depth): the requirements of computing its update hash.
 */
export type ConfigurationStorage<T> = StorageIdentifiers<T, []>

type Leaf = string | number | boolean | bigint | symbol | null | undefined | Date
type AnyFunction =
  | ((...args: ReadonlyArray<never>) => unknown)
  | (abstract new(...args: ReadonlyArray<never>) => unknown)

type StorageIdentifiers<T, Depth extends ReadonlyArray<unknown>> = Depth["length"] extends 10 ? never
  : T extends { readonly [StorageTableTypeId]: StorageTableTypeId; readonly Identifier: infer Identifier } ? Identifier
  : T extends Leaf | AnyFunction ? never
  : T extends ReadonlyArray<infer Item> ? StorageIdentifiers<Item, [...Depth, unknown]>
  : T extends object ? { [K in keyof T]-?: StorageIdentifiers<T[K], [...Depth, unknown]> }[keyof T]
  : never
