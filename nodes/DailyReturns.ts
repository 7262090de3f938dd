/**
 * Daily returns per asset, derived from the synthetic prices: each run reads the closes from the earliest
 * asset watermark on (the last close already used is the base of the first new return) and writes only the
 * days after each asset's watermark.
 */
import * as Effect from "effect/Effect"
import { DataNode, DataNodeConfiguration, type NodeRow } from "../src/index.ts"
import { AssetReturns } from "../storage/AssetReturns.ts"
import { SyntheticPrices, SyntheticPricesConfig } from "./SyntheticPrices.ts"

export class DailyReturnsConfig extends DataNodeConfiguration<DailyReturnsConfig>("DailyReturnsConfig")({
  prices: SyntheticPricesConfig.annotate({ description: "The price series the returns are taken of." })
}) {}

/** The earliest of the assets' watermarks, or undefined when one of them has none (read everything). */
export const earliestWatermark = (lasts: ReadonlyArray<Date | undefined>): Date | undefined =>
  lasts.some((last) => last === undefined) || lasts.length === 0
    ? undefined
    : new Date(Math.min(...lasts.map((last) => last!.getTime())))

export class DailyReturns extends DataNode({
  kind: "DailyReturns",
  configuration: DailyReturnsConfig,
  storage: AssetReturns,
  dependencies: (config) => ({ prices: new SyntheticPrices(config.prices) }),
  update: (ctx) =>
    Effect.gen(function*() {
      const assets = ctx.configuration.prices.assets
      const lasts = assets.map((asset) => ctx.watermarks.lastFor({ assetIdentifier: asset }))
      const prices = yield* ctx.read(ctx.dependencies.prices, {
        from: earliestWatermark(lasts),
        entities: assets.map((asset) => ({ assetIdentifier: asset }))
      })
      const rows: Array<NodeRow<typeof AssetReturns>> = []
      assets.forEach((asset, index) => {
        const last = lasts[index]
        const closes = prices.filter((bar) => bar.assetIdentifier === asset)
        for (let day = 1; day < closes.length; day++) {
          const previous = closes[day - 1]!
          const current = closes[day]!
          if (last !== undefined && current.timeIndex <= last) continue
          rows.push({
            timeIndex: current.timeIndex,
            assetIdentifier: asset,
            simpleReturn: current.close / previous.close - 1,
            logReturn: Math.log(current.close / previous.close)
          })
        }
      })
      return rows
    })
}) {}
