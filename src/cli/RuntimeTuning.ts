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
 * - The old generation let grow by half of what survived the last full collection (`--heap-growing-percent=50`).
 *   V8 otherwise lets it grow by up to four times when a program allocates fast, as a run writing millions of
 *   rows does (each batch made, validated, encoded, written and dropped in turn): such a run peaked at 450 to
 *   550 MB resident while it held some 40 MB. With this, 10,000,000 rows streamed through a node stay near
 *   320 MB, the same wall time for about a sixth more CPU spent collecting, mostly on a helper thread
 *   (`bench/persist-stream.bench.ts`). Short commands end before a full collection and do not notice. A
 *   `--heap-growing-percent` given on Node's own command line is left as it is.
 *
 * Bun and Deno have their own caches and engines, and this leaves them alone.
 */
import * as NodeModule from "node:module"
import * as NodeProcess from "node:process"
import * as NodeV8 from "node:v8"
import { installResolutionMemo } from "./ResolutionMemo.ts"

/** How far, in percent, the old generation may grow past what survived its last full collection. */
export const HEAP_GROWING_PERCENT = 50

/** Whether `execArgv` gives the V8 flag `--name` (V8 reads `-` and `_` in a flag's name alike). */
const flagGiven = (execArgv: ReadonlyArray<string>, name: string): boolean =>
  execArgv.some((argument) => argument.replaceAll("_", "-").split("=")[0] === `--${name}`)

/** The V8 flags `tuneRuntime` sets on Node, given Node's own command line and the environment. */
export const v8FlagsFor = (
  execArgv: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): ReadonlyArray<string> => [
  ...(env["METATABLES_WASM_OPTIMIZE"] === "1" ? [] : ["--no-wasm-tier-up", "--no-wasm-dynamic-tiering"]),
  ...(flagGiven(execArgv, "heap-growing-percent") ? [] : [`--heap-growing-percent=${HEAP_GROWING_PERCENT}`])
]

export const tuneRuntime = (): void => {
  if ("Bun" in globalThis || "Deno" in globalThis) return
  if (typeof NodeModule.enableCompileCache === "function") NodeModule.enableCompileCache()
  if (typeof NodeModule.registerHooks === "function") installResolutionMemo(NodeModule.registerHooks)
  for (const flag of v8FlagsFor(NodeProcess.execArgv, NodeProcess.env)) NodeV8.setFlagsFromString(flag)
}
