/**
 * One column of a batch of rows as the writers read it (COPY's text and binary formats, array literals): each
 * value's PostgreSQL text input through `textAt`, and for a column of numbers or booleans the values
 * themselves, so that the binary COPY writer sends them without a text in between and the text is made only
 * where it is asked for. Which text a number is written as is the column's own (`NumberValues.format`), so
 * that the text made here is the one the values' validation would have written.
 */

/** A column held as its values' texts, `null` for NULL. */
export class TextValues {
  readonly _tag = "TextValues"
  readonly texts: ReadonlyArray<string | null>
  constructor(texts: ReadonlyArray<string | null>) {
    this.texts = texts
  }
  get length(): number {
    return this.texts.length
  }
  textAt(row: number): string | null {
    return this.texts[row] ?? null
  }
}

/**
 * A column of numbers (float8, real, smallint, integer): `NaN` for NULL, a value none of those columns is
 * given (validation refuses it). `format` is the value's text.
 */
export class NumberValues {
  readonly _tag = "NumberValues"
  readonly numbers: Float64Array
  readonly format: (value: number) => string
  constructor(numbers: Float64Array, format: (value: number) => string) {
    this.numbers = numbers
    this.format = format
  }
  get length(): number {
    return this.numbers.length
  }
  textAt(row: number): string | null {
    const value = this.numbers[row]!
    return value === value ? this.format(value) : null
  }
}

/**
 * A bigint column: its safe integers as numbers (`NaN` for NULL), and those beyond ±2⁵³ as bigints in `wide`
 * by row (their number is `NaN` too). Text is decimal.
 */
export class Int64Values {
  readonly _tag = "Int64Values"
  readonly numbers: Float64Array
  wide: Map<number, bigint> | undefined = undefined
  constructor(numbers: Float64Array) {
    this.numbers = numbers
  }
  get length(): number {
    return this.numbers.length
  }
  /** Row `row`'s value, `undefined` for NULL. */
  valueAt(row: number): number | bigint | undefined {
    const value = this.numbers[row]!
    return value === value ? value : this.wide?.get(row)
  }
  textAt(row: number): string | null {
    const value = this.numbers[row]!
    if (value === value) return String(value)
    const wide = this.wide?.get(row)
    return wide === undefined ? null : wide.toString()
  }
}

/** Written as `BooleanValues.flags` holds it. */
export const FLAG_FALSE = 0
export const FLAG_TRUE = 1
export const FLAG_NULL = 2

/** A boolean column: `flags[row]` is `FLAG_TRUE`, `FLAG_FALSE` or `FLAG_NULL`. Text is `true` and `false`. */
export class BooleanValues {
  readonly _tag = "BooleanValues"
  readonly flags: Uint8Array
  constructor(flags: Uint8Array) {
    this.flags = flags
  }
  get length(): number {
    return this.flags.length
  }
  textAt(row: number): string | null {
    const flag = this.flags[row]
    return flag === FLAG_TRUE ? "true" : flag === FLAG_FALSE ? "false" : null
  }
}

export type ColumnValues = TextValues | NumberValues | Int64Values | BooleanValues

/** A column given to a writer: as `ColumnValues`, or as its texts (`null` for NULL). */
export type ColumnInput = ColumnValues | ReadonlyArray<string | null>

export const columnValuesOf = (column: ColumnInput): ColumnValues =>
  Array.isArray(column) ? new TextValues(column) : column as ColumnValues

/** Every value's text, `null` for NULL: what a column holds as text, made for a column that holds values. */
export const columnTexts = (column: ColumnValues, rowCount: number): ReadonlyArray<string | null> => {
  if (column._tag === "TextValues") return column.texts
  const texts = new Array<string | null>(rowCount)
  for (let row = 0; row < rowCount; row++) texts[row] = column.textAt(row)
  return texts
}
