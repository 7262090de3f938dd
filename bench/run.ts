/**
 * Runs the benchmarks in this folder (`*.bench.ts`), each in its own process, one after another; with
 * names given (`node bench/run.ts autogenerate`), only those whose file name contains one of them.
 */
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"

const folder = import.meta.dirname
const filters = process.argv.slice(2)
const benchmarks = NodeFs.readdirSync(folder)
  .filter((file) => file.endsWith(".bench.ts"))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort()

if (benchmarks.length === 0) {
  console.error(filters.length === 0 ? "No benchmarks in bench/." : `No benchmark matches ${filters.join(", ")}.`)
  process.exit(filters.length === 0 ? 0 : 2)
}

let failed = 0
for (const file of benchmarks) {
  console.error(`\n== ${file}`)
  const run = NodeChildProcess.spawnSync(process.execPath, ["--expose-gc", NodePath.join(folder, file)], {
    stdio: "inherit"
  })
  if (run.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
