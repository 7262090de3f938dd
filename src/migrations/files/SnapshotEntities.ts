/**
 * The entities of one kind (tables, columns, primary keys, indexes, ...) in a drizzle-kit model snapshot, typed
 * by their kind: how autogenerate, check and the lifecycle read the snapshot kept beside each revision.
 */
import type { SchemaEntity, SchemaSnapshot } from "../../storage/StorageSchema.ts"

/** A snapshot entity of kind `K` (`"tables"`, `"columns"`, `"pks"`, ...). */
export type SnapshotEntity<K extends SchemaEntity["entityType"]> = Extract<SchemaEntity, { readonly entityType: K }>

/** The snapshot's entities of kind `kind`, in snapshot order. */
export const snapshotEntities = <K extends SchemaEntity["entityType"]>(
  snapshot: SchemaSnapshot,
  kind: K
): ReadonlyArray<SnapshotEntity<K>> =>
  snapshot.ddl.filter((entity): entity is SnapshotEntity<K> => entity.entityType === kind)
