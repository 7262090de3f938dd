/**
 * Small measuring helpers shared by the benchmarks: wall time, medians, a heap high-water mark, and the
 * PASS/FAIL line each benchmark prints against its target.
 */
import * as NodeV8 from "node:v8"

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export const now = (): number => performance.now()

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((left, right) => left - right)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length === 0
    ? Number.NaN
    : sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2
}

export const formatMs = (ms: number): string => ms >= 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`

export const formatMb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/** `[min .. max]` of a list of times. */
export const spread = (values: ReadonlyArray<number>): string =>
  `[${formatMs(Math.min(...values))} .. ${formatMs(Math.max(...values))}]`

/** A full garbage collection when the process runs with `--expose-gc` (as `bench/run.ts` starts it). */
export const collectGarbage = (): void => {
  globalThis.gc?.()
}

export const hasGc = (): boolean => typeof globalThis.gc === "function"

/**
 * The heap's high-water mark over a piece of work: the used heap just before each garbage collection (where
 * it peaks), read from V8's GC profiler, and `heapUsed` when the work ends.
 */
export const heapHighWater = () => {
  const profiler = new NodeV8.GCProfiler()
  profiler.start()
  return {
    stop: (): number => {
      const end = process.memoryUsage().heapUsed
      const collections = profiler.stop()?.statistics ?? []
      return Math.max(end, ...collections.map((collection) => collection.beforeGC.heapStatistics.usedHeapSize))
    }
  }
}

/** Prints the verdict line and returns whether the target was met. */
export const verdict = (label: string, measured: string, target: string, passed: boolean): boolean => {
  console.log(`${passed ? "PASS" : "FAIL"}  ${label}: ${measured} (target ${target})`)
  return passed
}
