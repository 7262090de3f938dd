/**
 * COPY's binary format (`COPY ... FROM STDIN WITH (FORMAT binary)`) from PostgreSQL text input, for the column
 * types whose text this module can turn into their binary form exactly: timestamps with and without time
 * zone, dates, float8, int2/int4/int8, booleans, text and varchar, uuids, json and jsonb. A batch whose columns
 * are all such types is sent in binary, which spares the server its text input functions (parsing a
 * timestamp or a double is most of what COPY's text format costs it); any other column keeps the whole batch
 * in the text format (`copyText` in `PgCopy.ts`), because one COPY has one format.
 *
 * A column of numbers or booleans (`NumberValues`, `Int64Values`, `BooleanValues` in `ColumnValues.ts`) of a
 * type that holds them as they are (float8, the integers, boolean) is written from its values, with no text
 * made or read; any other column from its texts (`textAt`).
 *
 * The texts are those row validation writes (`ValidatedBatch.values`): timestamps as
 * `YYYY-MM-DDTHH:MM:SS.ffffff` (`Z` appended for an instant), dates `YYYY-MM-DD`, floats as JavaScript prints
 * a double (or `-0`), integers in decimal, booleans `true`/`false`, uuids lower- or upper-case hex. A text
 * this module does not recognise fails the encoding (`CopyBinaryUnreadable`), and the caller sends the
 * batch another way: binary is a faster route to the same values, never a different reading of them.
 *
 * Layout (PostgreSQL's `COPY` documentation): the 11-byte signature, a 32-bit flags field and a 32-bit header
 * extension length (both 0); per row a 16-bit field count, then per field a 32-bit length (-1 for NULL) and
 * the value's bytes in the type's `send` format, big-endian; a 16-bit -1 at the end.
 */
import * as Schema from "effect/Schema"
import { Buffer } from "node:buffer"
import { daysFromCivil } from "./Calendar.ts"
import { type ColumnInput, type ColumnValues, columnValuesOf, FLAG_NULL, FLAG_TRUE } from "./ColumnValues.ts"

/** A text one of the encoders cannot read (not the canonical text it expects): send the batch in text. */
export class CopyBinaryUnreadable extends Schema.TaggedError<CopyBinaryUnreadable>()("CopyBinaryUnreadable", {
  sqlType: Schema.String,
  text: Schema.String
}) {
  override get message(): string {
    return `Not a ${this.sqlType} text the binary COPY encoder reads: ${JSON.stringify(this.text.slice(0, 40))}`
  }
}

const unreadable = (sqlType: string, text: string) => new CopyBinaryUnreadable({ sqlType, text })

/** A growable output buffer. */
class Output {
  buffer: Buffer
  view: DataView
  offset = 0
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size)
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength)
  }
  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes))
    this.buffer.copy(grown, 0, 0, this.offset)
    this.buffer = grown
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength)
  }
}

/** Writes one non-null field (its length and bytes) from its text; reserves its own room. */
type FieldWriter = (out: Output, text: string) => void

/**
 * Room for a field of `bytes` bytes, its length written; answers where its bytes go (read `out.view` after
 * this call: the room may be a new buffer).
 */
const fixedField = (out: Output, bytes: number): number => {
  out.reserve(4 + bytes)
  const at = out.offset + 4
  out.view.setInt32(out.offset, bytes)
  out.offset = at + bytes
  return at
}

/** A field of `bytes` bytes, which `write` writes from the text at `offset` of `view`. */
const fixed = (bytes: number, write: (view: DataView, offset: number, text: string) => void): FieldWriter => (out, text) => {
  const at = fixedField(out, bytes)
  write(out.view, at, text)
}

const DIGIT_0 = 48

