/**
 * The revision graph with branches and merges, each revision applied or pending (in words and by its border),
 * and the chosen revision's SQL and destructive-change notes.
 */
import { useMemo } from "preact/hooks"
import { getRevisions } from "../api/client.ts"
import type { RevisionView } from "../api/types.ts"
import { Failure, Loading, Updated } from "../components/Common.tsx"
import { GraphView } from "../components/GraphView.tsx"
import { usePoll } from "../components/usePoll.ts"
import { destructiveNotes } from "../lib/destructiveSql.ts"
import { layoutGraph, revisionGraphInput } from "../lib/graphLayout.ts"
import { routeHash } from "../lib/route.ts"

/** The server's notes, else what the SQL shows (said so on the page). */
const notesOf = (revision: RevisionView): { readonly notes: ReadonlyArray<string>; readonly fromSql: boolean } =>
  revision.destructive.length > 0 || revision.sql === null
    ? { notes: revision.destructive, fromSql: false }
    : { notes: destructiveNotes(revision.sql).map((entry) => entry.note), fromSql: true }

const RevisionDetail = ({ revision }: { revision: RevisionView }) => {
  const { notes, fromSql } = notesOf(revision)
  return (
  <section aria-labelledby="revision-title" class="revision-detail">
    <h2 id="revision-title">
      Revision <code>{revision.revision}</code>: {revision.applied ? "applied" : "pending"}
    </h2>
    <p>{revision.message === "" ? "(no message)" : revision.message}</p>
    <p>
      {revision.parents.length === 0 ? "A base revision" : `After ${revision.parents.join(" and ")}`}
      {revision.parents.length > 1 ? " (a merge)" : ""}
      {revision.dependsOn.length === 0 ? "" : `; depends on ${revision.dependsOn.join(", ")}`}
      {revision.branchLabels.length === 0 ? "" : `; branch ${revision.branchLabels.join(", ")}`}
      {revision.head ? "; a head" : ""}.
    </p>
    <h3>Destructive changes</h3>
    {notes.length === 0 ? <p class="note">None{fromSql ? " found in its SQL" : ""}.</p> : (
      <>
        {fromSql && <p class="note">Read from the revision's SQL:</p>}
        <ul class="destructive">
          {notes.map((note) => <li key={note}><strong>Destructive:</strong> {note}</li>)}
        </ul>
      </>
    )}
    <h3>SQL</h3>
    {revision.sql === null ? <p class="note">The server did not send this revision's SQL.</p> : <pre class="sql" tabIndex={0}>{revision.sql}</pre>}
  </section>
  )
}

export const RevisionsPage = ({ selected }: { selected: string | undefined }) => {
  const answer = usePoll(getRevisions, [], 15_000)
  const revisions = answer.data?.revisions ?? []
  const layout = useMemo(
    () => layoutGraph(revisionGraphInput(revisions.map((revision) => ({ ...revision, destructive: notesOf(revision).notes.length > 0 })))),
    [answer.data]
  )
  const chosen = revisions.find((revision) => revision.revision === selected)
  const pending = revisions.filter((revision) => !revision.applied).length
  return (
    <section aria-labelledby="revisions-title">
      <h1 id="revisions-title">Revisions</h1>
      {answer.error !== undefined && <Failure error={answer.error} stale={answer.data !== undefined} />}
      {answer.data === undefined ? answer.error === undefined && <Loading what="revisions" /> : (
        <>
          <p class="summary">
            {revisions.length} revisions, {revisions.length - pending} applied, {pending} pending. The database is at{" "}
            {answer.data.current.length === 0 ? "no revision" : answer.data.current.map((id) => <code key={id}>{id} </code>)}; heads:{" "}
            {answer.data.heads.map((id) => <code key={id}>{id} </code>)}
          </p>
          <p class="legend note">
            Solid border: applied. Dashed border: pending. Arrows go from a revision to the ones built on it; dashed
            arrows are dependencies between branches. Choose a revision to see its SQL.
          </p>
          <GraphView
            layout={layout}
            title="Revision graph"
            look={(id) => {
              const revision = revisions.find((one) => one.revision === id)
              const applied = revision?.applied === true
              return {
                href: routeHash({ page: "revisions", revision: id }),
                label: `Revision ${id}, ${applied ? "applied" : "pending"}: ${revision?.message ?? ""}`,
                fill: applied ? "#f1f5f9" : "#ffffff",
                stroke: applied ? "#334155" : "#64748b",
                text: "#0f172a",
                dashed: !applied,
                selected: id === selected
              }
            }}
          />
          {selected !== undefined && chosen === undefined && <p class="failure">No revision {selected} in the history.</p>}
          {chosen !== undefined && <RevisionDetail revision={chosen} />}
        </>
      )}
      <Updated at={answer.updatedAt} />
    </section>
  )
}
