/**
 * Revision files for tests, written into scratch version locations.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { scratchDirectory as scratchIn } from "./scratch.ts"

export interface RevisionSpec {
  readonly id: string
  readonly parents?: ReadonlyArray<string>
  /** Written as `export const dependsOn` when given. */
  readonly dependsOn?: ReadonlyArray<string>
  /** Written as `export const branchLabels` when given. */
  readonly branchLabels?: ReadonlyArray<string>
  readonly message?: string
  readonly transactional?: boolean
  readonly upgrade?: ReadonlyArray<string>
  readonly downgrade?: ReadonlyArray<string>
  /** Extra source put before the exports (imports, helpers). */
  readonly prelude?: string
  /** Raw source for `upgrade`/`downgrade` instead of string lists (data migrations). */
  readonly upgradeSource?: string
  readonly downgradeSource?: string
}

/** A scratch version location, removed when the test ends (see `support/scratch.ts`). */
export const scratchDirectory = (label = "revisions"): string => scratchIn(label.replace(/-$/, ""))

const list = (statements: ReadonlyArray<string>) => `[${statements.map((sql) => JSON.stringify(sql)).join(", ")}]`

/** Writes `<id>_<message>.ts` into `directory` and returns its path. */
export const writeRevision = (directory: string, spec: RevisionSpec): string => {
  NodeFs.mkdirSync(directory, { recursive: true })
  const path = NodePath.join(directory, `${spec.id}_${(spec.message ?? "revision").replace(/\W+/g, "_")}.ts`)
  NodeFs.writeFileSync(
    path,
    [
      spec.prelude ?? "",
      `export const id = ${JSON.stringify(spec.id)}`,
      `export const parents = ${list(spec.parents ?? [])}`,
      ...(spec.dependsOn === undefined ? [] : [`export const dependsOn = ${list(spec.dependsOn)}`]),
      ...(spec.branchLabels === undefined ? [] : [`export const branchLabels = ${list(spec.branchLabels)}`]),
      `export const message = ${JSON.stringify(spec.message ?? "revision")}`,
      `export const createdAt = "2026-01-01T00:00:00.000Z"`,
      `export const transactional = ${spec.transactional ?? true}`,
      `export const upgrade = ${spec.upgradeSource ?? list(spec.upgrade ?? [])}`,
      `export const downgrade = ${spec.downgradeSource ?? list(spec.downgrade ?? [])}`,
      ""
    ].join("\n")
  )
  return path
}
