/**
 * The flags every command accepts: `--database-url` and `--json`.
 */
import * as Flag from "effect/cli/Flag"
import * as GlobalFlag from "effect/cli/GlobalFlag"

/** `--database-url URL`: a PostgreSQL server to use instead of `DATABASE_URL` or the embedded database. */
export const DatabaseUrlFlag = GlobalFlag.Setting("database-url")({
  flag: Flag.Redacted("database-url").pipe(
    Flag.withMetavar("URL"),
    Flag.withDescription(
      "PostgreSQL server to use (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE). " +
        "Defaults to DATABASE_URL, else the embedded database in .metatables/"
    ),
    Flag.optional
  )
})
export type DatabaseUrlFlag = GlobalFlag.Setting.Identifier<"database-url">

/** `--json`: print one JSON document on stdout (human text still goes to stderr). */
export const JsonFlag = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(
    Flag.withDescription("Print the result as one JSON document on stdout"),
    Flag.withDefault(false)
  )
})
export type JsonFlag = GlobalFlag.Setting.Identifier<"json">
