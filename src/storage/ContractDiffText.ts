/**
 * The sentences each caller shows for a `ShapeDifference`: finalize and `startEngine` against a contract
 * (`column x is text, the contract says VARCHAR(32)`), `check` against a revision (`column public.t.x is
 * nullable, the revision made it NOT NULL`), `startEngine` for a model changed since the catalog recorded it
 * (`column size was added`).
 */
import type { ShapeDifference } from "./ContractDiff.ts"

const list = (names: ReadonlyArray<string>) => names.length === 0 ? "none" : `(${names.join(", ")})`

/** Whose word the expected shape is: a table's contract, a revision's snapshot, or the catalog's record. */
export type DiffWording = "contract" | "revision" | "catalog"

const nullability = (notNull: boolean) => notNull ? "NOT NULL" : "nullable"
const defaultText = (value: string | null) => value === null ? "no default" : value

/**
 * The differences as sentences. `contract`: the live table against its contract (`column x is text, the
 * contract says VARCHAR(32)`); `revision`: the live database against a revision (`column public.t.x is
 * nullable, the revision made it NOT NULL`); `catalog`: the model's contract against the recorded one
 * (`column size was added`).
 */
export const describeDifferences = (
  differences: ReadonlyArray<ShapeDifference>,
  wording: DiffWording
): ReadonlyArray<string> => {
  const sentences: Array<string> = []
  const extras = differences.flatMap((difference) => difference._tag === "ColumnExtra" ? [difference.column] : [])
  let extrasSaid = false
  const column = (difference: { readonly table: string; readonly column: string }) =>
    wording === "revision" ? `column ${difference.table}.${difference.column}` : `column ${difference.column}`
  const says = wording === "revision" ? "the revision made it" : "the contract says"
  for (const difference of differences) {
    switch (difference._tag) {
      case "TableMissing":
        sentences.push(wording === "revision" ? `table ${difference.table} is missing` : "the table does not exist")
        break
      case "ColumnMissing":
        sentences.push(wording === "catalog" ? `column ${difference.column} was removed` : `${column(difference)} is missing`)
        break
      case "ColumnExtra":
        if (wording === "revision") sentences.push(`${column(difference)} is not in the revision's model`)
        else if (wording === "catalog") sentences.push(`column ${difference.column} was added`)
        else if (!extrasSaid) {
          extrasSaid = true
          sentences.push(`column${extras.length > 1 ? "s" : ""} ${extras.join(", ")} not in the contract`)
        }
        break
      case "ColumnType":
        sentences.push(
          wording === "catalog"
            ? `column ${difference.column} is ${difference.actual} in the model, ${difference.expected} in the catalog`
            : `${column(difference)} is ${difference.actual}, ${says} ${difference.expected}`
        )
        break
      case "ColumnNullability":
        sentences.push(
          wording === "catalog"
            ? `column ${difference.column} is ${nullability(!difference.expectedNotNull)} in the model`
            : `${column(difference)} is ${nullability(!difference.expectedNotNull)}, ${says} ` +
              nullability(difference.expectedNotNull)
        )
        break
      case "ColumnGeneration":
        sentences.push(
          wording === "catalog"
            ? `column ${difference.column} is ${difference.actual} in the model, ${difference.expected} in the catalog`
            : `${column(difference)} is ${difference.actual}, ${says} ${difference.expected}`
        )
        break
      case "ColumnDefault":
        sentences.push(
          wording === "catalog"
            ? `column ${difference.column} has ${defaultText(difference.actual)} in the model, ` +
              `${defaultText(difference.expected)} in the catalog`
            : `${column(difference)} has default ${defaultText(difference.actual)}, ${says} ${defaultText(difference.expected)}`
        )
        break
      case "PrimaryKeyColumns":
        sentences.push(
          wording === "catalog"
            ? `the primary key is ${list(difference.actual)} in the model, ${list(difference.expected)} in the catalog`
            : `the primary key is ${list(difference.actual)}, ${says} ${list(difference.expected)}`
        )
        break
      case "UniqueKeyMissing":
        sentences.push(
          difference.columns.length === 1
            ? `column ${difference.columns[0]} has no unique constraint${wording === "catalog" ? " in the model" : ""}`
            : `no unique constraint covers ${list(difference.columns)}`
        )
        break
      case "GrainUncovered":
        sentences.push(`no unique index covers the grain ${list(difference.grain)}`)
        break
      case "GrainChanged":
        sentences.push(
          `the grain is (${difference.actual.join(", ")}) in the model, (${difference.expected.join(", ")}) in the catalog`
        )
        break
      case "ObjectMissing":
        sentences.push(`${difference.object} ${difference.name} on ${difference.table} is missing`)
        break
      case "ObjectExtra":
        sentences.push(
          `${difference.object} ${difference.name} on ${difference.table} is not in the ` +
            (wording === "revision" ? "revision's model" : wording === "catalog" ? "catalog" : "contract")
        )
        break
      case "ObjectChanged":
        sentences.push(
          `${difference.object} ${difference.name} on ${difference.table}: ${difference.aspect} is ${difference.actual}, ` +
            `${says} ${difference.expected}`
        )
        break
      case "EnumMissing":
        sentences.push(`enum ${difference.name} is missing`)
        break
      case "EnumValues":
        sentences.push(
          `enum ${difference.name} has values (${difference.actual.join(", ")}), ${says} (${difference.expected.join(", ")})`
        )
        break
      case "SequenceMissing":
        sentences.push(`sequence ${difference.name} is missing`)
        break
      case "SequenceChanged":
        sentences.push(`sequence ${difference.name}: ${difference.aspect} is ${difference.actual}, ${says} ${difference.expected}`)
        break
    }
  }
  return sentences
}
