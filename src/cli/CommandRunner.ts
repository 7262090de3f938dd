/**
 * Runs one command's body the same way for every command: it gets `Output`, and whatever fails is rendered
 * once for people (and as a JSON document with `--json`), then becomes `CommandFailed` with exit code 1.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Runtime from "effect/Runtime"
import * as Schema from "effect/Schema"
import { type LazyImportError, lazyImport } from "../db/LazyImport.ts"
import type { JsonFlag } from "./GlobalFlags.ts"
import { Output } from "./Output.ts"

/** A command failed and has already told the user why; only the exit code is left to set. */
export class CommandFailed extends Schema.TaggedError<CommandFailed>()("CommandFailed", {
  exitCode: Schema.Int
}) {
  override get [Runtime.errorExitCode](): number {
    return this.exitCode
  }
  override get message(): string {
    return `The command failed (exit code ${this.exitCode})`
  }
}

/** How a failure is shown as JSON, loaded when a command fails (it reads database failures). */
const errorDocuments = lazyImport("the error document", () => import("./ErrorDocument.ts"))

const renderFailure = <E>(cause: Cause.Cause<E>) =>
  Effect.gen(function*() {
    const output = yield* Output
    const failure = Cause.findErrorOption(cause)
    if (Option.isSome(failure) && Predicate.isTagged(failure.value, "CommandFailed")) {
      return yield* Effect.failCause(cause as Cause.Cause<CommandFailed>)
    }
    if (Option.isNone(failure) && Cause.hasInterruptsOnly(cause)) {
      yield* output.text("Interrupted.")
      return yield* new CommandFailed({ exitCode: 130 })
    }
    // A broken installation that cannot load it is a defect, reported as an internal error.
    const { errorDocument } = yield* Effect.orDie(errorDocuments)
    const document = Option.isSome(failure)
      ? errorDocument(failure.value)
      : { _tag: "InternalError", message: Cause.pretty(cause) }
    const headline = Option.isSome(failure)
      ? `error: ${document.message}`
      : `internal error (please report it): ${Cause.pretty(cause)}`
    yield* output.text(headline)
    if (output.json) yield* output.result({ text: headline, document: { ok: false, error: document } })
    return yield* new CommandFailed({ exitCode: Option.isSome(failure) && isBadUsage(failure.value) ? 2 : 1 })
  })

/**
 * Failures that are bad usage, which exit 2 as the parser's own refusals do: a malformed `MODULE:EXPORT`, a time
 * without an offset, options that cannot work. Each is found before anything loads or opens.
 */
export const isBadUsage = (error: unknown): boolean =>
  Predicate.isTagged(error, "InvalidRunTimeError") || Predicate.isTagged(error, "RunOptionsError") ||
  (Predicate.hasProperty(error, "reason") && error.reason === "malformed-reference")

/** Wraps a command handler's body: provides `Output` and renders any failure exactly once. */
export const runCommand = <A, E, R>(
  body: Effect.Effect<A, E, R>
): Effect.Effect<A, CommandFailed, Exclude<R, Output> | JsonFlag> =>
  body.pipe(
    Effect.catchCause(renderFailure),
    Effect.provide(Output.layer)
  )

/**
 * A handler whose body lives in a module loaded when the command runs, so that the command tree (all that
 * `--help` and `--version` need) loads none of what the commands use. The command runs in a span named after
 * it (`"metatables migrations upgrade"`), the parent of every step a trace of it shows.
 */
export const lazyHandler = <M, Options, E, R>(
  name: string,
  load: Effect.Effect<M, LazyImportError>,
  handler: (module: M) => (options: Options) => Effect.Effect<void, E, R>
) =>
(options: Options): Effect.Effect<void, CommandFailed, Exclude<R, Output> | JsonFlag> =>
  runCommand(Effect.flatMap(load, (module) => handler(module)(options))).pipe(
    Effect.withSpan(`metatables ${name}`, { kind: "server" })
  )
