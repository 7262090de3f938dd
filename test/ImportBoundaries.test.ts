/**
 * What importing costs: a storage table, a DataNode, the public API and the command tree load neither
 * drizzle-kit nor a database driver; those load when a command needs them, and the command tree (all that
 * `--help` and `--version` need) loads none of what the commands do. Each check runs in a fresh Node
 * process, which reports every module it resolved. drizzle's driver loads only when a command asks for
 * drizzle, not when it opens the database.
 */
import { assert, describe, it } from "@effect/vitest"
import { inject } from "vitest"
import * as NodeChildProcess from "node:child_process"
import { repositoryRoot } from "./support/cli.ts"
import { heavyPackagesIn, modulesLoadedBy } from "./support/loadedModules.ts"

describe("import boundaries", () => {
  it("the probe sees a heavy package when one is imported", () => {
    assert.deepStrictEqual(heavyPackagesIn(modulesLoadedBy(["drizzle-kit/api-postgres"])), ["drizzle-kit"])
  })

  it("importing the example project's storage tables and DataNodes loads no drizzle-kit and no driver", () => {
    const loaded = modulesLoadedBy(["./storage/index.ts", "./nodes/index.ts"])
    assert.isTrue(loaded.some((url) => url.endsWith("/storage/index.ts")), "the probe imported the storage tables")
    assert.deepStrictEqual(heavyPackagesIn(loaded), [])
  })

  it("importing the public API loads no drizzle-kit and no driver", () => {
    assert.deepStrictEqual(heavyPackagesIn(modulesLoadedBy(["./src/index.ts"])), [])
  })

  it("the command tree loads no drizzle-kit, no driver, and none of the commands' handlers", () => {
    const loaded = modulesLoadedBy(["./src/cli/Cli.ts"])
    assert.isTrue(loaded.some((url) => url.endsWith("/src/cli/Cli.ts")), "the probe imported the command tree")
    assert.deepStrictEqual(heavyPackagesIn(loaded), [])
    assert.deepStrictEqual(loaded.filter((url) => url.endsWith("Handlers.ts")), [])
    assert.deepStrictEqual(loaded.filter((url) => url.includes("/src/migrations/") || url.includes("/src/engine/Runner")), [])
    // serve's runtime (the cluster, its message pruning) loads with the serve command's handler, not before; the
    // tree reads serve's bounds from ServeDefaults, which imports nothing.
    const serveRuntime = (url: string) =>
      url.includes("/effect/dist/cluster/") || (url.includes("/src/serve/") && !url.endsWith("/src/serve/ServeDefaults.ts"))
    assert.deepStrictEqual(loaded.filter(serveRuntime), [])
  })

  it("opening a database loads drizzle's driver only when drizzle is asked for", () => {
    const output = NodeChildProcess.execFileSync(process.execPath, ["test/support/probes/drizzleOnDemand.ts"], {
      cwd: repositoryRoot,
      env: { ...process.env, PROBE_DATA_DIR: inject("pgliteTemplate") },
      encoding: "utf8"
    })
    assert.deepStrictEqual(JSON.parse(output), { sqlAnswer: 42, before: false, after: true, drizzleRows: [[43]] })
  }, 120_000)
})
