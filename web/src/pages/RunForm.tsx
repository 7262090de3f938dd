/**
 * Run a node now, or backfill a range of its time index: the request carries the bearer token the person
 * types (kept for this tab only). The page follows the run through its polling; this form only says whether
 * the server took the request.
 */
import { useState } from "preact/hooks"
import { ApiError, requestRun, storedToken, storeToken } from "../api/client.ts"

export const RunForm = ({ updateHash, onRequested }: { updateHash: string; onRequested: () => void }) => {
  const [token, setToken] = useState(storedToken)
  const [from, setFrom] = useState("")
  const [to, setTo] = useState("")
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined)

  const submit = async (backfill: boolean) => {
    if (token.trim() === "") {
      setOutcome({ ok: false, text: "Type the serve token first: writes need it." })
      return
    }
    if (backfill && from === "" && to === "") {
      setOutcome({ ok: false, text: "A backfill needs a start, an end, or both." })
      return
    }
    storeToken(token.trim())
    setBusy(true)
    try {
      const accepted = await requestRun(
        updateHash,
        token.trim(),
        backfill
          ? { from: from === "" ? undefined : new Date(`${from}T00:00:00Z`).toISOString(), to: to === "" ? undefined : new Date(`${to}T00:00:00Z`).toISOString() }
          : {}
      )
      setOutcome({ ok: true, text: accepted.message })
      onRequested()
    } catch (cause) {
      const text = cause instanceof ApiError && (cause.status === 401 || cause.status === 403)
        ? "The server refused the token."
        : cause instanceof Error ? cause.message : String(cause)
      setOutcome({ ok: false, text })
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="run-form" onSubmit={(event) => { event.preventDefault(); void submit(false) }} aria-labelledby="run-title">
      <h2 id="run-title">Run or backfill</h2>
      <label>
        Token <input type="password" autoComplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>Run now</button>
      <fieldset>
        <legend>Backfill a range (UTC dates)</legend>
        <label>From <input type="date" value={from} onInput={(event) => setFrom(event.currentTarget.value)} /></label>
        <label>To <input type="date" value={to} onInput={(event) => setTo(event.currentTarget.value)} /></label>
        <button type="button" disabled={busy} onClick={() => void submit(true)}>Backfill</button>
      </fieldset>
      {outcome !== undefined && <p role="status" class={outcome.ok ? "ok" : "failure"}>{outcome.text}</p>}
    </form>
  )
}
