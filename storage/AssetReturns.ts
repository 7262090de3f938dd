/**
 * Daily returns per asset, derived from the closes in Prices by the DailyReturns node.
 */
import { doublePrecision, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable, schemaTableName } from "../src/index.ts"
import { EXAMPLE_APP } from "./app.ts"

export class AssetReturns extends PlatformTimeIndexMetaTable<AssetReturns>()({
  name: schemaTableName(EXAMPLE_APP, "asset_returns"),
  namespace: "market-data",
  identifier: "sdk_examples.asset_returns",
  description: "Daily close-to-close returns per asset, simple and logarithmic, derived from the daily prices.",
  labels: ["market-data", "returns", "daily"],
  indexNames: ["time_index", "asset_identifier"],
  cadence: "1d",
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    assetIdentifier: varchar("asset_identifier", { length: 64 }).notNull(),
    simpleReturn: doublePrecision("simple_return").notNull(),
    logReturn: doublePrecision("log_return").notNull()
  },
  columnInfo: {
    timeIndex: { label: "Time index", description: "UTC day of the close the return ends at." },
    assetIdentifier: { label: "Asset", description: "Identifier of the asset." },
    simpleReturn: { label: "Simple return", description: "Close over the previous close, minus one." },
    logReturn: { label: "Log return", description: "Natural logarithm of the close over the previous close." }
  }
}) {}
