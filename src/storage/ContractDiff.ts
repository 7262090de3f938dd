/**
 * The one diff over `TableShape`s: what differs between the shape a table is expected to have and the shape
 * it has, as data (`ShapeDifference`); `ContractDiffText` words it for each caller. Finalize and `startEngine`
 * compare a live table with its contract, `startEngine` a model's contract with the recorded one, the lifecycle
 * a revision's snapshot with the model, and `check` the live database with a revision's snapshot.
 *
 * Only what the expected side describes is compared: a contract names no indexes, so a table checked against
 * its contract may have any; a snapshot names them all, so a live index it does not have is reported.
 */
import { quoteIdentifierWhereNeeded } from "../db/SqlText.ts"
import {
  type EnumShape,
  normalizeExpression,
  normalizeSqlType,
  type SchemaShape,
  type SequenceShape,
  type TableShapeColumn,
  type TableShapeIndex,
  type TableShapeKey,
  type TableShape
} from "./TableShape.ts"

export type ShapeObjectKind = "primary key" | "unique constraint" | "foreign key" | "index" | "check constraint"

export type ShapeDifference =
  | { readonly _tag: "TableMissing"; readonly table: string }
  | { readonly _tag: "ColumnMissing"; readonly table: string; readonly column: string }
  | { readonly _tag: "ColumnExtra"; readonly table: string; readonly column: string }
  | {
    readonly _tag: "ColumnType"
    readonly table: string
    readonly column: string
    readonly expected: string
    readonly actual: string
  }
  | { readonly _tag: "ColumnNullability"; readonly table: string; readonly column: string; readonly expectedNotNull: boolean }
  | {
    readonly _tag: "ColumnGeneration"
    readonly table: string
    readonly column: string
    /** What the column is: `identity always`, `identity by default`, `generated` or `plain`. */
    readonly expected: string
    readonly actual: string
  }
  | {
    readonly _tag: "ColumnDefault"
    readonly table: string
    readonly column: string
    readonly expected: string | null
    readonly actual: string | null
  }
  | {
    readonly _tag: "PrimaryKeyColumns"
    readonly table: string
    readonly expected: ReadonlyArray<string>
    readonly actual: ReadonlyArray<string>
  }
  | { readonly _tag: "UniqueKeyMissing"; readonly table: string; readonly columns: ReadonlyArray<string> }
  | { readonly _tag: "GrainUncovered"; readonly table: string; readonly grain: ReadonlyArray<string> }
  | {
    readonly _tag: "GrainChanged"
    readonly table: string
    readonly expected: ReadonlyArray<string>
    readonly actual: ReadonlyArray<string>
  }
  | { readonly _tag: "ObjectMissing"; readonly table: string; readonly object: ShapeObjectKind; readonly name: string }
  | { readonly _tag: "ObjectExtra"; readonly table: string; readonly object: ShapeObjectKind; readonly name: string }
  | {
    readonly _tag: "ObjectChanged"
    readonly table: string
    readonly object: ShapeObjectKind
    readonly name: string
    /** What differs: `columns`, `ON DELETE`, `method`, `predicate`, `expression`, ... */
    readonly aspect: string
    readonly expected: string
    readonly actual: string
  }
  | { readonly _tag: "EnumMissing"; readonly name: string }
  | {
    readonly _tag: "EnumValues"
    readonly name: string
    readonly expected: ReadonlyArray<string>
    readonly actual: ReadonlyArray<string>
  }
  | { readonly _tag: "SequenceMissing"; readonly name: string }
  | {
    readonly _tag: "SequenceChanged"
    readonly name: string
    readonly aspect: string
    readonly expected: string
    readonly actual: string
  }

/**
 * How a difference writes the names it holds (tables, columns, objects, enums, sequences): as they are
 * (`asDeclared`, the data callers keep), or as PostgreSQL needs them (`asPostgresWritesThem`, quoted where
 * needed), for text people read where a name may hold a quote, a space or a dot.
 */
export interface NameSpelling {
  readonly name: (name: string) => string
}

export const asDeclared: NameSpelling = { name: (name) => name }
export const asPostgresWritesThem: NameSpelling = { name: quoteIdentifierWhereNeeded }

