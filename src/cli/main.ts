#!/usr/bin/env node
/**
 * The `metatables` executable: runs the command tree on the process's arguments and exits with 0 (success),
 * 1 (a failed operation) or 2 (bad usage). Runs as is on Node (24+), Bun and Deno.
 */
import { runCliProcess } from "./CliProcess.ts"

runCliProcess()
