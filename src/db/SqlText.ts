/**
 * Names and strings written into SQL text, where a parameter cannot go: DDL, role options, generated
 * scripts, and identifiers users declare (schemas, tables, columns), which may hold any character.
 */

/** `"name"`, with embedded double quotes doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

/** `'text'`, with embedded single quotes doubled (standard-conforming strings, PostgreSQL's default). */
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`
