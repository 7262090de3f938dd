/**
 * An unsupported Node (older than 22.19, which cannot load the TypeScript sources) gets one line saying what to
 * run instead, not an `ERR_UNKNOWN_FILE_EXTENSION` stack. Runs where the `node` on the PATH is such a Node
 * (the machines this project is developed on have Node 20 there); skipped elsewhere.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as NodePath from "node:path"
import { repositoryRoot, runProcess, scratchProject } from "../support/cli.ts"

/** The PATH without the project's node_modules/.bin (which npm scripts put first, with its Node 24). */
const systemPath = (process.env["PATH"] ?? "").split(NodePath.delimiter)
  .filter((entry) => !entry.includes(`node_modules${NodePath.sep}.bin`)).join(NodePath.delimiter)
const systemEnv = { PATH: systemPath }

const pathNode = (() => {
  const found = NodeChildProcess.spawnSync("node", ["-p", "process.versions.node"], {
    encoding: "utf8",
    env: { ...process.env, ...systemEnv }
  })
  return found.status === 0 ? found.stdout.trim() : undefined
})()
const [major = 0, minor = 0] = (pathNode ?? "99.0").split(".").map(Number)
const old = pathNode !== undefined && (major < 22 || (major === 22 && minor < 19))

describe("an unsupported Node", () => {
  it.skipIf(!old)(`node ${pathNode ?? ""} bin/metatables.js says in one line what to run instead`, async () => {
    const run = await runProcess("node", [NodePath.join(repositoryRoot, "bin", "metatables.js"), "doctor"], {
      cwd: scratchProject(),
      env: systemEnv
    })
    assert.strictEqual(run.exitCode, 1)
    assert.strictEqual(run.stdout, "")
    assert.strictEqual(run.stderr.trimEnd().split("\n").length, 1, run.stderr)
    assert.include(run.stderr, `metatables needs Node.js 22.19 or newer; this is Node ${pathNode}.`)
    assert.include(run.stderr, "`npm run metatables -- <command>`")
    assert.notInclude(run.stderr, "ERR_UNKNOWN_FILE_EXTENSION")
  })
})
