/**
 * Runs `metatables` as a user would: in a subprocess on Node, Bun or Deno (for what only a process shows:
 * exit codes, stdout and stderr, the runtimes, `npm run`), or in this process with its output captured (for
 * everything else, at a fraction of the cost). A subprocess still running when its test ends (a timeout) is
 * killed, and scratch projects are removed with the test.
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import type * as Tracer from "effect/Tracer"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { cliProgram } from "../../src/cli/CliProgram.ts"
import { CurrentOutputSinks } from "../../src/cli/Output.ts"
import { onTestFinished } from "vitest"
import { scratchDirectory } from "./scratch.ts"

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

/**
 * A fresh directory with a `package.json`, so that the embedded database lands inside it; removed when the
 * test ends.
 */
export const scratchProject = (): string => {
  const directory = scratchDirectory("cli")
  NodeFs.writeFileSync(NodePath.join(directory, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }))
  return directory
}

/** The environment of a run: `NO_COLOR=1`, and no `DATABASE_URL` unless `env` gives one. */
const runEnvironment = (env: Readonly<Record<string, string>> | undefined): Record<string, string> => {
  const merged: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", ...env }
  if (env?.["DATABASE_URL"] === undefined) delete merged["DATABASE_URL"]
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined))
}

/** Runs `command`, collects its output, and kills it if it is still running when the test ends. */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Readonly<Record<string, string>> | undefined }
): Promise<CliRun> => {
  const env = runEnvironment(options.env)
  return new Promise((resolve, reject) => {
    const child = NodeChildProcess.spawn(command, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    killWhenTestEnds(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", reject)
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }))
  })
}

/**
 * Starts the command line (on Node) with `args` and leaves it running, for tests that signal or kill it midway:
 * its stderr so far, and its exit code once it closes. It is killed if still running when the test ends.
 */
export const startCli = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Readonly<Record<string, string>> | undefined }
) => {
  const child = NodeChildProcess.spawn(process.execPath, [cliEntry, ...args], {
    cwd: options.cwd,
    env: runEnvironment(options.env),
    stdio: ["ignore", "pipe", "pipe"]
  })
  killWhenTestEnds(child)
  let stderr = ""
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)))
  return { child, exited, stderr: () => stderr }
}

const killWhenTestEnds = (child: NodeChildProcess.ChildProcess): void => {
  try {
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
    })
  } catch {
    // Not inside a test: the child is awaited by its caller.
  }
}

export const runCli = (args: ReadonlyArray<string>, options: CliOptions = {}): Promise<CliRun> => {
  const [command, ...prefix] = commandFor(options.runtime ?? "node")
  return runProcess(command!, [...prefix, ...args], { cwd: options.cwd ?? scratchProject(), env: options.env })
}

/**
 * Runs the command tree in this process, as `main.ts` does, with `cwd` as the working directory, `env` as
 * the environment its configuration reads, and its stdout and stderr captured. The exit code is the one the
 * process would end with.
 */
export const runCliInProcess = async (
  args: ReadonlyArray<string>,
  options: {
    readonly cwd?: string
    readonly env?: Readonly<Record<string, string>>
    /** Traces the command's spans (the default tracer otherwise). */
    readonly tracer?: Tracer.Tracer
  } = {}
): Promise<CliRun> => {
  const cwd = options.cwd ?? scratchProject()
  let stdout = ""
  let stderr = ""
  const sinks = { stdout: (chunk: string) => void (stdout += chunk), stderr: (chunk: string) => void (stderr += chunk) }
  const previous = process.cwd()
  process.chdir(cwd)
  try {
    const exitCode = await Effect.runPromise(
      cliProgram(args).pipe(
        Effect.provideService(CurrentOutputSinks, sinks),
        Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: runEnvironment(options.env) })),
        Effect.provide(NodeServices.layer),
        (program) => options.tracer === undefined ? program : Effect.withTracer(program, options.tracer)
      )
    )
    return { exitCode, stdout, stderr }
  } finally {
    process.chdir(previous)
  }
}

