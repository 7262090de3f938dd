/**
 * Remembering where an `import` resolved, for the life of the process, as Node's CommonJS loader does for
 * `require` (its path cache). Node's ES module loader resolves every import statement anew: a module imported
 * by forty others is looked up forty times, each time building URLs, checking the file, its real path and its
 * package's `package.json`. A command of metatables loads some 550 modules through about 2,900 import
 * statements, and that lookup was about a third of Node's time spent loading them.
 *
 * The memo answers an import that names the same thing as an earlier one with the earlier answer: a relative
 * or absolute specifier by the URL it names, and a package name by the directory it is imported from (which
 * `node_modules` and which `package.json` apply depend on that alone), under the same import conditions. Only
 * `import` is memoized (`require` has its own cache), only successful resolutions are kept, and an import with
 * attributes (`with { type: "json" }`) is left alone. Within one process a module is loaded once anyway: the
 * memo only skips the search that would find the same file again.
 */
import type * as NodeModule from "node:module"

/** The directory of a module's URL (which Node hands over normalized), without its query. */
const directoryOf = (url: string): string => {
  const query = url.search(/[?#]/)
  const path = query === -1 ? url : url.slice(0, query)
  return path.slice(0, path.lastIndexOf("/") + 1)
}

/** What the memo files a resolution under; undefined when it does not apply. */
export const resolutionKey = (specifier: string, context: NodeModule.ResolveHookContext): string | undefined => {
  const { conditions, importAttributes, parentURL } = context
  if (parentURL === undefined || !parentURL.startsWith("file:")) return undefined
  if (!conditions.includes("import") || conditions.includes("require")) return undefined
  if (importAttributes !== undefined && Object.keys(importAttributes).length > 0) return undefined
  if (specifier.startsWith("node:")) return undefined
  const scope = conditions.join(",")
  if (specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/") || specifier.startsWith("file:")) {
    return `${scope}\0${new URL(specifier, parentURL).href}`
  }
  if (specifier.startsWith(".") || /^[A-Za-z][A-Za-z\d+.-]*:/.test(specifier)) return undefined
  // A package name or a `#` import: where it leads depends on the directory it is imported from.
  return `${scope}\0${specifier}\0${directoryOf(parentURL)}`
}

/** Installs the memo in this process (Node only: Bun and Deno resolve in their own way). */
export const installResolutionMemo = (registerHooks: typeof NodeModule.registerHooks): void => {
  const known = new Map<string, NodeModule.ResolveFnOutput>()
  registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const key = resolutionKey(specifier, context)
      if (key === undefined) return nextResolve(specifier, context)
      const remembered = known.get(key)
      if (remembered !== undefined) return { ...remembered, shortCircuit: true }
      const resolved = nextResolve(specifier, context)
      known.set(key, resolved)
      return resolved
    }
  })
}
