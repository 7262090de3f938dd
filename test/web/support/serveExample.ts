/**
 * `metatables serve` of the example graph for the dashboard's browser tests, as a user runs it: in the
 * repository (the example project), on a fresh server database named after the test run, after the main job
 * (`nodes run --upgrade`) has migrated it and written the example rows, on a free loopback port with a serve
 * token. `stop` sends SIGTERM (serve's graceful stop), waits for the process, and drops the database.
 */
import * as NodeChildProcess from "node:child_process"
import * as NodeCrypto from "node:crypto"
import * as NodeNet from "node:net"
import * as NodePath from "node:path"
import { repositoryRoot } from "../../support/cli.ts"
import { createServerDatabase } from "../../support/TestDatabase.ts"

export interface ServedExample {
  /** The address serve printed for people, the dashboard's page. */
  readonly address: string
  readonly token: string
  /** Everything serve wrote to stderr so far. */
  readonly output: () => string
  readonly stop: () => Promise<void>
}

const entry = NodePath.join(repositoryRoot, "bin", "metatables.js")

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = NodeNet.createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")))
    })
  })

const environment = (databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> => {
  const env: Record<string, string> = { NO_COLOR: "1" }
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value
  return { ...env, DATABASE_URL: databaseUrl, ...extra }
}

/** Runs a command of the CLI to its end; fails with its output when it exits non-zero. */
const runToEnd = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = NodeChildProcess.spawn(process.execPath, [entry, ...args], { cwd: repositoryRoot, env, stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.on("error", reject)
    child.on("close", (code) => code === 0 ? resolve(output) : reject(new Error(`metatables ${args.join(" ")} exited ${code}:\n${output}`)))
  })

const waitUntil = async (ready: () => Promise<boolean>, failed: () => string | undefined, timeoutMs: number): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const failure = failed()
    if (failure !== undefined) throw new Error(failure)
    if (await ready().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`serve was not ready after ${timeoutMs / 1000} s`)
}

export const serveExample = async (adminUrl: string): Promise<ServedExample> => {
  const database = createServerDatabase(adminUrl, "dashboard")
  const databaseUrl = database.url
  try {
    await runToEnd(["nodes", "run", "nodes/index.ts:exampleGraph", "--upgrade"], environment(databaseUrl))
    const port = await freePort()
    const token = NodeCrypto.randomBytes(16).toString("hex")
    const child = NodeChildProcess.spawn(
      process.execPath,
      [entry, "serve", "nodes/index.ts:exampleGraph", "--port", String(port), "--host", "127.0.0.1"],
      { cwd: repositoryRoot, env: environment(databaseUrl, { METATABLES_SERVE_TOKEN: token }), stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
      await exited
      clearTimeout(timer)
      database.drop()
    }
    try {
      await waitUntil(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
        () => child.exitCode === null ? undefined : `serve exited ${child.exitCode} before it was ready:\n${output}`,
        180_000
      )
    } catch (error) {
      await stop()
      throw error
    }
    // The address serve prints for people; the page's root until it names the dashboard.
    const printed = /Dashboard on (http:\/\/\S+?\/)(?=[,.\s]|$)/.exec(output)?.[1]
    return { address: printed ?? `http://127.0.0.1:${port}/`, token, output: () => output, stop }
  } catch (error) {
    try {
      database.drop()
    } catch {
      // The failure that got here is the one to report; the global teardown drops the run's databases.
    }
    throw error
  }
}
