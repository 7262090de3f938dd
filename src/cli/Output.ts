/**
 * Where the command line writes.
 *
 * stdout carries only JSON documents (with `--json`); everything meant for people (results, progress,
 * warnings, errors) goes to stderr. Every write is scrubbed of the secrets registered with `protect`, a last
 * line of defence behind the rule that secrets are never put into messages at all.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as NodeProcess from "node:process"
import { JsonFlag } from "./GlobalFlags.ts"

export interface OutputService {
  /** Whether `--json` was given. */
  readonly json: boolean
  /** Registers secrets (passwords, credential URIs) that must never be printed; they print as `***`. */
  readonly protect: (secrets: ReadonlyArray<string>) => Effect.Effect<void>
  /** Text for people, on stderr (one line or several). */
  readonly text: (text: string) => Effect.Effect<void>
  /** A command's answer: its JSON document on stdout with `--json`, its text on stderr otherwise. */
  readonly result: (answer: { readonly text: string; readonly document: unknown }) => Effect.Effect<void>
  /** Text that is itself the result and meant for a file (the SQL of `--sql`), on stdout as it is. */
  readonly stdout: (text: string) => Effect.Effect<void>
  /** Removes registered secrets from `text`. */
  readonly scrub: (text: string) => string
}

/** Where the bytes go. */
export interface OutputSinks {
  readonly stdout: (chunk: string) => void
  readonly stderr: (chunk: string) => void
}

export const processSinks: OutputSinks = {
  stdout: (chunk) => NodeProcess.stdout.write(chunk),
  stderr: (chunk) => NodeProcess.stderr.write(chunk)
}

/** The sinks commands write to: the process's stdout and stderr, unless a caller (a test) provides others. */
export const CurrentOutputSinks = Context.Reference<OutputSinks>("metatables/cli/CurrentOutputSinks", {
  defaultValue: () => processSinks
})

/** JSON with bigints as strings, since JSON has no integer beyond 2^53. */
export const toJson = (document: unknown): string =>
  JSON.stringify(document, (_key, value: unknown) => typeof value === "bigint" ? value.toString() : value, 2)

export const makeOutput = (json: boolean, sinks: OutputSinks): OutputService => {
  const secrets = new Set<string>()
  const scrub = (text: string): string => {
    let clean = text
    // Longest first, so that a URI is replaced whole before the password inside it.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) clean = clean.replaceAll(secret, "***")
    return clean
  }
  const line = (text: string) => text.endsWith("\n") ? text : `${text}\n`
  const text = (value: string) => Effect.sync(() => sinks.stderr(scrub(line(value))))
  return {
    json,
    protect: (values) =>
      Effect.sync(() => {
        for (const value of values) if (value.length >= 4) secrets.add(value)
      }),
    text,
    result: ({ document, text: human }) =>
      json ? Effect.sync(() => sinks.stdout(scrub(line(toJson(document))))) : text(human),
    stdout: (value) => Effect.sync(() => sinks.stdout(scrub(value))),
    scrub
  }
}

export class Output extends Context.Service<Output, OutputService>()("metatables/cli/Output") {
  /** Output to the current sinks (the process's stdout and stderr), in JSON mode when `--json` was given. */
  static readonly layer: Layer.Layer<Output, never, JsonFlag> = Layer.effect(
    Output,
    Effect.gen(function*() {
      return makeOutput(yield* JsonFlag, yield* CurrentOutputSinks)
    })
  )
}
