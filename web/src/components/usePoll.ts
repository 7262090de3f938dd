/**
 * Live data: calls `load` now, then every `intervalMs` while the tab is visible (and at once when it becomes
 * visible again), keeping the last good answer on screen when a later poll fails. `refresh` asks again now.
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks"

export interface Polled<A> {
  readonly data: A | undefined
  readonly error: Error | undefined
  readonly refresh: () => void
  /** When the shown data was fetched. */
  readonly updatedAt: Date | undefined
}

export const usePoll = <A>(load: () => Promise<A>, keys: ReadonlyArray<unknown>, intervalMs: number | null): Polled<A> => {
  const [data, setData] = useState<A | undefined>(undefined)
  const [error, setError] = useState<Error | undefined>(undefined)
  const [updatedAt, setUpdatedAt] = useState<Date | undefined>(undefined)
  const generation = useRef(0)
  const loadRef = useRef(load)
  loadRef.current = load

  const refresh = useCallback(() => {
    const mine = ++generation.current
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return
        setData(value)
        setError(undefined)
        setUpdatedAt(new Date())
      },
      (cause: unknown) => {
        if (mine !== generation.current) return
        setError(cause instanceof Error ? cause : new Error(String(cause)))
      }
    )
  }, [])

  useEffect(() => {
    setData(undefined)
    setError(undefined)
    refresh()
    if (intervalMs === null) return () => void generation.current++
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") refresh()
    }, intervalMs)
    const onVisible = () => {
      if (document.visibilityState === "visible") refresh()
    }
    document.addEventListener("visibilitychange", onVisible)
    return () => {
      clearInterval(timer)
      document.removeEventListener("visibilitychange", onVisible)
      generation.current++
    }
  }, keys)

  return { data, error, refresh, updatedAt }
}
