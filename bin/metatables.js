#!/usr/bin/env node
// The `metatables` executable. The sources are TypeScript run as they are: Node 22.19+ strips the types
// natively, and Bun and Deno run TypeScript themselves.
import "../src/cli/main.ts"
