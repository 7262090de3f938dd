/**
 * `COPY ... FROM STDIN` over the connection of the current transaction: on a PostgreSQL server through the
 * driver's own session, on the embedded database through PGlite's `/dev/blob` file; in COPY's text format
 * (`copyText`) or its binary one (`CopyBinary.ts`).
 *
 * `@effect/sql-pg` speaks PostgreSQL's protocol itself and has no COPY (its statement machine refuses the
 * COPY messages), and metatables writes a batch, its watermarks and its run counters in one transaction on
 * one connection, so a second driver (`pg` with `pg-copy-streams`) would need a second connection and a
 * second transaction. COPY's client side is small (three frontend messages: the `COPY` statement as a simple
 * query, the data in `CopyData` messages, `CopyDone`; then the server's `CommandComplete` or `ErrorResponse`
 * and `ReadyForQuery`), so this module sends them on the transaction's own session, holding the session's
 * wire permit as `@effect/sql-pg`'s statements do and reading the replies through its parser.
 *
 * It reaches that session through `@effect/sql-pg`'s connection objects, checking the shape it relies on
 * (`copyIn` answers `Option.none()` when it does not find it: not in a transaction, or a driver version whose
 * internals moved), so callers keep their statement path as the fallback and a
 * driver upgrade that breaks this shows up as a failing test (`test/db/PgCopy.integration.test.ts`), not as
 * a failed write. The three messages go out in one write, without waiting for `CopyInResponse`: a server
 * that refuses the statement ignores the `CopyData` and `CopyDone` that follow, as the protocol says.
 *
 * PGlite runs in this process and reads COPY data from a file: its client hands the data over as the blob
 * its `query` writes to `/dev/blob` (`BlobCopy`), inside the same transaction as the statements around it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import type * as Semaphore from "effect/Semaphore"
import * as SqlClient from "effect/sql/SqlClient"
import { ConnectionError, SqlError } from "effect/sql/SqlError"
import { Buffer } from "node:buffer"
import { type ColumnInput, columnValuesOf } from "./ColumnValues.ts"
import { classifySqlState } from "./internal/sqlState.ts"

/** A backend message, as `@effect/sql-pg`'s parser hands it over. */
interface BackendMessage {
  readonly _tag: string
  readonly commandTag?: string
  readonly fields?: Readonly<Record<string, string>>
}

interface Consumer {
  readonly onMessage: (message: BackendMessage) => void
  readonly onBatchEnd: () => void
  readonly onFatal: (error: unknown) => void
}

/** The parts of `@effect/sql-pg`'s session object this module uses. */
interface WireSession {
  readonly wire: Semaphore.Semaphore
  readonly session: {
    readonly socket: { readonly write: (chunk: Uint8Array) => boolean }
    readonly parser: { readField: unknown }
  }
  consumer: Consumer | undefined
  readonly deadWith: unknown
  readonly fatal: (error: SqlError) => void
}

const isWireSession = (value: unknown): value is WireSession =>
  Predicate.hasProperty(value, "wire") && Predicate.hasProperty(value.wire, "withPermit") &&
  Predicate.isFunction(value.wire.withPermit) &&
  Predicate.hasProperty(value, "session") && Predicate.hasProperty(value.session, "socket") &&
  Predicate.hasProperty(value.session.socket, "write") && Predicate.isFunction(value.session.socket.write) &&
  Predicate.hasProperty(value.session, "parser") && Predicate.isObject(value.session.parser) &&
  "consumer" in value && Predicate.hasProperty(value, "fatal") && Predicate.isFunction(value.fatal)

/**
 * The session under a transaction's connection: `@effect/sql-pg`'s connection wraps the reserved ("pinned")
 * session view, whose `base` is the session.
 */
const wireSessionOf = (connection: unknown): WireSession | undefined => {
  const pinned = Predicate.hasProperty(connection, "connection") ? connection.connection : undefined
  const base = Predicate.hasProperty(pinned, "base") ? pinned.base : undefined
  return isWireSession(base) ? base : undefined
}

