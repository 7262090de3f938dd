/**
 * Which database metatables talks to, and how to name it without leaking secrets.
 *
 * A target is resolved once (flag, then `DATABASE_URL`, then the embedded default) and every message that
 * mentions the database uses `describeDatabaseTarget`, which never contains a password.
 */
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as NodePath from "node:path"

/** A PostgreSQL server reached through a connection URL (kept redacted). */
export interface ServerTarget {
  readonly _tag: "Server"
  readonly url: Redacted.Redacted<string>
}

/** The embedded PGlite database, persisted in a directory on disk. */
export interface EmbeddedTarget {
  readonly _tag: "Embedded"
  readonly dataDir: string
}

/** An embedded PGlite database that lives in memory only (tests, throwaway runs). */
export interface MemoryTarget {
  readonly _tag: "Memory"
}

export type DatabaseTarget = ServerTarget | EmbeddedTarget | MemoryTarget

export const serverTarget = (url: Redacted.Redacted<string>): ServerTarget => ({ _tag: "Server", url })
export const embeddedTarget = (dataDir: string): EmbeddedTarget => ({ _tag: "Embedded", dataDir })
export const memoryTarget: MemoryTarget = { _tag: "Memory" }

/** Where the embedded database lives inside a project: `<root>/.metatables/pgdata`. */
export const defaultEmbeddedDataDir = (projectRoot: string): string =>
  NodePath.join(projectRoot, ".metatables", "pgdata")

/** A database URL that cannot be used; the message shows the URL with its password removed. */
export class InvalidDatabaseUrlError extends Schema.TaggedError<InvalidDatabaseUrlError>()(
  "InvalidDatabaseUrlError",
  {
    source: Schema.String,
    url: Schema.String,
    problem: Schema.String
  }
) {
  override get message(): string {
    return `The database URL from ${this.source} (${this.url}) ${this.problem}. ` +
      "Expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, or leave it unset to use the embedded database."
  }
}

const passwordParameters = new Set(["password", "sslpassword"])

/**
 * Renders a database URL for people: the password (in the user info or in a `password=` parameter) is
 * replaced by `***`. A string that does not parse as a URL is never echoed, since it may hold a secret.
 */
export const redactDatabaseUrl = (url: string): string => {
  if (!URL.canParse(url)) return "<unparseable database URL>"
  const parsed = new URL(url)
  const userInfo = parsed.username === ""
    ? ""
    : `${parsed.username}${parsed.password === "" ? "" : ":***"}@`
  const parameters = [...parsed.searchParams.entries()].map(([key, value]) =>
    passwordParameters.has(key.toLowerCase()) ? `${key}=***` : `${key}=${value}`
  )
  const search = parameters.length === 0 ? "" : `?${parameters.join("&")}`
  return `${parsed.protocol}//${userInfo}${parsed.host}${parsed.pathname}${search}`
}

/**
 * The secret parts of a database URL (its passwords, and the URL itself when it holds one), so that output
 * can be scrubbed of them as a last line of defence. A URL that does not parse is treated as secret whole.
 */
export const databaseUrlSecrets = (url: string): ReadonlyArray<string> => {
  if (!URL.canParse(url)) return [url]
  const parsed = new URL(url)
  const passwords = [...parsed.searchParams.entries()]
    .filter(([key, value]) => passwordParameters.has(key.toLowerCase()) && value !== "")
    .map(([, value]) => value)
  if (parsed.password !== "") passwords.push(parsed.password, decodeURIComponent(parsed.password))
  return passwords.length === 0 ? [] : [url, ...passwords]
}

/** Checks that a URL names a PostgreSQL server; `source` says where it came from, for the error message. */
export const validateDatabaseUrl = (
  url: Redacted.Redacted<string>,
  source: string
): Result.Result<ServerTarget, InvalidDatabaseUrlError> => {
  const raw = Redacted.value(url).trim()
  const shown = redactDatabaseUrl(raw)
  const invalid = (problem: string) => Result.fail(new InvalidDatabaseUrlError({ source, url: shown, problem }))
  if (raw === "") return invalid("is empty")
  if (!URL.canParse(raw)) return invalid("is not a valid URL")
  const parsed = new URL(raw)
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    return invalid(`uses the scheme "${parsed.protocol.replace(/:$/, "")}", not postgres or postgresql`)
  }
  if (parsed.hostname === "" && !parsed.searchParams.has("host")) return invalid("names no host")
  return Result.succeed(serverTarget(Redacted.make(raw, { label: "database URL" })))
}

