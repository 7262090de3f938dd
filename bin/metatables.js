#!/usr/bin/env node
// The `metatables` executable. The sources are TypeScript run as they are: Node 22.19+ strips the types
// natively, and Bun and Deno run TypeScript themselves. On Node, the compile cache is turned on here, before
// the first TypeScript file loads, so that even the entry point comes type-stripped from the cache
// (src/cli/RuntimeTuning.ts explains the cache and does the rest of the tuning). An older Node cannot load the
// sources at all (ERR_UNKNOWN_FILE_EXTENSION): it gets one line saying what to run instead.
import * as NodeModule from "node:module"
import * as NodeProcess from "node:process"

const onNode = !("Bun" in globalThis) && !("Deno" in globalThis)
const [major = 0, minor = 0] = NodeProcess.versions.node.split(".").map(Number)
if (onNode && (major < 22 || (major === 22 && minor < 19))) {
  NodeProcess.stderr.write(
    `metatables needs Node.js 22.19 or newer; this is Node ${NodeProcess.versions.node}. In the project, ` +
      "`npm run metatables -- <command>` runs it on the Node 24 that npm install brought " +
      "(node_modules/.bin/node bin/metatables.js <command> does the same); or install Node 22.19+.\n"
  )
  NodeProcess.exit(1)
}
if (onNode) NodeModule.enableCompileCache?.()
await import("../src/cli/main.ts")
