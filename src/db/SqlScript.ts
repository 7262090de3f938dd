/**
 * SQL text read as PostgreSQL's lexer reads it, far enough to find where each statement begins and ends:
 * quoted identifiers, string literals (standard, `E'...'` with backslash escapes, and `$tag$...$tag$`),
 * line and nested block comments are skipped, and a `;` outside them ends a statement.
 */

const isIdentifierStart = (char: string): boolean => /[A-Za-z_\u0080-\uffff]/.test(char)
const isIdentifierPart = (char: string): boolean => /[A-Za-z0-9_$\u0080-\uffff]/.test(char)

/** The index just past the quoted text that starts at `start` (`quote` is `'` or `"`); doubled quotes stay inside. */
const skipQuoted = (text: string, start: number, quote: string, backslashEscapes: boolean): number => {
  let index = start + 1
  while (index < text.length) {
    const char = text[index]!
    if (backslashEscapes && char === "\\") {
      index += 2
      continue
    }
    if (char === quote) {
      if (text[index + 1] === quote) {
        index += 2
        continue
      }
      return index + 1
    }
    index++
  }
  return index
}

const skipBlockComment = (text: string, start: number): number => {
  let depth = 0
  let index = start
  while (index < text.length) {
    if (text.startsWith("/*", index)) {
      depth++
      index += 2
    } else if (text.startsWith("*/", index)) {
      depth--
      index += 2
      if (depth === 0) return index
    } else {
      index++
    }
  }
  return index
}

/** The `$tag$` that starts at `start`, if one does. */
const dollarTag = (text: string, start: number): string | undefined => {
  const match = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(start, start + 64))
  return match?.[0]
}

/**
 * The statements of `text` in order, each trimmed, without its terminating `;` and without the comments
 * and blanks between statements; empty statements (`;;`) are dropped.
 */
export const splitSqlStatements = (text: string): ReadonlyArray<string> => {
  const statements: Array<string> = []
  let begin = 0
  let index = 0
  const finish = (end: number) => {
    const statement = stripLeadingComments(text.slice(begin, end)).trim()
    if (statement !== "") statements.push(statement)
  }
  while (index < text.length) {
    const char = text[index]!
    if (char === "'") {
      const escaped = index > 0 && /[Ee]/.test(text[index - 1]!) && (index < 2 || !isIdentifierPart(text[index - 2]!))
      index = skipQuoted(text, index, "'", escaped)
    } else if (char === "\"") {
      index = skipQuoted(text, index, "\"", false)
    } else if (char === "-" && text[index + 1] === "-") {
      const end = text.indexOf("\n", index)
      index = end === -1 ? text.length : end + 1
    } else if (char === "/" && text[index + 1] === "*") {
      index = skipBlockComment(text, index)
    } else if (char === "$" && (index === 0 || !isIdentifierPart(text[index - 1]!))) {
      const tag = dollarTag(text, index)
      if (tag === undefined) {
        index++
      } else {
        const end = text.indexOf(tag, index + tag.length)
        index = end === -1 ? text.length : end + tag.length
      }
    } else if (char === ";") {
      finish(index)
      index++
      begin = index
    } else if (isIdentifierStart(char)) {
      index++
      while (index < text.length && isIdentifierPart(text[index]!)) index++
    } else {
      index++
    }
  }
  finish(text.length)
  return statements
}

/** `statement` without the comments and blanks before its first word. */
export const stripLeadingComments = (statement: string): string => {
  let index = 0
  while (index < statement.length) {
    if (/\s/.test(statement[index]!)) {
      index++
    } else if (statement.startsWith("--", index)) {
      const end = statement.indexOf("\n", index)
      index = end === -1 ? statement.length : end + 1
    } else if (statement.startsWith("/*", index)) {
      index = skipBlockComment(statement, index)
    } else {
      break
    }
  }
  return statement.slice(index)
}

/** The first words of `statement`, upper-cased, after its leading comments (`["COMMIT"]`, `["START", "TRANSACTION"]`). */
const leadingWords = (statement: string, count: number): ReadonlyArray<string> =>
  stripLeadingComments(statement).split(/[\s;(]+/, count).map((word) => word.toUpperCase())

/**
 * The transaction-control command `statement` is (`BEGIN`, `COMMIT`, `SAVEPOINT`, ...), or undefined. These
 * end or split the transaction a revision runs in, so a transactional revision may not contain them.
 */
export const transactionControlCommand = (statement: string): string | undefined => {
  const [first = "", second = ""] = leadingWords(statement, 2)
  switch (first) {
    case "BEGIN":
    case "COMMIT":
    case "END":
    case "ROLLBACK":
    case "ABORT":
    case "SAVEPOINT":
    case "RELEASE":
      return first
    case "START":
      return second === "TRANSACTION" ? "START TRANSACTION" : undefined
    case "PREPARE":
      return second === "TRANSACTION" ? "PREPARE TRANSACTION" : undefined
    default:
      return undefined
  }
}
