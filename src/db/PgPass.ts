/**
 * PostgreSQL's password file (`~/.pgpass`, or the file `PGPASSFILE` names), read as libpq reads it, so that a
 * database URL can leave its password out: `hostname:port:database:username:password` per line, `*` matching
 * anything, `\:` and `\\` escaping, `#` comments, the first matching line winning. The driver metatables uses
 * speaks PostgreSQL's protocol itself and reads no such file, so the command line fills the password in.
 */
import * as Redacted from "effect/Redacted"

export interface PgPassEntry {
  readonly host: string
  readonly port: string
  readonly database: string
  readonly user: string
  readonly password: string
}

/** Splits one line at unescaped colons, unescaping `\:` and `\\`; undefined for a line without five fields. */
const fieldsOf = (line: string): ReadonlyArray<string> | undefined => {
  const fields: Array<string> = []
  let current = ""
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!
    if (char === "\\" && index + 1 < line.length) {
      current += line[++index]!
    } else if (char === ":" && fields.length < 4) {
      fields.push(current)
      current = ""
    } else {
      current += char
    }
  }
  fields.push(current)
  return fields.length === 5 ? fields : undefined
}

/** The entries of a password file's text; comments, blank and malformed lines are skipped, as libpq does. */
export const parsePgPass = (text: string): ReadonlyArray<PgPassEntry> =>
  text.split(/\r?\n/).flatMap((line) => {
    if (line.trim() === "" || line.startsWith("#")) return []
    const fields = fieldsOf(line)
    if (fields === undefined) return []
    const [host, port, database, user, password] = fields as [string, string, string, string, string]
    return [{ host, port, database, user, password }]
  })

const matches = (pattern: string, value: string) => pattern === "*" || pattern === value

/**
 * The password for a server URL from the file's entries, when the URL carries none and a line matches its
 * host (`localhost` for a socket), port (5432 by default), database and user; otherwise the URL unchanged.
 */
export const withPgPassPassword = (
  url: Redacted.Redacted<string>,
  entries: ReadonlyArray<PgPassEntry>
): Redacted.Redacted<string> => {
  const raw = Redacted.value(url)
  if (!URL.canParse(raw)) return url
  const parsed = new URL(raw)
  if (parsed.password !== "" || parsed.searchParams.has("password")) return url
  const host = decodeURIComponent(parsed.hostname) || parsed.searchParams.get("host") || "localhost"
  const port = parsed.port || parsed.searchParams.get("port") || "5432"
  const user = decodeURIComponent(parsed.username)
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || user
  const entry = entries.find((candidate) =>
    matches(candidate.host, host) && matches(candidate.port, port) && matches(candidate.database, database) &&
    matches(candidate.user, user)
  )
  if (entry === undefined || entry.password === "") return url
  parsed.password = encodeURIComponent(entry.password)
  return Redacted.make(parsed.toString(), { label: "database URL" })
}
