/**
 * A tracer for tests that records every span as it starts (name and the chain of its parents), so a test can
 * check which steps a trace of an operation shows, in which order and under which parent.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

export interface RecordedSpan {
  readonly name: string
  /** The names of the spans it runs under, nearest first. */
  readonly ancestors: ReadonlyArray<string>
}

const ancestorsOf = (parent: Option.Option<Tracer.AnySpan>): ReadonlyArray<string> => {
  const names: Array<string> = []
  let current = parent
  while (Option.isSome(current) && current.value._tag === "Span") {
    names.push(current.value.name)
    current = current.value.parent
  }
  return names
}

/** A tracer that records every span it starts into `spans`. */
export const spanRecorder = (): { readonly tracer: Tracer.Tracer; readonly spans: ReadonlyArray<RecordedSpan> } => {
  const spans: Array<RecordedSpan> = []
  const tracer = Tracer.make({
    span(options) {
      spans.push({ name: options.name, ancestors: ancestorsOf(options.parent) })
      return new Tracer.NativeSpan(options)
    }
  })
  return { tracer, spans }
}

/** Runs `effect` (and the layers it builds) with a tracer that records its spans; returns both. */
export const recordSpans = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly result: A; readonly spans: ReadonlyArray<RecordedSpan> }, E, R> =>
  Effect.suspend(() => {
    const { spans, tracer } = spanRecorder()
    return Effect.map(Effect.withTracer(effect, tracer), (result) => ({ result, spans }))
  })

/** The names of `spans` that start with one of `prefixes` (`"Catalog."`), in the order they started. */
export const spanNames = (spans: ReadonlyArray<RecordedSpan>, prefixes: ReadonlyArray<string>): ReadonlyArray<string> =>
  spans.map((span) => span.name).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)))
