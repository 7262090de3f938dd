#!/usr/bin/env node
/**
 * The `metatables` executable: runs the command tree on the process's arguments and exits with 0 (success),
 * 1 (a failed operation) or 2 (bad usage). Runs as is on Node (24+), Bun and Deno.
 *
 * It tunes the runtime (the compile cache, WebAssembly compilation) before it loads the command line: static
 * imports would be loaded before this module's first statement runs.
 */
import { tuneRuntime } from "./RuntimeTuning.ts"

tuneRuntime()
const { runCliProcess } = await import("./CliProcess.ts")
runCliProcess()
