/**
 * Which JavaScript runtime runs metatables (Bun, Deno or Node) and its version.
 */
import * as Predicate from "effect/Predicate"
import * as NodeProcess from "node:process"

export type RuntimeName = "bun" | "deno" | "node"

export interface RuntimeInfo {
  readonly name: RuntimeName
  readonly version: string
}

const versionAt = (value: unknown, ...path: ReadonlyArray<string>): string | undefined => {
  let current = value
  for (const key of path) {
    if (!Predicate.hasProperty(current, key)) return undefined
    current = current[key]
  }
  return Predicate.isString(current) ? current : undefined
}

/** Bun and Deno both emulate `process.versions.node`, so their own globals are checked first. */
export const detectRuntime = (): RuntimeInfo => {
  const bun = versionAt(globalThis, "Bun", "version")
  if (bun !== undefined) return { name: "bun", version: bun }
  const deno = versionAt(globalThis, "Deno", "version", "deno")
  if (deno !== undefined) return { name: "deno", version: deno }
  return { name: "node", version: NodeProcess.versions.node }
}

export const runtimeLabel = (runtime: RuntimeInfo): string =>
  `${{ bun: "Bun", deno: "Deno", node: "Node" }[runtime.name]} ${runtime.version}`
