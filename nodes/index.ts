/**
 * The example graph `npm run demo` runs (`metatables nodes run nodes/index.ts:exampleGraph`): synthetic prices
 * for five assets, their daily returns, 20-day rolling volatility, and the example accounts' positions.
 */
import { DailyReturnsConfig } from "./DailyReturns.ts"
import { PortfolioPositions, PortfolioPositionsConfig } from "./PortfolioPositions.ts"
import { RollingVolatility, RollingVolatilityConfig } from "./RollingVolatility.ts"
import { SyntheticPricesConfig } from "./SyntheticPrices.ts"

export const examplePrices = new SyntheticPricesConfig({
  assets: ["ACME", "GLOBEX", "INITECH", "UMBRELLA", "STARK"],
  seed: 42,
  start: new Date("2025-01-02T00:00:00Z"),
  annualVolatility: 0.3
})

/** The nodes to run; their dependencies (prices, returns) come with them. */
export const exampleGraph = [
  new RollingVolatility(
    new RollingVolatilityConfig({ returns: new DailyReturnsConfig({ prices: examplePrices }), windowDays: 20 })
  ),
  new PortfolioPositions(new PortfolioPositionsConfig({ prices: examplePrices, seed: 7 }))
]
