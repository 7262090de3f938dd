/**
 * Observations per dataset variant: one table per variant, made by a memoized factory, so that
 * `observationStorage("vendor-a")` is always the same class and each variant is its own table.
 */
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable, schemaTableName, slugifyIdentifier, storageFactory } from "../src/index.ts"
import { EXAMPLE_APP } from "./app.ts"

export const observationStorage = storageFactory((datasetVariant: string) => {
  const variant = slugifyIdentifier(datasetVariant)
  class ObservationStorage extends PlatformTimeIndexMetaTable<ObservationStorage>()({
    name: schemaTableName(EXAMPLE_APP, "observations", variant),
    namespace: "example-data",
    identifier: `sdk_examples.observations.${variant}`,
    description: `${datasetVariant} observations keyed by entity identifier.`,
    labels: ["observations", variant],
    indexNames: ["time_index", "entity_identifier"],
    columns: {
      timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
      entityIdentifier: varchar("entity_identifier", { length: 255 }).notNull(),
      value: doublePrecision().notNull()
    },
    columnInfo: {
      timeIndex: { label: "Time index", description: "UTC observation timestamp for this dataset variant." },
      entityIdentifier: { label: "Entity identifier", description: "Stable identifier of the observed entity." },
      value: { label: "Value", description: "Numeric observation value for this dataset variant." }
    }
  }) {}
  return ObservationStorage
})
