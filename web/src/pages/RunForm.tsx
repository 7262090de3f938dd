/**
 * Run a node now, replay it as of a past day (its `ctx.asOf`), or backfill a range of days: the request carries
 * the bearer token the person types (kept for this tab only). The serve API answers when the run has finished; meanwhile the page's
 * polling shows the node running, and this form says what came of the request.
 */
import { useState } from "preact/hooks"
import { ApiError, requestRun, storedToken, storeToken } from "../api/client.ts"
import type { RunRequest } from "../api/types.ts"

/** A date input's day as the API's instant: its start, UTC. */
const dayStart = (day: string): string => `${day}T00:00:00Z`

export const RunForm = ({ updateHash, onRequested }: { updateHash: string; onRequested: () => void }) => {
  const [token, setToken] = useState(storedToken)
  const [asOf, setAsOf] = useState("")
  const [from, setFrom] = useState("")
  const [to, setTo] = useState("")
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined)

  const submit = async (kind: "run" | "replay" | "backfill") => {
    if (token.trim() === "") {
      setOutcome({ ok: false, text: "Type the serve token first: runs need it." })
      return
    }
    if (kind === "replay" && asOf === "") {
      setOutcome({ ok: false, text: "A replay needs the day to run as of." })
      return
    }
    if (kind === "backfill" && (from === "" || (to !== "" && to < from))) {
      setOutcome({ ok: false, text: from === "" ? "A backfill needs its first day." : "The backfill's last day is before its first." })
      return
    }
    const body: RunRequest = kind === "backfill"
      ? { _tag: "Backfill", from: dayStart(from), ...(to === "" ? {} : { to: dayStart(to) }) }
      : { _tag: "Run", ...(kind === "replay" ? { asOf: dayStart(asOf) } : {}) }
    storeToken(token.trim())
    setBusy(true)
    setOutcome({
      ok: true,
      text: kind === "replay" ? `Replaying as of ${asOf}…` : kind === "backfill" ? `Backfilling from ${from}…` : "Running…"
    })
    // The request waits for the run to finish: meanwhile the page looks often, to show it running.
    const first = setTimeout(onRequested, 150)
    const follow = setInterval(onRequested, 400)
    try {
      const result = await requestRun(updateHash, token.trim(), body)
      setOutcome({ ok: result.status !== "failed", text: result.message })
    } catch (cause) {
      const text = cause instanceof ApiError && cause.status === 401
        ? "The server refused the token."
        : cause instanceof Error ? cause.message : String(cause)
      setOutcome({ ok: false, text })
    } finally {
      clearTimeout(first)
      clearInterval(follow)
      setBusy(false)
      onRequested()
    }
  }

  return (
    <form class="run-form" onSubmit={(event) => { event.preventDefault(); void submit("run") }} aria-labelledby="run-title">
      <h2 id="run-title">Run, replay or backfill</h2>
      <label>
        Token <input type="password" autoComplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>Run now</button>
      <fieldset>
        <legend>Replay as of a past day (UTC)</legend>
        <label>As of <input type="date" value={asOf} onInput={(event) => setAsOf(event.currentTarget.value)} /></label>
        <button type="button" disabled={busy} onClick={() => void submit("replay")}>Replay</button>
      </fieldset>
      <fieldset>
        <legend>Backfill (rewrite) a range of days (UTC)</legend>
        <label>From <input type="date" value={from} onInput={(event) => setFrom(event.currentTarget.value)} /></label>
        <label>To <input type="date" value={to} onInput={(event) => setTo(event.currentTarget.value)} /></label>
        <button type="button" disabled={busy} onClick={() => void submit("backfill")}>Backfill</button>
      </fieldset>
      {outcome !== undefined && <p role="status" class={outcome.ok ? "ok" : "failure"}>{outcome.text}</p>}
    </form>
  )
}