/** A database URL read from a file (`--database-url-file`, `DATABASE_URL_FILE`): its path and its text. */
export interface DatabaseUrlFromFile {
  readonly path: string
  readonly url: Redacted.Redacted<string>
}

/** The inputs of target resolution, injected so that resolution is a pure function. */
export interface DatabaseTargetInputs {
  /** `--database-url`, when given. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  /** `--database-url-file`, when given, with the file's text. */
  readonly databaseUrlFile?: Option.Option<DatabaseUrlFromFile> | undefined
  /** `DATABASE_URL` from the environment, when set and not empty. */
  readonly environmentUrl: Option.Option<Redacted.Redacted<string>>
  /** `DATABASE_URL_FILE` from the environment, when set, with the file's text. */
  readonly environmentUrlFile?: Option.Option<DatabaseUrlFromFile> | undefined
  /** The project root, under which the embedded database lives. */
  readonly projectRoot: string
}

/**
 * `--database-url`, else `--database-url-file`, else `DATABASE_URL`, else `DATABASE_URL_FILE`, else the
 * embedded database under the project root. The two flags together are refused: one of them would be ignored.
 */
export const resolveDatabaseTarget = (
  inputs: DatabaseTargetInputs
): Result.Result<DatabaseTarget, InvalidDatabaseUrlError> => {
  const urlFile = inputs.databaseUrlFile ?? Option.none()
  const environmentFile = inputs.environmentUrlFile ?? Option.none()
  if (Option.isSome(inputs.databaseUrl) && Option.isSome(urlFile)) {
    return Result.fail(
      new InvalidDatabaseUrlError({
        source: "--database-url and --database-url-file",
        url: redactDatabaseUrl(Redacted.value(inputs.databaseUrl.value)),
        problem: "is given twice; pass only one of the two flags"
      })
    )
  }
  if (Option.isSome(inputs.databaseUrl)) return validateDatabaseUrl(inputs.databaseUrl.value, "--database-url")
  if (Option.isSome(urlFile)) return validateDatabaseUrl(urlFile.value.url, `--database-url-file ${urlFile.value.path}`)
  if (Option.isSome(inputs.environmentUrl) && Redacted.value(inputs.environmentUrl.value).trim() !== "") {
    return validateDatabaseUrl(inputs.environmentUrl.value, "DATABASE_URL")
  }
  if (Option.isSome(environmentFile)) {
    return validateDatabaseUrl(environmentFile.value.url, `DATABASE_URL_FILE ${environmentFile.value.path}`)
  }
  return Result.succeed(embeddedTarget(defaultEmbeddedDataDir(inputs.projectRoot)))
}

/** A file meant to hold a database URL cannot be used; the message never shows what the file holds. */
export class DatabaseUrlFileError extends Schema.TaggedError<DatabaseUrlFileError>()("DatabaseUrlFileError", {
  /** Where the path came from: `--database-url-file` or `DATABASE_URL_FILE`. */
  source: Schema.String,
  path: Schema.String,
  problem: Schema.String
}) {
  override get message(): string {
    return `The database URL file ${this.path} (from ${this.source}) ${this.problem}. It should hold one line, ` +
      "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, readable by you alone (chmod 600)."
  }
}

/** A one-line description of a target for messages and `doctor`; never contains a password. */
export const describeDatabaseTarget = (target: DatabaseTarget): string => {
  switch (target._tag) {
    case "Server":
      return redactDatabaseUrl(Redacted.value(target.url))
    case "Embedded":
      return `embedded PGlite at ${target.dataDir}`
    case "Memory":
      return "embedded PGlite in memory"
  }
}
