/**
 * What `metatables catalog list | show` do, loaded when one of them runs (the tree is `CatalogCommands.ts`).
 */
import type * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { Catalog, type CatalogTable } from "../../catalog/Catalog.ts"
import { CatalogStorageError, CatalogTableNotFoundError } from "../../catalog/CatalogErrors.ts"
import { tableDetails } from "../../catalog/TableDetails.ts"
import * as SqlCatalog from "../../catalog/SqlCatalog.ts"
import { contractServerDefault } from "../../storage/Contract.ts"
import { catalogPresent, existingDatabaseLayer } from "../ReadOnlyDatabase.ts"
import { Output } from "../Output.ts"
import { textTable } from "../TextTable.ts"
import type { showOptions } from "./CatalogCommands.ts"

/** The catalog as it is: read-only commands create no database and no catalog ("nothing here yet"). */
const catalogLayer = (attach: string) =>
  SqlCatalog.layer({ attach }).pipe(Layer.provide(catalogPresent), Layer.provideMerge(existingDatabaseLayer))

/** The row as the JSON documents show it. */
const rowDocument = (row: CatalogTable) => ({
  uid: row.uid,
  identifier: row.identifier,
  namespace: row.namespace,
  kind: row.kind,
  role: row.role,
  schema: row.schema,
  table: row.tableName,
  status: row.status,
  statusReason: row.statusReason,
  provider: row.providerKey,
  revision: row.appliedRevision,
  contractHash: row.contractHash,
  protectFromDeletion: row.protectFromDeletion,
  updatedAt: row.updatedAt.toISOString()
})

export const list = Effect.gen(function*() {
  const output = yield* Output
  const catalog = yield* Catalog
  const rows = yield* catalog.list
  const text = rows.length === 0
    ? "The catalog has no tables yet; `metatables migrations upgrade` registers a provider's tables."
    : textTable(
      ["UID", "IDENTIFIER", "NAMESPACE", "TABLE", "STATUS", "PROVIDER", "REVISION"],
      rows.map((row) => [
        row.uid,
        row.identifier,
        row.namespace,
        `${row.schema}.${row.tableName}`,
        row.status,
        row.providerKey ?? "-",
        row.appliedRevision ?? "-"
      ])
    )
  yield* output.result({ text, document: { tables: rows.map(rowDocument) } })
}).pipe(
  Effect.provide(catalogLayer("catalog list")),
  Effect.catchTag("NothingHereYet", (nothing) =>
    Effect.flatMap(Output, (output) => output.result({ text: nothing.message, document: { tables: [], nothingHereYet: nothing.message } })))
)

export const show = ({ reference }: Command.Command.Config.Infer<typeof showOptions>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const catalog = yield* Catalog
    const row = yield* catalog.find(reference)
    if (Option.isNone(row)) return yield* new CatalogTableNotFoundError({ reference })
    const table = row.value
    const details = yield* tableDetails(table.schema, table.tableName).pipe(
      Effect.mapError(CatalogStorageError.during(`read the indexes and foreign keys of ${table.schema}.${table.tableName}`))
    )
    const columns = textTable(
      ["COLUMN", "TYPE", "NULL", "KEY", "DEFAULT", "LABEL", "DESCRIPTION"],
      table.contract.columns.map((column) => [
        column.name,
        column.backend_type,
        column.nullable ? "yes" : "no",
        column.primary_key ? "primary" : column.unique ? "unique" : "",
        contractServerDefault(table.contract, column.name) ?? "",
        column.label,
        column.description
      ])
    )
    const profile = table.contract.authoring.time_indexed
    const grain = profile === undefined
      ? []
      : [`grain        ${profile.index_names.join(", ")}` +
        (profile.cadence === undefined ? "" : ` (cadence ${profile.cadence})`)]
    const section = (title: string, lines: ReadonlyArray<string>) =>
      ["", `${title}:`, ...(lines.length === 0 ? ["  none"] : lines.map((line) => `  ${line}`))]
    const text = [
      `${table.schema}.${table.tableName}  ${table.identifier} (${table.namespace})`,
      `uid          ${table.uid}`,
      `status       ${table.status}${table.statusReason === null ? "" : `: ${table.statusReason}`}`,
      `kind         ${table.kind} (${table.role})`,
      `provider     ${table.providerKey ?? "-"}, revision ${table.appliedRevision ?? "-"}`,
      `description  ${table.description}`,
      ...grain,
      `contract     ${table.contract.version}, hash ${table.contractHash}`,
      "",
      columns,
      ...section("indexes", details.indexes.map((index) => `${index.name}: ${index.definition}`)),
      ...section("foreign keys", details.foreignKeys.map((key) => `${key.name}: ${key.definition}`))
    ].join("\n")
    yield* output.result({
      text,
      document: {
        ...rowDocument(table),
        description: table.description,
        labels: table.labels,
        contract: table.contract,
        indexes: details.indexes,
        foreignKeys: details.foreignKeys
      }
    })
  }).pipe(Effect.provide(catalogLayer("catalog show")))
