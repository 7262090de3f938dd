/**
 * Rolling volatility per asset and window length, derived from AssetReturns by the RollingVolatility node.
 * The window is part of the grain, so several windows live side by side.
 */
import { doublePrecision, integer, timestamp, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable, schemaTableName } from "../src/index.ts"
import { EXAMPLE_APP } from "./app.ts"

export class AssetVolatility extends PlatformTimeIndexMetaTable<AssetVolatility>()({
  name: schemaTableName(EXAMPLE_APP, "asset_volatility"),
  namespace: "market-data",
  identifier: "sdk_examples.asset_volatility",
  description: "Annualized rolling volatility of daily log returns per asset, for each window length computed.",
  labels: ["market-data", "risk", "daily"],
  indexNames: ["time_index", "asset_identifier", "window_days"],
  cadence: "1d",
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    assetIdentifier: varchar("asset_identifier", { length: 64 }).notNull(),
    windowDays: integer("window_days").notNull(),
    volatility: doublePrecision().notNull(),
    observations: integer().notNull()
  },
  columnInfo: {
    timeIndex: { label: "Time index", description: "UTC day of the last return in the window." },
    assetIdentifier: { label: "Asset", description: "Identifier of the asset." },
    windowDays: { label: "Window", description: "Number of trading days (returns) in the window." },
    volatility: {
      label: "Volatility",
      description: "Sample standard deviation of the window's log returns, annualized by the square root of 252."
    },
    observations: { label: "Observations", description: "Returns the volatility was computed from." }
  }
}) {}
