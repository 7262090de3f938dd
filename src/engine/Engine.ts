/**
 * The engine a process attached with `startEngine`: the storage tables it may write and read (each bound to
 * its active catalog row), and the catalog's DataNode records. The runner needs it; nothing else creates it.
 */
import * as Context from "effect/Context"
import type { DataSource } from "../catalog/Catalog.ts"
import type { DataNodeRecordsService } from "../catalog/DataNodeRecords.ts"
import type { RowShape } from "../datanode/RowShape.ts"
import type { AnyStorageTable, StorageBinding } from "../storage/StorageTable.ts"

export interface AttachedTable {
  readonly table: AnyStorageTable
  readonly binding: StorageBinding
  /** The row shape of a time-index table; undefined for a relational one (nodes only read those). */
  readonly shape: RowShape | undefined
  /**
   * The provider's run role, which every read and write of the table's rows acts as (see `ProviderRoles`);
   * undefined on the embedded database, which has no roles.
   */
  readonly runRole: string | undefined
}

export interface EngineService {
  readonly catalogSchema: string
  readonly dataSource: DataSource
  readonly records: DataNodeRecordsService
  /** The attached tables by physical name, `schema.table`. */
  readonly tables: ReadonlyMap<string, AttachedTable>
  /** Every attached table's binding, to provide to code that requires them (configuration hashing). */
  readonly bindings: Context.Context<never>
}

export class Engine extends Context.Service<Engine, EngineService>()("metatables/engine/Engine") {}

/** The key `Engine.tables` files a table under. */
export const attachedKey = (table: AnyStorageTable): string => `${table.metadata.schema}.${table.metadata.tableName}`
