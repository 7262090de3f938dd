/**
 * Annualized rolling volatility of the daily log returns, per asset, over a window of trading days. The
 * window length is part of the table's grain (an integer entity column), so windows live side by side.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { DataNode, DataNodeConfiguration, type NodeRow } from "../src/index.ts"
import { AssetVolatility } from "../storage/AssetVolatility.ts"
import { DailyReturns, DailyReturnsConfig, earliestWatermark } from "./DailyReturns.ts"
import { addDays } from "./tradingDays.ts"

export class RollingVolatilityConfig extends DataNodeConfiguration<RollingVolatilityConfig>("RollingVolatilityConfig")({
  returns: DailyReturnsConfig.annotate({ description: "The returns the volatility is computed from." }),
  windowDays: Schema.Int.annotate({ description: "Returns per window, in trading days.", examples: [20, 60] })
}) {}

const standardDeviation = (values: ReadonlyArray<number>): number => {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1))
}

export class RollingVolatility extends DataNode({
  kind: "RollingVolatility",
  configuration: RollingVolatilityConfig,
  storage: AssetVolatility,
  dependencies: (config) => ({ returns: new DailyReturns(config.returns) }),
  update: (ctx) =>
    Effect.gen(function*() {
      const { windowDays } = ctx.configuration
      const assets = ctx.configuration.returns.prices.assets
      const lasts = assets.map((asset) => ctx.watermarks.lastFor({ assetIdentifier: asset, windowDays }))
      const earliest = earliestWatermark(lasts)
      // A window of N trading days spans at most 2N calendar days (weekends), plus a margin for holidays.
      const returns = yield* ctx.read(ctx.dependencies.returns, {
        from: earliest === undefined ? undefined : addDays(earliest, -(2 * windowDays + 7)),
        entities: assets.map((asset) => ({ assetIdentifier: asset }))
      })
      const rows: Array<NodeRow<typeof AssetVolatility>> = []
      assets.forEach((asset, index) => {
        const last = lasts[index]
        const series = returns.filter((row) => row.assetIdentifier === asset)
        for (let end = windowDays; end <= series.length; end++) {
          const day = series[end - 1]!.timeIndex
          if (last !== undefined && day <= last) continue
          const window = series.slice(end - windowDays, end).map((row) => row.logReturn)
          rows.push({
            timeIndex: day,
            assetIdentifier: asset,
            windowDays,
            volatility: standardDeviation(window) * Math.sqrt(252),
            observations: window.length
          })
        }
      })
      return rows
    })
}) {}
