import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/globalSetup.ts"],
    // Each file opens its own databases; PGlite is CPU-bound, so a worker per core is the sweet spot.
    pool: "forks",
    maxWorkers: 2,
    // PGlite on V8's baseline compiler only, as the command line runs it (src/cli/RuntimeTuning.ts): V8's
    // background recompilation of PGlite's 9 MB module costs each worker seconds of CPU and hundreds of MB,
    // far more than it saves on test-sized work.
    execArgv: ["--no-wasm-tier-up", "--no-wasm-dynamic-tiering"],
    // No test asserts a duration; these bound a test that hangs. They are generous because the suite must
    // pass on a 2-core machine that other work keeps busy (say, a second `npm test`), where a test that
    // takes 20 s alone can take several times that.
    testTimeout: 180_000,
    hookTimeout: 300_000
  }
})