const frame = (type: number, body: Uint8Array): Buffer => {
  const out = Buffer.allocUnsafe(5 + body.length)
  out[0] = type
  out.writeInt32BE(4 + body.length, 1)
  out.set(body, 5)
  return out
}

/** The simple-query message with `statement`, the data, and CopyDone, as one buffer. */
const copyMessages = (statement: string, data: Uint8Array): Buffer =>
  Buffer.concat([
    frame(0x51, Buffer.from(`${statement}\0`, "utf8")), // Query
    frame(0x64, data), // CopyData
    frame(0x63, new Uint8Array(0)) // CopyDone
  ])

const connectionFailure = (message: string) =>
  new SqlError({
    reason: new ConnectionError({ cause: new Error(message), message: `PgCopy: ${message}`, operation: "copy" })
  })

/** Runs the COPY on `session`; answers the rows the server reports copied. */
const runCopy = (session: WireSession, statement: string, data: Uint8Array): Effect.Effect<number, SqlError> =>
  Effect.callback<number, SqlError>((resume) => {
    if (session.deadWith !== undefined) {
      resume(Effect.fail(connectionFailure("the connection is closed")))
      return
    }
    let failure: SqlError | undefined
    let copied = 0
    let done = false
    const finish = (effect: Effect.Effect<number, SqlError>) => {
      if (done) return
      done = true
      if (session.consumer === consumer) session.consumer = undefined
      resume(effect)
    }
    const consumer: Consumer = {
      onMessage: (message) => {
        switch (message._tag) {
          case "CopyInResponse":
            return
          case "CommandComplete": {
            const count = /^COPY (\d+)$/.exec(message.commandTag ?? "")
            copied = count === null ? 0 : Number(count[1])
            return
          }
          case "ErrorResponse":
            failure = new SqlError({ reason: classifySqlState(message.fields, "PgCopy: COPY failed", "copy") })
            return
          case "ReadyForQuery":
            return finish(failure === undefined ? Effect.succeed(copied) : Effect.fail(failure))
          default: {
            const error = connectionFailure(`unexpected ${message._tag} during COPY`)
            session.fatal(error)
            return finish(Effect.fail(error))
          }
        }
      },
      onBatchEnd: () => {},
      onFatal: (error) => finish(Effect.fail(error instanceof SqlError ? error : connectionFailure(String(error))))
    }
    session.consumer = consumer
    session.session.parser.readField = undefined
    try {
      session.session.socket.write(copyMessages(statement, data))
    } catch (cause) {
      const error = connectionFailure(`could not write the COPY: ${String(cause)}`)
      session.fatal(error)
      finish(Effect.fail(error))
    }
    // Interrupted mid-COPY, the session's state is unknown: it is closed (its transaction rolls back).
    return Effect.sync(() => {
      if (!done) session.fatal(connectionFailure("the COPY was interrupted"))
    })
  })

/** COPY's data format: `text` (`copyText`) or `binary` (`copyBinary` in `CopyBinary.ts`). */
export type CopyFormat = "text" | "binary"

/**
 * How the embedded client's connection takes a COPY: PGlite reads COPY data from a file, and its `query`
 * puts a blob it is given at `/dev/blob` first. `PgliteClient` sets this on its connection.
 */
export const BlobCopy: unique symbol = Symbol.for("metatables/PgCopy/BlobCopy")

/** Runs `COPY ... FROM '/dev/blob'` (the statement given) with `data` as that file; answers the rows copied. */
export type BlobCopier = (statement: string, data: Uint8Array) => Effect.Effect<number, SqlError>

const blobCopierOf = (connection: unknown): BlobCopier | undefined =>
  Predicate.hasProperty(connection, BlobCopy) && Predicate.isFunction(connection[BlobCopy])
    ? connection[BlobCopy] as BlobCopier
    : undefined

