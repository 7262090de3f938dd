#!/usr/bin/env node
// The `metatables` executable. The sources are TypeScript run as they are: Node 22.19+ strips the types
// natively, and Bun and Deno run TypeScript themselves. On Node, the compile cache is turned on here, before
// the first TypeScript file loads, so that even the entry point comes type-stripped from the cache
// (src/cli/RuntimeTuning.ts explains the cache and does the rest of the tuning).
import * as NodeModule from "node:module"

if (!("Bun" in globalThis) && !("Deno" in globalThis)) NodeModule.enableCompileCache?.()
await import("../src/cli/main.ts")
