/**
 * The flags every command accepts: `--database-url`, `--database-url-file` and `--json`.
 */
import * as Flag from "effect/cli/Flag"
import * as GlobalFlag from "effect/cli/GlobalFlag"

/** `--database-url URL`: a PostgreSQL server to use instead of `DATABASE_URL` or the embedded database. */
export const DatabaseUrlFlag = GlobalFlag.Setting("database-url")({
  flag: Flag.Redacted("database-url").pipe(
    Flag.withMetavar("URL"),
    Flag.withDescription(
      "PostgreSQL server to use (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE). " +
        "Defaults to DATABASE_URL, else the embedded database in .metatables/. A password here is visible to " +
        "every user of the machine (ps, /proc): leave it out and keep it in ~/.pgpass, or use " +
        "--database-url-file or DATABASE_URL"
    ),
    Flag.optional
  )
})
export type DatabaseUrlFlag = GlobalFlag.Setting.Identifier<"database-url">

/**
 * `--database-url-file PATH`: the server's URL read from a file, so that its password never appears on a
 * command line (where `ps` shows it to every user of the machine).
 */
export const DatabaseUrlFileFlag = GlobalFlag.Setting("database-url-file")({
  flag: Flag.String("database-url-file").pipe(
    Flag.withMetavar("PATH"),
    Flag.withDescription(
      "Read the PostgreSQL URL from this file (one line; chmod 600), which keeps its password off the command " +
        "line, where ps shows it to every user. DATABASE_URL_FILE does the same from the environment"
    ),
    Flag.optional
  )
})
export type DatabaseUrlFileFlag = GlobalFlag.Setting.Identifier<"database-url-file">

/** `--json`: print one JSON document on stdout (human text still goes to stderr). */
export const JsonFlag = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(
    Flag.withDescription("Print the result as one JSON document on stdout"),
    Flag.withDefault(false)
  )
})
export type JsonFlag = GlobalFlag.Setting.Identifier<"json">
