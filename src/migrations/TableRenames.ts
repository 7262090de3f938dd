/**
 * Where the tables of the models are at an earlier revision. Each revision records the tables it renames or
 * moves (`renamedTables`), so a table's name at the history's heads is followed back through the revisions
 * between those heads and the earlier state: what finalize needs after a downgrade below a rename.
 */
import type { PhysicalTableName } from "./files/Revision.ts"
import type { LoadedRevisions } from "./files/RevisionLoader.ts"

const nameKey = (name: PhysicalTableName) => `${name.schema}\u0000${name.table}`

/**
 * A function from a table's name at the history's heads to its name when the database is at `heads`: each
 * revision applied above `heads` undoes its renames, the latest first. A table no such revision renames keeps
 * its name (it may still be absent there: the snapshot says so); `undefined` when a revision renames another
 * table away from the name, so that this one cannot have had it before that revision (it is absent there).
 */
export const tableNamesAt = (
  loaded: LoadedRevisions,
  heads: ReadonlyArray<string>
): (name: PhysicalTableName) => PhysicalTableName | undefined => {
  const { graph } = loaded
  const applied = graph.appliedSet(heads)
  const above = graph.ancestors(graph.upgradedHeads, { inclusive: true }).filter((id) => !applied.has(id))
  // A revision's renames happen at once (a swap is two of them), so each revision is one lookup.
  const undone = above.reverse().flatMap((id) => {
    const renames = loaded.revisions.get(id)?.renamedTables ?? []
    return renames.length === 0 ? [] : [{
      back: new Map(renames.map((rename) => [nameKey(rename.to), rename.from])),
      vacated: new Set(renames.map((rename) => nameKey(rename.from)))
    }]
  })
  return (name) => {
    let current: PhysicalTableName = name
    for (const step of undone) {
      const before = step.back.get(nameKey(current))
      if (before !== undefined) current = before
      else if (step.vacated.has(nameKey(current))) return undefined
    }
    return current
  }
}