/** The number of the `count` decimal digits at `index`, or -1 when one is not a digit. */
const digits = (text: string, index: number, count: number): number => {
  let value = 0
  for (let at = index; at < index + count; at++) {
    const digit = text.charCodeAt(at) - DIGIT_0
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/** PostgreSQL's epoch, 2000-01-01, in days from 1970-01-01. */
const PG_EPOCH_DAYS = 10957

/** Days from 2000-01-01 of `YYYY-MM-DD` at the start of `text`, or undefined when it is not one. */
const pgDays = (text: string): number | undefined => {
  const year = digits(text, 0, 4)
  const month = digits(text, 5, 2)
  const day = digits(text, 8, 2)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31) return undefined
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined
  return daysFromCivil(year, month, day) - PG_EPOCH_DAYS
}

const TWO_POW_32 = 4294967296

/** Writes a signed 64-bit integer given as a double that holds it exactly (within ±2⁵³). */
const setInt64 = (view: DataView, offset: number, value: number): void => {
  const high = Math.floor(value / TWO_POW_32)
  view.setInt32(offset, high)
  view.setUint32(offset + 4, value - high * TWO_POW_32)
}

/**
 * Microseconds from 2000-01-01 00:00 of `YYYY-MM-DDTHH:MM:SS.ffffff` (then `Z` when `instant`), as the
 * server's int64 timestamp: a double when it is exact (years 1715 to 2284), else a bigint.
 */
const timestampMicros = (text: string, instant: boolean, sqlType: string): number | bigint => {
  const days = text.length === (instant ? 27 : 26) && text.charCodeAt(10) === 84 && text.charCodeAt(13) === 58 &&
      text.charCodeAt(16) === 58 && text.charCodeAt(19) === 46 && (!instant || text.charCodeAt(26) === 90)
    ? pgDays(text)
    : undefined
  const hour = digits(text, 11, 2)
  const minute = digits(text, 14, 2)
  const second = digits(text, 17, 2)
  const micros = digits(text, 20, 6)
  if (days === undefined || hour < 0 || minute < 0 || second < 0 || micros < 0) {
    throw unreadable(sqlType, text)
  }
  const seconds = days * 86400 + hour * 3600 + minute * 60 + second
  const total = seconds * 1_000_000 + micros
  return Number.isSafeInteger(total) ? total : BigInt(seconds) * 1_000_000n + BigInt(micros)
}

/** A timestamp column's writer; consecutive rows often share an instant, whose encoding it keeps. */
const timestampWriter = (instant: boolean, sqlType: string): FieldWriter => {
  let lastText = ""
  let lastValue: number | bigint = 0
  return fixed(8, (view, offset, text) => {
    if (text !== lastText) {
      lastValue = timestampMicros(text, instant, sqlType)
      lastText = text
    }
    if (typeof lastValue === "number") setInt64(view, offset, lastValue)
    else view.setBigInt64(offset, lastValue)
  })
}

const dateWriter = (sqlType: string): FieldWriter =>
  fixed(4, (view, offset, text) => {
    const days = text.length === 10 ? pgDays(text) : undefined
    if (days === undefined) throw unreadable(sqlType, text)
    view.setInt32(offset, days)
  })

/**
 * Whether `text` is made only of what a decimal float's text holds (digits, sign, point, exponent) and is not
 * empty: then `Number` reads it as PostgreSQL's `float8in` does, or gives NaN for a malformed one. Without
 * this, `Number` would also read `""`, `" 1"`, `0x1A` or `Infinity`, which the validated texts never are.
 */
const decimalCharacters = (text: string): boolean => {
  const length = text.length
  if (length === 0) return false
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    // 0-9, '.', '-', '+', 'e', 'E'
    if (!((code >= 48 && code <= 57) || code === 46 || code === 45 || code === 43 || code === 101 || code === 69)) {
      return false
    }
  }
  return true
}

const float8Writer = (sqlType: string): FieldWriter =>
  fixed(8, (view, offset, text) => {
    const value = Number(text)
    if (Number.isNaN(value) || !decimalCharacters(text)) throw unreadable(sqlType, text)
    view.setFloat64(offset, value)
  })

/** The value of an optionally negative decimal integer of at most 15 digits, or undefined for another text. */
const smallInteger = (text: string): number | undefined => {
  const length = text.length
  const negative = length > 0 && text.charCodeAt(0) === 45
  const start = negative ? 1 : 0
  if (length === start || length - start > 15) return undefined
  let value = 0
  for (let index = start; index < length; index++) {
    const digit = text.charCodeAt(index) - DIGIT_0
    if (digit < 0 || digit > 9) return undefined
    value = value * 10 + digit
  }
  return negative ? -value : value
}

const INTEGER_TEXT = /^-?\d{1,19}$/
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const integerWriter = (bytes: 2 | 4 | 8, sqlType: string): FieldWriter => {
  const limit = bytes === 2 ? 32768 : 2147483648
  return fixed(bytes, (view, offset, text) => {
    const value = smallInteger(text)
    if (bytes === 8) {
      if (value !== undefined) return setInt64(view, offset, value)
      const big = INTEGER_TEXT.test(text) ? BigInt(text) : undefined
      if (big === undefined || big < INT64_MIN || big > INT64_MAX) throw unreadable(sqlType, text)
      return view.setBigInt64(offset, big)
    }
    if (value === undefined || value < -limit || value >= limit) throw unreadable(sqlType, text)
    if (bytes === 2) view.setInt16(offset, value)
    else view.setInt32(offset, value)
  })
}

const booleanWriter = (sqlType: string): FieldWriter =>
  fixed(1, (view, offset, text) => {
    if (text !== "true" && text !== "false") throw unreadable(sqlType, text)
    view.setUint8(offset, text === "true" ? 1 : 0)
  })

