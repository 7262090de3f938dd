/**
 * End-of-day positions of every active example account in each asset: a fixed holding per account and asset
 * (drawn from the seed), valued at the day's close. It reads the accounts from the Account table (declared in
 * `reads`, seeded by the migration provider's hook) and the prices from its dependency; its grain has a uuid
 * entity column (the account) beside the asset.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { DataNode, DataNodeConfiguration, type NodeRow } from "../src/index.ts"
import { Account } from "../storage/Account.ts"
import { AccountPositions } from "../storage/AccountPositions.ts"
import { earliestWatermark } from "./DailyReturns.ts"
import { seedOf, uniforms } from "./random.ts"
import { SyntheticPrices, SyntheticPricesConfig } from "./SyntheticPrices.ts"

export class PortfolioPositionsConfig extends DataNodeConfiguration<PortfolioPositionsConfig>("PortfolioPositionsConfig")({
  prices: SyntheticPricesConfig.annotate({ description: "The prices the positions are valued at." }),
  seed: Schema.Int.annotate({ description: "Seed of the holdings: the same seed gives the same quantities." })
}) {}

/** The units an account holds of an asset: a whole number from 0 to 999, fixed by the seed. */
export const holding = (seed: number, accountCode: string, asset: string): number =>
  Math.floor(uniforms(seedOf(seed, accountCode, asset))() * 1000)

export class PortfolioPositions extends DataNode({
  kind: "PortfolioPositions",
  configuration: PortfolioPositionsConfig,
  storage: AccountPositions,
  reads: [Account],
  dependencies: (config) => ({ prices: new SyntheticPrices(config.prices) }),
  update: (ctx) =>
    Effect.gen(function*() {
      const accounts = (yield* ctx.readTable(Account)).filter((account) => account.status === "active")
      const assets = ctx.configuration.prices.assets
      const pairs = accounts.flatMap((account) => assets.map((asset) => ({ account, asset })))
      const lasts = pairs.map(({ account, asset }) =>
        ctx.watermarks.lastFor({ accountUid: account.uid, assetIdentifier: asset })
      )
      const prices = yield* ctx.read(ctx.dependencies.prices, {
        after: earliestWatermark(lasts),
        entities: assets.map((asset) => ({ assetIdentifier: asset }))
      })
      const rows: Array<NodeRow<typeof AccountPositions>> = []
      pairs.forEach(({ account, asset }, index) => {
        const last = lasts[index]
        const quantity = holding(ctx.configuration.seed, account.accountCode, asset)
        for (const bar of prices) {
          if (bar.assetIdentifier !== asset || (last !== undefined && bar.timeIndex <= last)) continue
          rows.push({
            timeIndex: bar.timeIndex,
            accountUid: account.uid,
            assetIdentifier: asset,
            quantity,
            marketValue: quantity * bar.close
          })
        }
      })
      return rows
    })
}) {}
