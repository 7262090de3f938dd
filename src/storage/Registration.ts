/**
 * Platform-managed tables are registered by the migration lifecycle only (`metatables migrations upgrade`), which
 * reserves their catalog rows, creates them and finalizes them. `registerMetaTable` refuses everywhere else;
 * inside the lifecycle (which provides `CurrentMigrationRegistration`) it returns the table's binding.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { AnyStorageTable, StorageBinding } from "./StorageTable.ts"

/** What the migration lifecycle knows while it runs: its provider and the bindings of its tables. */
export interface MigrationRegistration {
  readonly providerKey: string
  /** Keyed by `schema.table`. */
  readonly bindings: ReadonlyMap<string, StorageBinding>
}

export const CurrentMigrationRegistration = Context.Reference<MigrationRegistration | undefined>(
  "metatables/storage/CurrentMigrationRegistration",
  { defaultValue: () => undefined }
)

export class MigrationManagedTableError extends Schema.TaggedError<MigrationManagedTableError>()(
  "MigrationManagedTableError",
  {
    identifier: Schema.String,
    table: Schema.String,
    /** The provider whose lifecycle is running, when one is. */
    providerKey: Schema.NullOr(Schema.String)
  }
) {
  override get message(): string {
    return this.providerKey === null
      ? `Platform-managed MetaTable "${this.identifier}" (${this.table}) is migration-managed and cannot be ` +
        "registered directly. Run `metatables migrations upgrade`."
      : `Platform-managed MetaTable "${this.identifier}" (${this.table}) is not in the scope of the migration ` +
        `provider ${this.providerKey}; add it to the provider's tables and run \`metatables migrations upgrade\`.`
  }
}

export const bindingKey = (schema: string, table: string): string => `${schema}.${table}`

/** The binding of a platform-managed table, available only inside the migration lifecycle. */
export const registerMetaTable = Effect.fn("Registration.registerMetaTable")(function*(
  storage: AnyStorageTable
): Effect.fn.Return<StorageBinding, MigrationManagedTableError> {
  const registration = yield* CurrentMigrationRegistration
  const { identifier, schema, tableName } = storage.metadata
  const binding = registration?.bindings.get(bindingKey(schema, tableName))
  if (binding !== undefined) return binding
  return yield* new MigrationManagedTableError({
    identifier,
    table: bindingKey(schema, tableName),
    providerKey: registration?.providerKey ?? null
  })
})
