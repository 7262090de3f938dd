/**
 * Destructive-change notes read from a revision's SQL, for revisions whose notes the server does not send:
 * statements that drop tables, columns, types, schemas or constraints, change a column's type, make a column
 * NOT NULL, truncate or delete rows. A reading of the text, not a diff of models: it errs on the side of
 * saying more (a widening type change is listed too), and names the statement it saw. Pure.
 */

export interface SqlNote {
  /** What the statement may lose or refuse, in words. */
  readonly note: string
  /** The start of the statement that says so. */
  readonly statement: string
}

const RULES: ReadonlyArray<readonly [RegExp, (match: RegExpExecArray) => string]> = [
  [/^drop\s+table\s+(?:if\s+exists\s+)?([^\s;(]+)/i, (m) => `drops table ${m[1]} and its rows`],
  [/^drop\s+(schema|type|view|materialized\s+view|sequence|index|function)\s+(?:if\s+exists\s+)?([^\s;(]+)/i, (m) => `drops ${m[1]!.toLowerCase()} ${m[2]}`],
  [/^truncate\s+(?:table\s+)?([^\s;]+)/i, (m) => `empties table ${m[1]}`],
  [/^delete\s+from\s+([^\s;]+)/i, (m) => `deletes rows from ${m[1]}`],
  [/\bdrop\s+column\s+(?:if\s+exists\s+)?([^\s,;]+)/i, (m) => `drops column ${m[1]} and its values`],
  [/\balter\s+column\s+([^\s]+)\s+(?:set\s+data\s+)?type\s+([^;,]+?)(?:\s+using\b|[,;]|$)/i, (m) => `changes the type of ${m[1]} to ${m[2]!.trim()}, which may fail or lose values`],
  [/\balter\s+column\s+([^\s]+)\s+set\s+not\s+null/i, (m) => `makes ${m[1]} NOT NULL, which fails while a row holds NULL`],
  [/\bdrop\s+constraint\s+(?:if\s+exists\s+)?([^\s,;]+)/i, (m) => `drops constraint ${m[1]}`]
]

/** Splits a script into statements at semicolons outside quotes and dollar-quoted bodies. */
export const splitStatements = (sql: string): ReadonlyArray<string> => {
  const statements: Array<string> = []
  let current = ""
  let quote: string | undefined
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i]!
    if (quote !== undefined) {
      current += char
      if (quote.length > 1 ? sql.startsWith(quote, i) : char === quote) {
        if (quote.length > 1) {
          current += quote.slice(1)
          i += quote.length - 1
        }
        quote = undefined
      }
      continue
    }
    if (char === "'" || char === '"') quote = char
    else if (char === "$") {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))
      if (tag !== null) {
        quote = tag[0]
        current += tag[0]
        i += tag[0].length - 1
        continue
      }
    } else if (char === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i)
      i = end === -1 ? sql.length : end
      continue
    } else if (char === ";") {
      if (current.trim() !== "") statements.push(current.trim())
      current = ""
      continue
    }
    current += char
  }
  if (current.trim() !== "") statements.push(current.trim())
  return statements
}

const unquote = (text: string): string => text.replace(/"/g, "")

/** The destructive changes a script's statements make, one note per finding, in statement order. */
export const destructiveNotes = (sql: string): ReadonlyArray<SqlNote> =>
  splitStatements(sql).flatMap((statement) => {
    const flat = statement.replace(/\s+/g, " ")
    // String literals and dollar-quoted bodies hold data, not statements.
    const code = flat.replace(/'(?:[^']|'')*'/g, "''").replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, "$$$$")
    return RULES.flatMap(([pattern, describe]) => {
      const global = new RegExp(pattern.source, pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`)
      return [...code.matchAll(global)].map((match) => ({
        note: unquote(describe(match as RegExpExecArray)),
        statement: flat.length > 120 ? `${flat.slice(0, 119)}…` : flat
      }))
    })
  })