const withFormat = (format: CopyFormat) => format === "binary" ? " WITH (FORMAT binary)" : ""

/**
 * Runs `COPY target FROM STDIN` (`target`: the table and its column list, quoted, as SQL) with `data` in
 * `format`, on the current transaction's connection: a server session, or the embedded database (from
 * `/dev/blob`). Answers the rows copied, or `Option.none()` when there is no such connection to use (no
 * transaction, or a driver whose internals moved; the caller then writes the rows another way). A failure is
 * an `SqlError` classified like the driver's own (a duplicate grain is a `UniqueViolation`), after which the
 * transaction (or savepoint) is aborted as after any failed statement.
 */
export const copyIn = Effect.fn("PgCopy.copyIn")(function*(
  target: string,
  format: CopyFormat,
  data: Uint8Array
): Effect.fn.Return<Option.Option<number>, SqlError, SqlClient.SqlClient> {
  const sql = yield* SqlClient.SqlClient
  const transaction = yield* Effect.serviceOption(sql.transactionService)
  if (Option.isNone(transaction)) return Option.none()
  const connection = transaction.value[0]
  const blob = blobCopierOf(connection)
  if (blob !== undefined) return Option.some(yield* blob(`COPY ${target} FROM '/dev/blob'${withFormat(format)}`, data))
  const session = wireSessionOf(connection)
  if (session === undefined) return Option.none()
  return Option.some(yield* session.wire.withPermit(runCopy(session, `COPY ${target} FROM STDIN${withFormat(format)}`, data)))
})

/**
 * What takes `copyIn` in the current transaction: a server session this module can drive, the embedded
 * database (one connection in this process, so no other writer can commit between two of its statements),
 * or nothing (no transaction, or a driver whose internals moved).
 */
export const copyConnection: Effect.Effect<"server" | "embedded" | "none", never, SqlClient.SqlClient> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const transaction = yield* Effect.serviceOption(sql.transactionService)
    if (Option.isNone(transaction)) return "none"
    if (blobCopierOf(transaction.value[0]) !== undefined) return "embedded"
    return wireSessionOf(transaction.value[0]) !== undefined ? "server" : "none"
  }
)

/** Whether the current transaction's connection takes `copyIn` (a server session this module can drive, or PGlite). */
export const copyAvailable: Effect.Effect<boolean, never, SqlClient.SqlClient> = Effect.map(
  copyConnection,
  (connection) => connection !== "none"
)

const SPECIAL = /[\\\t\n\r]/
const SPECIALS = /[\\\t\n\r]/g

/** COPY's text format for one value: backslash, tab, newline and carriage return escaped. */
const escapeField = (value: string): string =>
  value.replace(SPECIALS, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))

/**
 * Rows given column by column (`ColumnValues`, or each column's PostgreSQL texts, `null` for NULL) as COPY's
 * text format, UTF-8: one line per row, tab-separated, `\N` for NULL. Hot path: it appends to one string,
 * which is encoded once, and copies a value only when it needs escaping (a number's or a boolean's text never
 * does).
 */
export const copyText = (columns: ReadonlyArray<ColumnInput>, rowCount: number): Uint8Array => {
  const values = columns.map(columnValuesOf)
  const texts = values.map((column) => column._tag === "TextValues" ? column.texts : undefined)
  const width = columns.length
  let text = ""
  for (let row = 0; row < rowCount; row++) {
    for (let column = 0; column < width; column++) {
      const held = texts[column]
      if (held === undefined) text += values[column]!.textAt(row) ?? "\\N"
      else {
        const value = held[row]
        if (value === null || value === undefined) text += "\\N"
        else text += SPECIAL.test(value) ? escapeField(value) : value
      }
      text += column === width - 1 ? "\n" : "\t"
    }
  }
  return Buffer.from(text, "utf8")
}
