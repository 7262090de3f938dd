/**
 * Run a node now, or replay it as of a past instant (its `ctx.asOf`): the request carries the bearer token the
 * person types (kept for this tab only). The serve API answers when the run has finished; meanwhile the page's
 * polling shows the node running, and this form says what came of the request.
 */
import { useState } from "preact/hooks"
import { ApiError, requestRun, storedToken, storeToken } from "../api/client.ts"

export const RunForm = ({ updateHash, onRequested }: { updateHash: string; onRequested: () => void }) => {
  const [token, setToken] = useState(storedToken)
  const [asOf, setAsOf] = useState("")
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | undefined>(undefined)

  const submit = async (replay: boolean) => {
    if (token.trim() === "") {
      setOutcome({ ok: false, text: "Type the serve token first: runs need it." })
      return
    }
    if (replay && asOf === "") {
      setOutcome({ ok: false, text: "A replay needs the date to run as of." })
      return
    }
    storeToken(token.trim())
    setBusy(true)
    setOutcome({ ok: true, text: replay ? `Replaying as of ${asOf}…` : "Running…" })
    // The request waits for the run to finish: meanwhile the page looks often, to show it running.
    const first = setTimeout(onRequested, 150)
    const follow = setInterval(onRequested, 400)
    try {
      const result = await requestRun(updateHash, token.trim(), replay ? { asOf: `${asOf}T00:00:00Z` } : {})
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
    <form class="run-form" onSubmit={(event) => { event.preventDefault(); void submit(false) }} aria-labelledby="run-title">
      <h2 id="run-title">Run or replay</h2>
      <label>
        Token <input type="password" autoComplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} />
      </label>
      <button type="submit" disabled={busy}>Run now</button>
      <fieldset>
        <legend>Replay as of a past day (UTC)</legend>
        <label>As of <input type="date" value={asOf} onInput={(event) => setAsOf(event.currentTarget.value)} /></label>
        <button type="button" disabled={busy} onClick={() => void submit(true)}>Replay</button>
      </fieldset>
      {outcome !== undefined && <p role="status" class={outcome.ok ? "ok" : "failure"}>{outcome.text}</p>}
    </form>
  )
}
