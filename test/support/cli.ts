/**
 * Runs the `metatables` executable as a user would, in a subprocess, on Node, Bun or Deno.
 */
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"

export type Runtime = "node" | "bun" | "deno"

export const repositoryRoot = NodePath.resolve(import.meta.dirname, "..", "..")
export const cliEntry = NodePath.join(repositoryRoot, "src", "cli", "main.ts")

const binary = (name: string) => NodePath.join(repositoryRoot, "node_modules", ".bin", name)

const commandFor = (runtime: Runtime): ReadonlyArray<string> => {
  switch (runtime) {
    case "node":
      return [process.execPath, cliEntry]
    case "bun":
      return [binary("bun"), cliEntry]
    case "deno":
      return [binary("deno"), "run", "--allow-all", cliEntry]
  }
}

export interface CliRun {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** Working directory (default: a fresh scratch project). */
  readonly cwd?: string
  /** Extra environment; `DATABASE_URL` is removed unless given here. */
  readonly env?: Readonly<Record<string, string>>
  readonly runtime?: Runtime
}

/** A fresh directory with a `package.json`, so that the embedded database lands inside it. */
export const scratchProject = (): string => {
  const directory = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "metatables-cli-"))
  NodeFs.writeFileSync(NodePath.join(directory, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }))
  return directory
}

/** Runs `command` with `NO_COLOR=1`, without `DATABASE_URL` unless `env` gives one, and collects its output. */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Readonly<Record<string, string>> | undefined }
): Promise<CliRun> => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...options.env }
  if (options.env?.["DATABASE_URL"] === undefined) delete env["DATABASE_URL"]
  return new Promise((resolve, reject) => {
    const child = NodeChildProcess.spawn(command, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }))
  })
}

export const runCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliRun> => {
  const [command, ...prefix] = commandFor(options.runtime ?? "node")
  return runProcess(command!, [...prefix, ...args], { cwd: options.cwd ?? scratchProject(), env: options.env })
}
