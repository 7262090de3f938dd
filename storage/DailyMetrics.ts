/**
 * Daily metric observations per entity: the simplest time-index table.
 */
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable, schemaTableName } from "../src/index.ts"
import { EXAMPLE_APP } from "./app.ts"

export class DailyMetrics extends PlatformTimeIndexMetaTable<DailyMetrics>()({
  name: schemaTableName(EXAMPLE_APP, "daily_metrics"),
  namespace: "example-data",
  identifier: "sdk_examples.daily_metrics",
  description: "Daily metric observations keyed by entity identifier, for downstream analytics.",
  labels: ["metrics", "daily"],
  timeIndex: "time_index",
  indexNames: ["time_index", "entity_identifier"],
  cadence: "1d",
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    entityIdentifier: varchar("entity_identifier", { length: 255 }).notNull(),
    value: doublePrecision().notNull()
  },
  columnInfo: {
    timeIndex: { label: "Time index", description: "UTC observation timestamp of the daily metric row." },
    entityIdentifier: { label: "Entity identifier", description: "Stable identifier of the observed entity." },
    value: { label: "Value", description: "Daily numeric value produced by the source system." }
  }
}) {}
