/**
 * Whether a long-running command (`serve`) stopped as asked: a SIGTERM or Ctrl-C it answered by finishing or
 * interrupting its work and releasing what it held. The process then exits 0 instead of the usual 130 for an
 * interrupt (`CliProcess.ts`), so a supervisor sees a clean stop.
 */
import * as Effect from "effect/Effect"

let stopped = false

/** Called by the command once its shutdown has completed. */
export const markStoppedGracefully: Effect.Effect<void> = Effect.sync(() => {
  stopped = true
})

export const stoppedGracefully = (): boolean => stopped
