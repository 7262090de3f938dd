/**
 * How the `metatables` executable sets up Node for short commands, before it loads anything else.
 *
 * - Node's module compile cache: a second start reuses the compiled (and, for TypeScript, type-stripped)
 *   sources instead of parsing them again. The cache lives where Node keeps it by default
 *   (`NODE_COMPILE_CACHE`, else `node-compile-cache` in the temporary directory), keyed by each file's
 *   content, so an edited source is compiled afresh; `NODE_DISABLE_COMPILE_CACHE=1` turns it off.
 * - Resolved imports remembered for the life of the process (`ResolutionMemo.ts`): Node's ES module loader
 *   otherwise looks up every import statement anew, and a command imports some 550 modules through about
 *   2,900 of them.
 * - PGlite's WebAssembly on V8's baseline compiler only (Liftoff). By default V8 also recompiles the hot
 *   parts of the 9 MB PostgreSQL module with its optimizing compiler on background threads, and a process
 *   does not end before they finish: a command on the embedded database then costs twice the CPU and peaks
 *   at about 650 MB instead of 250 MB. Long, heavy workloads lose some speed (PostgreSQL's own work runs about
 *   a fifth slower); they belong on a PostgreSQL server anyway. `METATABLES_WASM_OPTIMIZE=1` keeps V8's default.
 *
 * Bun and Deno have their own caches and engines, and this leaves them alone.
 */
import * as NodeModule from "node:module"
import * as NodeProcess from "node:process"
import * as NodeV8 from "node:v8"
import { installResolutionMemo } from "./ResolutionMemo.ts"

export const tuneRuntime = (): void => {
  if ("Bun" in globalThis || "Deno" in globalThis) return
  if (typeof NodeModule.enableCompileCache === "function") NodeModule.enableCompileCache()
  if (typeof NodeModule.registerHooks === "function") installResolutionMemo(NodeModule.registerHooks)
  if (NodeProcess.env["METATABLES_WASM_OPTIMIZE"] !== "1") {
    NodeV8.setFlagsFromString("--no-wasm-tier-up")
    NodeV8.setFlagsFromString("--no-wasm-dynamic-tiering")
  }
}
