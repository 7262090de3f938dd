/**
 * The embedded database's directory lock under a race: several processes, started together behind a barrier,
 * try to take a lock that a dead process left behind. Exactly one gets it in every trial; the others are told
 * who holds it; and once the winner is gone, no lock file is left but the stale ones it cleared.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { repositoryRoot } from "../support/cli.ts"
import { scratchDirectory } from "../support/scratch.ts"

const module = NodePath.join(repositoryRoot, "src", "db", "EmbeddedDataDirectory.ts")

/** Waits for `go`, takes the lock, says whether it got it, and holds it until `release` exists. */
const childSource = `
import { NodeFileSystem } from "@effect/platform-node"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import { prepareEmbeddedDataDirectory } from ${JSON.stringify(module)}
const [dataDir, ready, go, release] = process.argv.slice(2)
NodeFs.writeFileSync(ready, "")
while (!NodeFs.existsSync(go)) await new Promise((resolve) => setTimeout(resolve, 5))
const outcome = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
  yield* prepareEmbeddedDataDirectory(dataDir)
  process.stdout.write("acquired\\n")
  while (!NodeFs.existsSync(release)) yield* Effect.sleep("20 millis")
  return "released"
})).pipe(
  Effect.catch((error) => Effect.succeed(error.reason === "locked" ? "locked: " + error.message : "error: " + error.message)),
  Effect.provide(NodeFileSystem.layer)
))
process.stdout.write(outcome + "\\n")
`

/** The pid of a process that has exited, so that nothing runs under it. */
const deadPid = (): number => {
  const child = NodeChildProcess.spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"])
  return Number(child.stdout.toString())
}

const run = (script: string, args: ReadonlyArray<string>) => {
  const child = NodeChildProcess.spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (chunk) => (stdout += chunk))
  child.stderr.on("data", (chunk) => (stderr += chunk))
  const done = new Promise<{ stdout: string; stderr: string }>((resolve) =>
    child.on("close", () => resolve({ stdout, stderr }))
  )
  return { child, done }
}

const waitFor = async (paths: ReadonlyArray<string>) => {
  while (!paths.every((path) => NodeFs.existsSync(path))) await new Promise((resolve) => setTimeout(resolve, 20))
}

describe("embedded database lock race", () => {
  it("lets exactly one of several processes started together take over a stale lock", { timeout: 240_000 }, async () => {
    const directory = scratchDirectory("lock-race", "repository")
    const script = NodePath.join(directory, "child.ts")
    NodeFs.writeFileSync(script, childSource)
    const processes = 5
    for (let trial = 0; trial < 2; trial++) {
      const trialDirectory = NodePath.join(directory, `trial-${trial}`)
      NodeFs.mkdirSync(trialDirectory)
      const dataDir = NodePath.join(trialDirectory, "pgdata")
      NodeFs.writeFileSync(`${dataDir}.lock`, JSON.stringify({ pid: deadPid(), host: NodeOs.hostname() }))
      const go = NodePath.join(trialDirectory, "go")
      const release = NodePath.join(trialDirectory, "release")
      const ready = Array.from({ length: processes }, (_, index) => NodePath.join(trialDirectory, `ready-${index}`))
      const children = ready.map((path) => run(script, [dataDir, path, go, release]))
      try {
        await waitFor(ready)
        NodeFs.writeFileSync(go, "")
        // Everyone has answered but the winner, which holds the lock until released.
        const settled: Array<string> = []
        const outputs = children.map(({ done }) => done.then((output) => void settled.push(output.stdout)))
        while (settled.length < processes - 1) await new Promise((resolve) => setTimeout(resolve, 50))
        NodeFs.writeFileSync(release, "")
        await Promise.all(outputs)
        const results = await Promise.all(children.map(({ done }) => done))
        const acquired = results.filter((result) => result.stdout.includes("acquired"))
        const locked = results.filter((result) => result.stdout.includes("locked: "))
        assert.strictEqual(acquired.length, 1, `trial ${trial}: ${JSON.stringify(results)}`)
        assert.strictEqual(locked.length, processes - 1, `trial ${trial}: ${JSON.stringify(results)}`)
        for (const refusal of locked) assert.match(refusal.stdout, /it is in use by process \d+ on /)
        const left = NodeFs.readdirSync(trialDirectory).filter((name) => name.startsWith("pgdata.lock"))
        assert.deepStrictEqual(left, [], "the stale lock was cleared and the winner released its own")
      } finally {
        for (const { child } of children) child.kill("SIGKILL")
      }
    }
  })
})
