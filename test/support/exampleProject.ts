/**
 * A copy of the repository's example project (storage, migrations, nodes and package.json) in a scratch
 * folder, using the repository's library and packages through symlinks; removed when the test ends.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { repositoryRoot } from "./cli.ts"
import { scratchDirectory } from "./scratch.ts"

export const exampleProject = (purpose: string): string => {
  const directory = scratchDirectory(purpose, "repository")
  for (const folder of ["storage", "migrations", "nodes"]) {
    NodeFs.cpSync(NodePath.join(repositoryRoot, folder), NodePath.join(directory, folder), { recursive: true })
  }
  NodeFs.copyFileSync(NodePath.join(repositoryRoot, "package.json"), NodePath.join(directory, "package.json"))
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "src"), NodePath.join(directory, "src"), "dir")
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "node_modules"), NodePath.join(directory, "node_modules"), "dir")
  return directory
}

/** The example provider's revision folder in a project made by `exampleProject`. */
export const exampleVersions = (project: string): string => NodePath.join(project, "migrations", "versions", "sdk_examples")

const HANGING_NODE = `
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import { DataNode } from "../src/index.ts"
import { Prices } from "../storage/Prices.ts"
import { simulateAsset, SyntheticPricesConfig } from "./SyntheticPrices.ts"
import { startOfUtcDay } from "./tradingDays.ts"

const hangFile = new URL("../hang", import.meta.url)

/** SyntheticPrices, but after the first asset it waits forever while the project holds a \`hang\` file. */
export class HangingPrices extends DataNode({
  kind: "HangingPrices",
  configuration: SyntheticPricesConfig,
  storage: Prices,
  update: (ctx) =>
    Effect.succeed(
      Stream.fromIterable(ctx.configuration.assets).pipe(
        Stream.mapEffect((asset) =>
          asset !== ctx.configuration.assets[0] && NodeFs.existsSync(hangFile)
            ? Effect.never
            : Effect.succeed(simulateAsset(ctx.configuration, asset, startOfUtcDay(ctx.asOf)))
        )
      )
    )
}) {}

export const hanging = [
  new HangingPrices(new SyntheticPricesConfig({
    assets: ["ACME", "GLOBEX", "INITECH"],
    seed: 3,
    start: new Date("2025-01-02T00:00:00Z"),
    annualVolatility: 0.2
  }))
]
`

/**
 * `exampleProject` with one more module, `nodes/hanging.ts`: its `hanging` graph is the example's synthetic
 * prices, except that after the first asset the update waits forever while the project holds a `hang` file.
 * Tests that kill or stop a process mid-run use it to catch the run at a known point.
 */
export const hangingExampleProject = (purpose: string): string => {
  const directory = exampleProject(purpose)
  NodeFs.writeFileSync(NodePath.join(directory, "nodes", "hanging.ts"), HANGING_NODE)
  return directory
}
