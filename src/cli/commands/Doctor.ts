/**
 * `metatables doctor`: which database a command would use (password redacted), which PostgreSQL answers
 * there, and which runtime runs metatables. It connects, so it also proves the database works.
 */
import * as Command from "effect/cli/Command"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Result from "effect/Result"
import { Database } from "../../db/Database.ts"
import { describeDatabaseTarget } from "../../db/DatabaseTarget.ts"
import { METATABLES_VERSION } from "../../version.ts"
import { resolveCliDatabase } from "../CliDatabase.ts"
import { CommandFailed, runCommand } from "../CommandRunner.ts"
import { Output } from "../Output.ts"
import { detectRuntime, runtimeLabel } from "../RuntimeInfo.ts"

const table = (rows: ReadonlyArray<readonly [string, string]>): string =>
  rows.map(([label, value]) => `${label.padEnd(12)}${value}`).join("\n")

export const doctorCommand = Command.make("doctor", {}, () =>
  runCommand(Effect.gen(function*() {
    const output = yield* Output
    const runtime = detectRuntime()
    const { target, source } = yield* resolveCliDatabase
    const backend = target._tag === "Server" ? "postgres" : "pglite"
    // An embedded database that does not exist yet is not made by a check: the first upgrade or run makes it.
    const fs = yield* FileSystem.FileSystem
    if (target._tag === "Embedded" && !(yield* Effect.orElseSucceed(fs.exists(target.dataDir), () => false))) {
      const where = describeDatabaseTarget(target)
      return yield* output.result({
        text: table([
          ["metatables", METATABLES_VERSION],
          ["runtime", runtimeLabel(runtime)],
          ["database", `${where} (${source})`],
          ["status", "nothing here yet: `metatables migrations upgrade` (or `nodes run --upgrade`) creates it"]
        ]),
        document: {
          ok: true,
          metatables: METATABLES_VERSION,
          runtime,
          database: { backend, target: where, source, ok: true, exists: false }
        }
      })
    }
    const connected = yield* Effect.result(
      Effect.provide(Database, Database.layer(target, { onProgress: (message) => output.text(`${message}...`) }))
    )
    const database = Result.match(connected, {
      onSuccess: (info) => ({ backend, target: info.description, source, ok: true, serverVersion: info.serverVersion }),
      onFailure: (error) => ({
        backend,
        target: describeDatabaseTarget(target),
        source,
        ok: false,
        error: { reason: error._tag === "DatabaseConnectionError" ? error.reason : "failed", message: error.message }
      })
    })
    const engine = backend === "postgres" ? "server" : "embedded in PGlite"
    const status = Result.match(connected, {
      onSuccess: (info) => `ok: PostgreSQL ${info.serverVersion}, ${engine}`,
      onFailure: (error) => `cannot connect: ${error.message}`
    })
    yield* output.result({
      text: table([
        ["metatables", METATABLES_VERSION],
        ["runtime", runtimeLabel(runtime)],
        ["database", `${database.target} (${source})`],
        ["status", status]
      ]),
      document: { ok: database.ok, metatables: METATABLES_VERSION, runtime, database }
    })
    if (Result.isFailure(connected)) return yield* new CommandFailed({ exitCode: 1 })
  })).pipe(Effect.withSpan("metatables doctor", { kind: "server" }))).pipe(
    Command.withDescription(
      "Check the set-up: which database commands would use (password hidden), whether it answers and " +
        "with which PostgreSQL version, and which runtime runs metatables"
    ),
    Command.withExamples([
      { command: "metatables doctor", description: "Check the embedded database (or DATABASE_URL)" },
      {
        command: "metatables doctor --json --database-url postgres://postgres@127.0.0.1:5432/postgres",
        description: "Check a server and print the report as JSON"
      }
    ])
  )