const hexValue = (code: number): number =>
  code >= 48 && code <= 57 ? code - 48 : code >= 97 && code <= 102 ? code - 87 : code >= 65 && code <= 70 ? code - 55 : -1

const uuidWriter = (sqlType: string): FieldWriter =>
  fixed(16, (view, offset, text) => {
    if (text.length !== 36) throw unreadable(sqlType, text)
    let at = 0
    for (let byte = 0; byte < 16; byte++) {
      if (at === 8 || at === 13 || at === 18 || at === 23) {
        if (text.charCodeAt(at) !== 45) throw unreadable(sqlType, text)
        at++
      }
      const high = hexValue(text.charCodeAt(at))
      const low = hexValue(text.charCodeAt(at + 1))
      if (high < 0 || low < 0) throw unreadable(sqlType, text)
      view.setUint8(offset + byte, high * 16 + low)
      at += 2
    }
  })

/**
 * Text as UTF-8, after `prefix` (jsonb's format version, 1). Short ASCII strings, most of what a batch holds,
 * are copied by a loop; anything else by `Buffer.write`.
 */
const textWriter = (prefix: number | undefined): FieldWriter => {
  const head = prefix === undefined ? 0 : 1
  return (out, text) => {
    const length = text.length
    out.reserve(4 + head + length * 3)
    const start = out.offset + 4
    const buffer = out.buffer
    if (prefix !== undefined) buffer[start] = prefix
    let written = head
    if (length <= 64) {
      for (; written - head < length; written++) {
        const code = text.charCodeAt(written - head)
        if (code >= 128) break
        buffer[start + written] = code
      }
    }
    if (written - head < length) {
      written = head + buffer.write(text, start + head, "utf8")
    }
    out.view.setInt32(out.offset, written)
    out.offset = start + written
  }
}

/** The types this module writes, each under one name. */
type BinaryType =
  | "timestamptz"
  | "timestamp"
  | "date"
  | "float8"
  | "int2"
  | "int4"
  | "int8"
  | "bool"
  | "uuid"
  | "text"
  | "json"
  | "jsonb"

/** Which of the types it writes `type` (a cast type as `castType` renders it, lower-cased) is, if any. */
const binaryTypeOf = (type: string): BinaryType | undefined => {
  if (/^(timestamptz|timestamp(\s*\(\d\))? with time zone)$/.test(type)) return "timestamptz"
  if (/^timestamp(\s*\(\d\))?( without time zone)?$/.test(type)) return "timestamp"
  if (type === "date") return "date"
  if (type === "double precision" || type === "float8" || type === "float") return "float8"
  if (type === "smallint" || type === "int2") return "int2"
  if (type === "integer" || type === "int" || type === "int4") return "int4"
  if (type === "bigint" || type === "int8") return "int8"
  if (type === "boolean" || type === "bool") return "bool"
  if (type === "uuid") return "uuid"
  if (type === "text" || /^(varchar|character varying)(\s*\(\d+\))?$/.test(type)) return "text"
  if (type === "json" || type === "jsonb") return type
  return undefined
}

/** The writer of a field of `binary` from its text; `type` names it in errors. */
const fieldWriterOf = (binary: BinaryType, type: string): FieldWriter => {
  switch (binary) {
    case "timestamptz":
      return timestampWriter(true, type)
    case "timestamp":
      return timestampWriter(false, type)
    case "date":
      return dateWriter(type)
    case "float8":
      return float8Writer(type)
    case "int2":
      return integerWriter(2, type)
    case "int4":
      return integerWriter(4, type)
    case "int8":
      return integerWriter(8, type)
    case "bool":
      return booleanWriter(type)
    case "uuid":
      return uuidWriter(type)
    case "text":
    case "json":
      return textWriter(undefined)
    case "jsonb":
      return textWriter(1)
  }
}

/** Whether a column of `sqlType` can be sent in COPY's binary format by `copyBinary`. */
export const hasBinaryWriter = (sqlType: string): boolean => binaryTypeOf(sqlType.trim().toLowerCase()) !== undefined

/** Writes row `row` of one column: its field (length and bytes), or -1 for NULL; reserves its own room. */
type ColumnWriter = (out: Output, row: number) => void

const writeNull = (out: Output): void => {
  out.reserve(4)
  out.view.setInt32(out.offset, -1)
  out.offset += 4
}

/** A column written from its texts by `field`. */
const textColumnWriter = (column: ColumnValues, field: FieldWriter): ColumnWriter => {
  if (column._tag === "TextValues") {
    const texts = column.texts
    return (out, row) => {
      const text = texts[row]
      if (text === null || text === undefined) writeNull(out)
      else field(out, text)
    }
  }
  return (out, row) => {
    const text = column.textAt(row)
    if (text === null) writeNull(out)
    else field(out, text)
  }
}

