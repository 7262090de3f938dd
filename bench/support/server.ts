/**
 * The PostgreSQL server the benchmarks compare on: `TEST_DATABASE_URL`, else the local default, reached
 * through a short-lived admin connection for creating and dropping scratch databases.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Reactivity from "effect/reactivity/Reactivity"
import { isSqlError } from "effect/sql/SqlError"
import { describeSqlFailure } from "../../src/db/SqlFailure.ts"

const DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"

/** The server's URL (it may hold a password: show it through `redactDatabaseUrl`). */
export const adminUrl = process.env["TEST_DATABASE_URL"]?.trim() || DEFAULT_SERVER_URL

/** Runs `use` on one admin connection to the server, within 15 seconds. */
export const admin = (use: (client: PgClient.PgClient) => Effect.Effect<void, unknown>): Promise<void> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const client = yield* PgClient.make({ url: Redacted.make(adminUrl), maxConnections: 1, connectTimeout: "5 seconds" })
      yield* use(client)
    }).pipe(Effect.scoped, Effect.provide(Reactivity.layer), Effect.timeout("15 seconds"))
  )

/** Why the server cannot be used, or undefined when it answers. */
export const serverUnreachable = (): Promise<string | undefined> =>
  admin((client) => Effect.asVoid(client`SELECT 1`)).then(
    () => undefined,
    (error: unknown) => isSqlError(error) ? describeSqlFailure(error).message : String(error)
  )
