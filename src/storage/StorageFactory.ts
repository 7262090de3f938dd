/**
 * Parameterized storage: one table class per table identity. A factory made with `storageFactory` returns
 * the very same class for the same arguments (so bindings and hashes stay stable), and a new class, with its
 * own table name, for different ones.
 */
import * as Result from "effect/Result"
import { canonicalJson, type CanonicalJsonValue } from "./CanonicalJson.ts"
import type { AnyStorageTable } from "./StorageTable.ts"

/**
 * Memoizes `build` by the canonical JSON of its arguments. `build` should put the arguments into the table
 * name (`schemaTableName(app, concept, variant)`) so that each identity is its own physical table.
 */
export const storageFactory = <const Args extends ReadonlyArray<CanonicalJsonValue>, T extends AnyStorageTable>(
  build: (...args: Args) => T
): (...args: Args) => T => {
  const tables = new Map<string, T>()
  return (...args: Args): T => {
    const key = Result.getOrThrow(canonicalJson(args))
    const known = tables.get(key)
    if (known !== undefined) return known
    const table = build(...args)
    tables.set(key, table)
    return table
  }
}
