/**
 * Loading a heavy package when it is first needed rather than when metatables starts. The drivers (PGlite,
 * `@effect/sql-pg`, drizzle's driver over them) and drizzle-kit outweigh everything else metatables loads, and
 * most commands need one of them or none: importing a storage table or a DataNode, `--help` and the local
 * commands load neither. Every runtime caches a module after its first import, so later loads cost nothing.
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/** A package that should be installed could not be loaded. */
export class LazyImportError extends Schema.TaggedError<LazyImportError>()("LazyImportError", {
  module: Schema.String,
  cause: Schema.Defect()
}) {
  override get message(): string {
    const reason = this.cause instanceof Error ? this.cause.message : String(this.cause)
    return `Could not load ${this.module}: ${reason}. Reinstall the project's dependencies (npm install).`
  }
}

/**
 * `load` (an `import()` of `module`) as an Effect that runs when it is first run, not when its caller's
 * module is imported.
 */
export const lazyImport = <M>(module: string, load: () => Promise<M>): Effect.Effect<M, LazyImportError> =>
  Effect.tryPromise({ try: load, catch: (cause) => new LazyImportError({ module, cause }) })
