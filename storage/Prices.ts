/**
 * Daily prices per asset: open, high, low, close and volume.
 */
import { bigint, doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable, schemaTableName } from "../src/index.ts"
import { EXAMPLE_APP } from "./app.ts"

export class Prices extends PlatformTimeIndexMetaTable<Prices>()({
  name: schemaTableName(EXAMPLE_APP, "prices"),
  namespace: "market-data",
  identifier: "sdk_examples.prices",
  description: "Daily OHLCV bars per asset: the price series the example DataNodes derive from.",
  labels: ["market-data", "prices", "daily"],
  indexNames: ["time_index", "asset_identifier"],
  cadence: "1d",
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    assetIdentifier: varchar("asset_identifier", { length: 64 }).notNull(),
    open: doublePrecision().notNull(),
    high: doublePrecision().notNull(),
    low: doublePrecision().notNull(),
    close: doublePrecision().notNull(),
    volume: bigint({ mode: "number" }).notNull()
  },
  columnInfo: {
    timeIndex: { label: "Time index", description: "UTC close of the trading day the bar covers." },
    assetIdentifier: { label: "Asset", description: "Identifier of the priced asset." },
    open: { label: "Open", description: "First traded price of the day." },
    high: { label: "High", description: "Highest traded price of the day." },
    low: { label: "Low", description: "Lowest traded price of the day." },
    close: { label: "Close", description: "Last traded price of the day." },
    volume: { label: "Volume", description: "Units traded during the day." }
  }
}) {}
