/**
 * The database of a command that only reads (`catalog list | show`, `migrations current | check`, `nodes
 * status`, `doctor`, and `nodes run` before it writes): such a command creates nothing. An embedded database
 * that does not exist yet is not made (no `.metatables/pgdata`), and a database without a catalog gets no
 * catalog schema; the command says "nothing here yet" instead. Only `upgrade`, `downgrade`, `stamp` and runs write.
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as SqlClient from "effect/sql/SqlClient"
import { appliedCatalogVersion, DEFAULT_CATALOG_SCHEMA } from "../catalog/CatalogSchema.ts"
import { CatalogStorageError } from "../catalog/CatalogErrors.ts"
import { Database, type DatabaseServices } from "../db/Database.ts"
import type { DatabaseConnectionError } from "../db/DatabaseConnectionError.ts"
import { type DatabaseUrlFileError, describeDatabaseTarget, type InvalidDatabaseUrlError } from "../db/DatabaseTarget.ts"
import { resolveCliDatabase } from "./CliDatabase.ts"
import type { DatabaseUrlFileFlag, DatabaseUrlFlag } from "./GlobalFlags.ts"
import { Output } from "./Output.ts"

/** There is nothing to read: no embedded database yet, or no metatables catalog in the database. */
export class NothingHereYet extends Schema.TaggedError<NothingHereYet>()("NothingHereYet", {
  /** The database, as `doctor` names it (password hidden). */
  database: Schema.String,
  missing: Schema.Literals(["database", "catalog"])
}) {
  override get message(): string {
    return `Nothing here yet: ${this.missing === "database" ? `there is no ${this.database}` : `${this.database} has no metatables catalog`}. ` +
      "`metatables migrations upgrade` creates it with the provider's tables (so does `nodes run --upgrade`)."
  }
}

/** The command's database if it exists: an embedded database that does not is `NothingHereYet`, never created. */
export const existingDatabaseLayer: Layer.Layer<
  DatabaseServices,
  InvalidDatabaseUrlError | DatabaseUrlFileError | DatabaseConnectionError | NothingHereYet,
  DatabaseUrlFlag | DatabaseUrlFileFlag | FileSystem.FileSystem | Output
> = Layer.unwrap(Effect.gen(function*() {
  const output = yield* Output
  const fs = yield* FileSystem.FileSystem
  const { target } = yield* resolveCliDatabase
  if (target._tag === "Embedded" && !(yield* Effect.orElseSucceed(fs.exists(target.dataDir), () => false))) {
    return yield* new NothingHereYet({ database: describeDatabaseTarget(target), missing: "database" })
  }
  return Database.layer(target, { onProgress: (message) => output.text(`${message}...`) })
}))

/** Fails with `NothingHereYet` when the database has no catalog (read without creating or locking anything). */
export const requireCatalog: Effect.Effect<void, NothingHereYet | CatalogStorageError, SqlClient.SqlClient | Database> = Effect
  .gen(function*() {
    const version = yield* appliedCatalogVersion(DEFAULT_CATALOG_SCHEMA).pipe(
      Effect.mapError(CatalogStorageError.during("read its version"))
    )
    if (version === 0) {
      const { description } = yield* Database
      return yield* new NothingHereYet({ database: description, missing: "catalog" })
    }
  })

/** `requireCatalog` as a layer, to build before the catalog's own. */
export const catalogPresent: Layer.Layer<never, NothingHereYet | CatalogStorageError, SqlClient.SqlClient | Database> =
  Layer.effectDiscard(requireCatalog)
