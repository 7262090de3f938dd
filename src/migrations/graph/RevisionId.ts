/**
 * What a revision id and a branch label may be and how ids sort: both must stay addressable by the target
 * syntax (`head`, `ID+N`, `LABEL@head`, `FROM:TO`), and every list of ids is ordered the same way on every
 * machine.
 */

/** Ids the target syntax reads as keywords. */
export const RESERVED_REVISION_IDS: ReadonlyArray<string> = ["head", "heads", "base"]

// `ID+N`, `ID-N` and `FROM:TO` must parse without guessing, and a list of ids splits on commas, so an id
// cannot contain these (Alembic forbids `@`, `-` and `+` for the same reason).
const illegalIdCharacter = /[\s+\-@:,]/u

/** Why `id` cannot be a revision id, or `undefined` when it can (the empty id is checked on its own). */
export const invalidRevisionIdReason = (id: string): "reserved-word" | "illegal-character" | undefined =>
  RESERVED_REVISION_IDS.includes(id) ? "reserved-word" : illegalIdCharacter.test(id) ? "illegal-character" : undefined

/** Why `label` cannot be a branch label, or `undefined` when it can: the rules of ids, and not empty. */
export const invalidBranchLabelReason = (label: string): "empty" | "reserved-word" | "illegal-character" | undefined =>
  label === "" ? "empty" : invalidRevisionIdReason(label)

/** Code-unit order, the same on every machine (unlike `localeCompare`). */
export const compareRevisionIds = (left: string, right: string): number =>
  left < right ? -1 : left > right ? 1 : 0
