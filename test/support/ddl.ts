/**
 * Creates physical tables from storage-table models with drizzle-kit's generated SQL, as a migration would.
 */
import { generateDrizzleJson, generateMigration } from "drizzle-kit/api-postgres"
import * as Effect from "effect/Effect"
import * as SqlClient from "effect/sql/SqlClient"
import { type AnyStorageTable, storageSchemaSnapshot } from "../../src/index.ts"

export const createPhysicalTables = (tables: ReadonlyArray<AnyStorageTable>) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const snapshot = yield* storageSchemaSnapshot(tables)
    const empty = yield* Effect.promise(() => generateDrizzleJson({}))
    const statements = yield* Effect.promise(() => generateMigration(empty, snapshot))
    for (const statement of statements) yield* sql.unsafe(statement)
  })
