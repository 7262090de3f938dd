/**
 * Names and strings written into SQL text, where a parameter cannot go: DDL, role options, generated
 * scripts, and identifiers users declare (schemas, tables, columns), which may hold any character.
 */

/** `"name"`, with embedded double quotes doubled. */
export const quoteIdentifier = (name: string): string => `"${name.replaceAll("\"", "\"\"")}"`

/**
 * The keywords PostgreSQL does not take as a bare name (every category but unreserved: `pg_get_keywords()`
 * with `catcode <> 'U'`), as of PostgreSQL 18; older servers reserve a subset of these.
 */
const NON_UNRESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "between",
  "bigint", "binary", "bit", "boolean", "both", "case", "cast", "char", "character", "check", "coalesce", "collate",
  "collation", "column", "concurrently", "constraint", "create", "cross", "current_catalog", "current_date",
  "current_role", "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal", "default",
  "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists", "extract", "false", "fetch", "float",
  "for", "foreign", "freeze", "from", "full", "grant", "greatest", "group", "grouping", "having", "ilike", "in",
  "initially", "inner", "inout", "int", "integer", "intersect", "interval", "into", "is", "isnull", "join", "json",
  "json_array", "json_arrayagg", "json_exists", "json_object", "json_objectagg", "json_query", "json_scalar",
  "json_serialize", "json_table", "json_value", "lateral", "leading", "least", "left", "like", "limit", "localtime",
  "localtimestamp", "merge_action", "national", "natural", "nchar", "none", "normalize", "not", "notnull", "null",
  "nullif", "numeric", "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing",
  "position", "precision", "primary", "real", "references", "returning", "right", "row", "select", "session_user",
  "setof", "similar", "smallint", "some", "substring", "symmetric", "system_user", "table", "tablesample", "then",
  "time", "timestamp", "to", "trailing", "treat", "trim", "true", "union", "unique", "user", "using", "values",
  "varchar", "variadic", "verbose", "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement",
  "xmlexists", "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable"
])

const BARE_IDENTIFIER = /^[a-z_][a-z0-9_]*$/

/**
 * A name as PostgreSQL's `quote_ident` writes it, for people to read: bare when it may stand bare (lower-case
 * letters, digits and underscores, starting with a letter or underscore, and no keyword that needs quoting),
 * else quoted as `quoteIdentifier` does. Either way, the text names exactly one identifier.
 */
export const quoteIdentifierWhereNeeded = (name: string): string =>
  BARE_IDENTIFIER.test(name) && !NON_UNRESERVED_KEYWORDS.has(name) ? name : quoteIdentifier(name)

/** `'text'`, with embedded single quotes doubled (standard-conforming strings, PostgreSQL's default). */
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`
