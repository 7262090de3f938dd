/**
 * COPY's binary format from PostgreSQL text input (`src/db/CopyBinary.ts`): which column types have a writer,
 * the layout of a row, and texts a writer does not read failing as `CopyBinaryUnreadable` (the caller then
 * sends the batch as text), never as a different value. Round trips through a database are in
 * `PgCopy.integration.test.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { CopyBinaryUnreadable, copyBinary, hasBinaryWriter } from "../../src/db/CopyBinary.ts"

const unreadable = (sqlType: string, text: string) => {
  try {
    copyBinary([sqlType], [[text]], 1)
  } catch (error) {
    assert.instanceOf(error, CopyBinaryUnreadable)
    return
  }
  assert.fail(`${sqlType} ${JSON.stringify(text)} was written`)
}

describe("copyBinary", () => {
  it("has writers for the types it reads exactly, and none for the others", () => {
    for (const type of ["timestamp with time zone", "timestamp (3) with time zone", "timestamp", "date", "double precision",
      "smallint", "integer", "bigint", "boolean", "text", "varchar(20)", "uuid", "json", "jsonb"]) {
      assert.isTrue(hasBinaryWriter(type), type)
    }
    for (const type of ["numeric(20, 4)", "real", "char(3)", "interval", "text[]", "\"mood\"", "point", "inet"]) {
      assert.isFalse(hasBinaryWriter(type), type)
    }
  })

  it("writes the signature, one field count and length per field, -1 for NULL, and the trailer", () => {
    const data = copyBinary(["integer", "text"], [["7", null], ["é", "b"]], 2)
    assert.deepStrictEqual([...data], [
      0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 2, 0, 0, 0, 4, 0, 0, 0, 7, 0, 0, 0, 2, 0xc3, 0xa9,
      0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x62,
      0xff, 0xff
    ])
  })

  it("refuses texts it does not read rather than guess", () => {
    unreadable("timestamp with time zone", "2024-01-02 03:04:05+00")
    unreadable("timestamp with time zone", "2024-01-02T03:04:05.000000")
    unreadable("timestamp", "2024-01-02T03:04:05.000000Z")
    unreadable("date", "2024-1-02")
    unreadable("double precision", "NaN")
    unreadable("double precision", "")
    unreadable("double precision", " 1")
    unreadable("integer", "2147483648")
    unreadable("smallint", "1.0")
    unreadable("bigint", "99999999999999999999")
    unreadable("bigint", "9223372036854775808")
    unreadable("double precision", "0x1A")
    unreadable("double precision", "Infinity")
    unreadable("integer", "-")
    unreadable("integer", "")
    unreadable("boolean", "t")
    unreadable("uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1")
    unreadable("uuid", "a0eebc99x9c0b-4ef8-bb6d-6bb9bd380a11")
  })
})
