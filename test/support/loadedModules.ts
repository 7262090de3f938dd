/**
 * Which modules a fresh Node process loads to import some modules: the heavy packages metatables loads
 * only when a command needs them must not appear when a storage table, a DataNode or the command tree is
 * imported.
 */
import * as NodeChildProcess from "node:child_process"
import * as NodeUrl from "node:url"
import { repositoryRoot } from "./cli.ts"

/** The packages that are loaded on demand: drizzle-kit, PGlite and the server driver. */
export const heavyPackages = ["drizzle-kit", "@electric-sql/pglite", "@effect/sql-pg"] as const

/** Records every module the process resolves, imports `modules` (paths or specifiers), prints the list. */
const probe = `
import { registerHooks } from "node:module"
const loaded = new Set()
registerHooks({ resolve(specifier, context, next) { const resolved = next(specifier, context); loaded.add(resolved.url); return resolved } })
for (const module of JSON.parse(process.env.PROBE_MODULES)) await import(module)
process.stdout.write(JSON.stringify([...loaded]))
`

/** The URLs of the modules a new process loads when it imports `modules`. */
export const modulesLoadedBy = (modules: ReadonlyArray<string>): ReadonlyArray<string> => {
  const specifiers = modules.map((module) =>
    module.startsWith(".") || module.startsWith("/") ? NodeUrl.pathToFileURL(`${repositoryRoot}/${module}`).href : module
  )
  const output = NodeChildProcess.execFileSync(process.execPath, ["--input-type=module", "-e", probe], {
    cwd: repositoryRoot,
    env: { ...process.env, PROBE_MODULES: JSON.stringify(specifiers) },
    encoding: "utf8"
  })
  return JSON.parse(output) as ReadonlyArray<string>
}

/** The heavy packages among `urls`. */
export const heavyPackagesIn = (urls: ReadonlyArray<string>): ReadonlyArray<string> =>
  heavyPackages.filter((name) => urls.some((url) => url.includes(`/node_modules/${name}/`)))
