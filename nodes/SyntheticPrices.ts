/**
 * A deterministic price source: a seeded random walk per asset, one OHLCV bar per trading day from `start` up
 * to the run's day. Each run writes only the days after the asset's watermark, one stream batch per asset.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { DataNode, DataNodeConfiguration, type NodeRow } from "../src/index.ts"
import { Prices } from "../storage/Prices.ts"
import { normals, seedOf, uniforms } from "./random.ts"
import { startOfUtcDay, tradingDays } from "./tradingDays.ts"

export class SyntheticPricesConfig extends DataNodeConfiguration<SyntheticPricesConfig>("SyntheticPricesConfig")({
  assets: Schema.Array(Schema.String).annotate({
    description: "Identifiers of the assets to simulate, one price series each.",
    examples: [["ACME", "GLOBEX"]]
  }),
  seed: Schema.Int.annotate({ description: "Seed of the random walk: the same seed gives the same prices." }),
  start: Schema.Date.annotate({
    description: "First trading day of the series (UTC).",
    examples: [new Date("2025-01-02T00:00:00Z")]
  }),
  annualVolatility: Schema.Finite.annotate({
    description: "Annualized volatility of the daily log returns, such as 0.3 for 30%.",
    examples: [0.3]
  })
}) {}

/** The bars of one asset from `start` through `through`, replayed from the seed so every run agrees. */
export const simulateAsset = (
  config: SyntheticPricesConfig,
  asset: string,
  through: Date
): ReadonlyArray<NodeRow<typeof Prices>> => {
  const uniform = uniforms(seedOf(config.seed, asset))
  const normal = normals(uniform)
  const dailyVolatility = config.annualVolatility / Math.sqrt(252)
  let close = 20 + 180 * uniform()
  return tradingDays(config.start, through).map((day) => {
    const open = close
    close = open * Math.exp(-0.5 * dailyVolatility ** 2 + dailyVolatility * normal())
    const spread = Math.abs(normal()) * dailyVolatility * 0.5
    return {
      timeIndex: day,
      assetIdentifier: asset,
      open,
      high: Math.max(open, close) * (1 + spread),
      low: Math.min(open, close) * (1 - spread),
      close,
      volume: Math.round(100_000 + 900_000 * uniform())
    }
  })
}

export class SyntheticPrices extends DataNode({
  kind: "SyntheticPrices",
  configuration: SyntheticPricesConfig,
  storage: Prices,
  update: (ctx) =>
    Effect.succeed(
      Stream.fromIterable(ctx.configuration.assets).pipe(
        Stream.map((asset) => {
          const last = ctx.watermarks.lastFor({ assetIdentifier: asset })
          const bars = simulateAsset(ctx.configuration, asset, startOfUtcDay(ctx.asOf))
          return last === undefined ? bars : bars.filter((bar) => (bar.timeIndex as Date) > last)
        })
      )
    )
}) {}