const setInt64Field = (out: Output, value: number): void => {
  const at = fixedField(out, 8)
  setInt64(out.view, at, value)
}

/**
 * A number column (`NaN` for NULL) written as `binary` from its numbers; a value the type does not hold
 * exactly (which validation never lets through) fails the encoding as its text would.
 */
const numberColumnWriter = (numbers: Float64Array, binary: BinaryType, type: string): ColumnWriter | undefined => {
  const refuse = (value: number) => unreadable(type, String(value))
  switch (binary) {
    case "float8":
      return (out, row) => {
        const value = numbers[row]!
        if (value !== value) return writeNull(out)
        if (value - value !== 0) throw refuse(value)
        const at = fixedField(out, 8)
        out.view.setFloat64(at, value)
      }
    case "int2":
    case "int4": {
      const limit = binary === "int2" ? 32768 : 2147483648
      return (out, row) => {
        const value = numbers[row]!
        if (value !== value) return writeNull(out)
        if (!Number.isInteger(value) || value < -limit || value >= limit) throw refuse(value)
        const at = fixedField(out, binary === "int2" ? 2 : 4)
        if (binary === "int2") out.view.setInt16(at, value)
        else out.view.setInt32(at, value)
      }
    }
    case "int8":
      return (out, row) => {
        const value = numbers[row]!
        if (value !== value) return writeNull(out)
        if (!Number.isSafeInteger(value)) throw refuse(value)
        setInt64Field(out, value)
      }
    default:
      return undefined
  }
}

/** A column of numbers or booleans written from its values, when its type holds them as they are. */
const valueColumnWriter = (column: ColumnValues, binary: BinaryType, type: string): ColumnWriter | undefined => {
  switch (column._tag) {
    case "NumberValues":
      return numberColumnWriter(column.numbers, binary, type)
    case "Int64Values": {
      if (binary !== "int8") return undefined
      const { numbers } = column
      return (out, row) => {
        const value = numbers[row]!
        if (value === value) return setInt64Field(out, value)
        const wide = column.wide?.get(row)
        if (wide === undefined) return writeNull(out)
        if (wide < INT64_MIN || wide > INT64_MAX) throw unreadable(type, wide.toString())
        const at = fixedField(out, 8)
        out.view.setBigInt64(at, wide)
      }
    }
    case "BooleanValues": {
      if (binary !== "bool") return undefined
      const { flags } = column
      return (out, row) => {
        const flag = flags[row]!
        if (flag === FLAG_NULL) return writeNull(out)
        const at = fixedField(out, 1)
        out.view.setUint8(at, flag === FLAG_TRUE ? 1 : 0)
      }
    }
    case "TextValues":
      return undefined
  }
}

/** The writer of `column` as `sqlType`: from its values where they are numbers or booleans, else its texts. */
const columnWriterOf = (sqlType: string, column: ColumnValues): ColumnWriter => {
  const type = sqlType.trim().toLowerCase()
  const binary = binaryTypeOf(type)
  if (binary === undefined) throw unreadable(sqlType, "")
  return valueColumnWriter(column, binary, type) ?? textColumnWriter(column, fieldWriterOf(binary, type))
}

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]

/**
 * Rows given column by column (`ColumnValues`, or the column's PostgreSQL texts, `null` for NULL) in COPY's
 * binary format, each column written as its type in `sqlTypes` (every one `hasBinaryWriter`). Throws
 * `CopyBinaryUnreadable` on a value it cannot write exactly.
 */
export const copyBinary = (
  sqlTypes: ReadonlyArray<string>,
  columns: ReadonlyArray<ColumnInput>,
  rowCount: number
): Uint8Array => {
  const writers = columns.map((column, index) => columnWriterOf(sqlTypes[index] ?? "", columnValuesOf(column)))
  const width = columns.length
  // A guess at the size (the header, and per row its count and 12 bytes a field); `reserve` grows it.
  const out = new Output(19 + 2 + rowCount * (2 + width * 12))
  SIGNATURE.forEach((byte, index) => (out.buffer[index] = byte))
  out.view.setInt32(11, 0)
  out.view.setInt32(15, 0)
  out.offset = 19
  for (let row = 0; row < rowCount; row++) {
    out.reserve(2)
    out.view.setInt16(out.offset, width)
    out.offset += 2
    for (let column = 0; column < width; column++) writers[column]!(out, row)
  }
  out.reserve(2)
  out.view.setInt16(out.offset, -1)
  out.offset += 2
  return out.buffer.subarray(0, out.offset)
}
