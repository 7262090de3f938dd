/**
 * Scratch directories for tests, cleaned up whatever happens.
 *
 * Each run of the suite has its own folders: `metatables-test-<run>` in the temp directory, and
 * `.metatables/test-projects/run-<run>` in the repository (for projects whose files import the installed
 * packages). A directory made inside a test is removed when that test ends, passed or failed; the global
 * teardown removes the run's folders afterwards, so that a timeout or a crashed worker leaves nothing
 * behind either.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { inject, onTestFinished } from "vitest"

declare module "vitest" {
  export interface ProvidedContext {
    readonly testRun: TestRun
  }
}

export interface TestRun {
  /** A short id that names everything this run makes (folders, server databases). */
  readonly id: string
  /** This run's folder in the temp directory. */
  readonly tempRoot: string
  /** This run's folder inside the repository. */
  readonly repositoryRoot: string
}

export const testRun = (): TestRun => inject("testRun")

/** The file in which the run lists the names `randomName` gave, one a line, for the global teardown. */
export const namesFile = (run: TestRun): string => NodePath.join(run.tempRoot, "names")

/** Adds `name` to the run's list of names (appends of one short line from several workers do not interleave). */
export const recordName = (name: string): void => {
  const run = testRun()
  NodeFs.mkdirSync(run.tempRoot, { recursive: true })
  NodeFs.appendFileSync(namesFile(run), `${name}\n`)
}

/** The names `randomName` gave during `run`. */
export const namesOf = (run: TestRun): ReadonlyArray<string> => {
  const file = namesFile(run)
  return NodeFs.existsSync(file) ? NodeFs.readFileSync(file, "utf8").split("\n").filter((name) => name !== "") : []
}

/** Removes `path` when the current test ends; outside a test, the global teardown removes it with the run. */
export const removeWhenTestEnds = (path: string): void => {
  try {
    onTestFinished(() => NodeFs.rmSync(path, { recursive: true, force: true }))
  } catch {
    // Not inside a test (a suite's setup): the run's folder is swept at the end.
  }
}

/** A new, empty directory `<label>-XXXXXX` in this run's folder, removed when the current test ends. */
export const scratchDirectory = (label: string, where: "temp" | "repository" = "temp"): string => {
  const run = testRun()
  const root = where === "temp" ? run.tempRoot : run.repositoryRoot
  NodeFs.mkdirSync(root, { recursive: true })
  const directory = NodeFs.mkdtempSync(NodePath.join(root, `${label}-`))
  removeWhenTestEnds(directory)
  return directory
}
