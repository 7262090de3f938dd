#!/usr/bin/env node
/**
 * The `metatables` executable: runs the command tree on the process's arguments and exits with 0 (success),
 * 1 (a failed operation) or 2 (bad usage). Runs as is on Node (24+), Bun and Deno.
 *
 * It tunes the runtime (the compile cache, WebAssembly compilation) before it loads the command line: static
 * imports would be loaded before this module's first statement runs. `metatables --version` alone, which
 * scripts and tools ask often, is answered before that: the command line (Effect's CLI, some 250 modules)
 * is most of the cost of a start. The answer is the command line's own (test/cli/Cli.test.ts compares them);
 * any other use of `--version` (`nodes --version`, with other flags) goes to the command line.
 */
import * as NodeProcess from "node:process"
import { METATABLES_VERSION } from "../version.ts"
import { tuneRuntime } from "./RuntimeTuning.ts"

const args = NodeProcess.argv.slice(2)
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  NodeProcess.stdout.write(`metatables v${METATABLES_VERSION}\n`)
} else {
  tuneRuntime()
  const { runCliProcess } = await import("./CliProcess.ts")
  runCliProcess()
}
