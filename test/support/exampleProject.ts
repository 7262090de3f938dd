/**
 * A copy of the repository's example project (storage, migrations, nodes and package.json) in a scratch
 * folder, using the repository's library and packages through symlinks; removed when the test ends.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { repositoryRoot } from "./cli.ts"
import { scratchDirectory } from "./scratch.ts"

export const exampleProject = (purpose: string): string => {
  const directory = scratchDirectory(purpose, "repository")
  for (const folder of ["storage", "migrations", "nodes"]) {
    NodeFs.cpSync(NodePath.join(repositoryRoot, folder), NodePath.join(directory, folder), { recursive: true })
  }
  NodeFs.copyFileSync(NodePath.join(repositoryRoot, "package.json"), NodePath.join(directory, "package.json"))
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "src"), NodePath.join(directory, "src"), "dir")
  NodeFs.symlinkSync(NodePath.join(repositoryRoot, "node_modules"), NodePath.join(directory, "node_modules"), "dir")
  return directory
}

/** The example provider's revision folder in a project made by `exampleProject`. */
export const exampleVersions = (project: string): string => NodePath.join(project, "migrations", "versions", "sdk_examples")