const qualifiedIn = (spelling: NameSpelling, schema: string, name: string) => `${spelling.name(schema)}.${spelling.name(name)}`
const namesIn = (spelling: NameSpelling, names: ReadonlyArray<string>) => names.map(spelling.name)

const sameList = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((item, index) => item === b[index])

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && a.every((name) => b.includes(name))


const SERIAL = /^(small|big)?serial$/i

/** Whether two defaults are the same; a serial column's sequence default is the one its type implies. */
const sameDefault = (expected: TableShapeColumn, actual: string | null): boolean => {
  const declared = expected.default ?? null
  if (declared === null && actual !== null && SERIAL.test(expected.type.trim())) return /^nextval\(/i.test(actual.trim())
  if (declared === null || actual === null) return declared === actual
  return normalizeExpression(declared) === normalizeExpression(actual)
}

/** How a column's values come: from an identity, a generation expression, or the rows written. */
const generation = (column: TableShapeColumn): string =>
  column.identity === "always"
    ? "identity always"
    : column.identity === "byDefault"
    ? "identity by default"
    : column.generated === true
    ? "generated"
    : "plain"

/** Whether two types are the same type, however each side spells it. */
export const sameSqlType = (a: string, b: string): boolean => normalizeSqlType(a) === normalizeSqlType(b)

const columnDifferences = (
  table: string,
  expected: TableShape,
  actual: TableShape,
  spelling: NameSpelling
): Array<ShapeDifference> => {
  const differences: Array<ShapeDifference> = []
  const actualColumns = new Map(actual.columns.map((column) => [column.name, column]))
  for (const column of expected.columns) {
    const found = actualColumns.get(column.name)
    if (found === undefined) {
      differences.push({ _tag: "ColumnMissing", table, column: spelling.name(column.name) })
      continue
    }
    if (!sameSqlType(found.type, column.type)) {
      differences.push({ _tag: "ColumnType", table, column: spelling.name(column.name), expected: column.type, actual: found.type })
    }
    if (found.notNull !== column.notNull) {
      differences.push({ _tag: "ColumnNullability", table, column: spelling.name(column.name), expectedNotNull: column.notNull })
    }
    if (column.identity !== undefined && found.identity !== undefined && column.generated !== undefined &&
      found.generated !== undefined && generation(column) !== generation(found)) {
      differences.push({
        _tag: "ColumnGeneration",
        table,
        column: spelling.name(column.name),
        expected: generation(column),
        actual: generation(found)
      })
    }
    if (column.default !== undefined && found.default !== undefined && !sameDefault(column, found.default)) {
      differences.push({
        _tag: "ColumnDefault",
        table,
        column: spelling.name(column.name),
        expected: column.default,
        actual: found.default
      })
    }
  }
  const declared = new Set(expected.columns.map((column) => column.name))
  for (const column of actual.columns) {
    if (!declared.has(column.name)) differences.push({ _tag: "ColumnExtra", table, column: spelling.name(column.name) })
  }
  return differences
}

interface Named {
  readonly name: string
}

/**
 * One aspect of an object: its name, how it is shown, and the key it is compared by (default: as shown with the
 * names as declared, so that a spelling changes the words, never which differences there are).
 */
type Aspect<A> = readonly [string, (item: A, spelling: NameSpelling) => string, ((item: A) => string)?]

/** Objects of one kind matched by name: missing, extra, and each aspect that differs. */
const objectDifferences = <A extends Named>(
  table: string,
  object: ShapeObjectKind,
  expected: ReadonlyArray<A>,
  actual: ReadonlyArray<A>,
  aspects: ReadonlyArray<Aspect<A>>,
  spelling: NameSpelling
): Array<ShapeDifference> => {
  const differences: Array<ShapeDifference> = []
  const found = new Map(actual.map((item) => [item.name, item]))
  for (const item of expected) {
    const live = found.get(item.name)
    const name = spelling.name(item.name)
    if (live === undefined) {
      differences.push({ _tag: "ObjectMissing", table, object, name })
      continue
    }
    for (const [aspect, show, key = (shown: A) => show(shown, asDeclared)] of aspects) {
      if (key(item) !== key(live)) {
        differences.push({
          _tag: "ObjectChanged",
          table,
          object,
          name,
          aspect,
          expected: show(item, spelling),
          actual: show(live, spelling)
        })
      }
    }
  }
  const declared = new Set(expected.map((item) => item.name))
  for (const item of actual) {
    if (!declared.has(item.name)) differences.push({ _tag: "ObjectExtra", table, object, name: spelling.name(item.name) })
  }
  return differences
}

/**
 * Column order and operator classes of the indexes both sides have, where both say: an operator class only where
 * the expected side names one (the live side always has one, the type's default when none was named).
 */
const indexDetailDifferences = (
  table: string,
  expected: ReadonlyArray<TableShapeIndex>,
  actual: ReadonlyArray<TableShapeIndex>,
  spelling: NameSpelling
): Array<ShapeDifference> => {
  const differences: Array<ShapeDifference> = []
  const found = new Map(actual.map((index) => [index.name, index]))
  for (const index of expected) {
    const live = found.get(index.name)
    if (live === undefined || live.columns.length !== index.columns.length) continue
    if (index.order !== undefined && live.order !== undefined && !sameList(index.order, live.order)) {
      differences.push({
        _tag: "ObjectChanged",
        table,
        object: "index",
        name: spelling.name(index.name),
        aspect: "order",
        expected: index.order.join(", "),
        actual: live.order.join(", ")
      })
    }
    const classes = index.operatorClasses
    const liveClasses = live.operatorClasses
    if (
      classes !== undefined && liveClasses !== undefined &&
      classes.some((name, position) => name !== null && name !== liveClasses[position])
    ) {
      differences.push({
        _tag: "ObjectChanged",
        table,
        object: "index",
        name: spelling.name(index.name),
        aspect: "operator classes",
        expected: classes.map((name) => name ?? "default").join(", "),
        actual: liveClasses.map((name) => name ?? "default").join(", ")
      })
    }
  }
  return differences
}

const keyColumns = (key: TableShapeKey, spelling: NameSpelling) => namesIn(spelling, key.columns).join(", ")
const expressions = (items: ReadonlyArray<string>) => items.map(normalizeExpression).join(",")

/**
 * Each way `actual` differs from `expected`; empty when it has the shape. `actual` is `undefined` when the
 * table does not exist. The names in the differences are written as `spelling` says (as declared by default).
 */
export const diffTableShapes = (
  expected: TableShape,
  actual: TableShape | undefined,
  spelling: NameSpelling = asDeclared
): ReadonlyArray<ShapeDifference> => {
  const table = qualifiedIn(spelling, expected.schema, expected.table)
  if (actual === undefined) return [{ _tag: "TableMissing", table }]
  const differences = columnDifferences(table, expected, actual, spelling)
  const named = expected.objects !== undefined && actual.objects !== undefined
  if (named) {
    const primary = (shape: TableShape) =>
      shape.primaryKey === null ? [] : [{ name: shape.primaryKey.name ?? "", columns: shape.primaryKey.columns }]
    differences.push(
      ...objectDifferences(table, "primary key", primary(expected), primary(actual), [["columns", keyColumns]], spelling)
    )
  } else {
    const want = expected.primaryKey?.columns ?? []
    const have = actual.primaryKey?.columns ?? []
    if (!sameSet(want, have)) {
      differences.push({ _tag: "PrimaryKeyColumns", table, expected: namesIn(spelling, want), actual: namesIn(spelling, have) })
    }
    for (const key of expected.uniqueKeys) {
      if (!actual.uniqueKeys.some((candidate) => sameSet(candidate, key))) {
        differences.push({ _tag: "UniqueKeyMissing", table, columns: namesIn(spelling, key) })
      }
    }
    if (actual.grain !== undefined) {
      const [want, have] = [expected.grain ?? [], actual.grain ?? []]
      if (!sameList(want, have)) {
        differences.push({ _tag: "GrainChanged", table, expected: namesIn(spelling, want), actual: namesIn(spelling, have) })
      }
    } else if (expected.grain !== undefined && expected.grain !== null) {
      const grain = expected.grain
      if (!actual.uniqueKeys.some((key) => sameSet(key, grain))) {
        differences.push({ _tag: "GrainUncovered", table, grain: namesIn(spelling, grain) })
      }
    }
  }
  if (named) {
    const want = expected.objects!
    const have = actual.objects!
    // An index lists column names and expressions: only a column's name is a name to spell.
    const columns = new Set([...expected.columns, ...actual.columns].map((column) => column.name))
    const indexColumns = (index: TableShapeIndex, spelling: NameSpelling) =>
      index.columns.map((column) => columns.has(column) ? spelling.name(column) : column).join(", ")
    differences.push(
      ...objectDifferences(table, "unique constraint", want.uniques, have.uniques, [
        ["columns", keyColumns],
        [
          "nulls",
          (key) => key.nullsNotDistinct === true ? "not distinct" : "distinct",
          // Compared only where both sides say (a snapshot and the live catalog do).
          (key) => key.nullsNotDistinct === undefined ? "" : String(key.nullsNotDistinct)
        ]
      ], spelling),
      ...objectDifferences(table, "foreign key", want.foreignKeys, have.foreignKeys, [
        ["columns", keyColumns],
        [
          "references",
          (key, spelling) =>
            `${qualifiedIn(spelling, key.targetSchema, key.targetTable)} (${namesIn(spelling, key.targetColumns).join(", ")})`
        ],
        ["ON DELETE", (key) => key.onDelete],
        ["ON UPDATE", (key) => key.onUpdate]
      ], spelling),
      ...objectDifferences(table, "index", want.indexes, have.indexes, [
        ["columns", indexColumns, (index) => expressions(index.columns)],
        ["method", (index) => index.method.toLowerCase()],
        ["uniqueness", (index) => index.unique ? "unique" : "not unique"],
        [
          "predicate",
          (index) => index.where ?? "none",
          (index) => index.where === null ? "" : normalizeExpression(index.where)
        ]
      ], spelling),
      ...indexDetailDifferences(table, want.indexes, have.indexes, spelling),
      ...objectDifferences(table, "check constraint", want.checks, have.checks, [
        ["expression", (check) => check.expression, (check) => normalizeExpression(check.expression)]
      ], spelling)
    )
  }
  return differences
}

const qualified = (item: { readonly schema: string; readonly name: string }) => `${item.schema}.${item.name}`

const sequenceAspects: ReadonlyArray<readonly [string, (sequence: SequenceShape) => string | boolean | null]> = [
  ["INCREMENT", (sequence) => sequence.increment],
  ["MINVALUE", (sequence) => sequence.minValue],
  ["MAXVALUE", (sequence) => sequence.maxValue],
  ["START", (sequence) => sequence.start],
  ["CACHE", (sequence) => sequence.cache],
  ["CYCLE", (sequence) => sequence.cycle]
]

/**
 * How the live enums and sequences differ from those a snapshot declares: missing ones, enum values (in
 * order) and sequence parameters the snapshot states. Live ones the snapshot does not declare are not
 * reported: another provider may own them.
 */
export const diffSchemaObjects = (
  expected: Pick<SchemaShape, "enums" | "sequences">,
  actual: Pick<SchemaShape, "enums" | "sequences">,
  spelling: NameSpelling = asDeclared
): ReadonlyArray<ShapeDifference> => {
  const differences: Array<ShapeDifference> = []
  const spelled = (item: { readonly schema: string; readonly name: string }) => qualifiedIn(spelling, item.schema, item.name)
  const enums = new Map(actual.enums.map((item: EnumShape) => [qualified(item), item]))
  for (const item of expected.enums) {
    const found = enums.get(qualified(item))
    if (found === undefined) differences.push({ _tag: "EnumMissing", name: spelled(item) })
    else if (!sameList(item.values, found.values)) {
      differences.push({ _tag: "EnumValues", name: spelled(item), expected: item.values, actual: found.values })
    }
  }
  const sequences = new Map(actual.sequences.map((item) => [qualified(item), item]))
  for (const item of expected.sequences) {
    const found = sequences.get(qualified(item))
    if (found === undefined) {
      differences.push({ _tag: "SequenceMissing", name: spelled(item) })
      continue
    }
    for (const [aspect, value] of sequenceAspects) {
      const [want, have] = [value(item), value(found)]
      if (want !== null && have !== null && String(want) !== String(have)) {
        differences.push({ _tag: "SequenceChanged", name: spelled(item), aspect, expected: String(want), actual: String(have) })
      }
    }
  }
  return differences
}
