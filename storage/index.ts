/**
 * The example project's storage tables, in the order its migration provider reserves and migrates them.
 */
import { Account } from "./Account.ts"
import { AccountLimit } from "./AccountLimit.ts"
import { AccountPositions } from "./AccountPositions.ts"
import { AssetReturns } from "./AssetReturns.ts"
import { AssetVolatility } from "./AssetVolatility.ts"
import { DailyMetrics } from "./DailyMetrics.ts"
import { observationStorage } from "./ObservationStorage.ts"
import { Prices } from "./Prices.ts"

export const exampleTables = [
  Account,
  AccountLimit,
  DailyMetrics,
  AccountPositions,
  Prices,
  observationStorage("vendor-a"),
  AssetReturns,
  AssetVolatility
]
