/**
 * One model of a table's shape, which every comparison of a table uses: finalize and `startEngine` (the live
 * table against its contract), `startEngine` (the model's contract against the recorded one), the lifecycle
 * (a revision's snapshot against the model) and `check` (the live database against a revision's snapshot).
 * As drizzle-kit does, each side (a contract, a snapshot, the live catalog) is turned into this model and then
 * `ContractDiff` compares two of them once.
 *
 * Types are kept as each side spells them and compared through `normalizeSqlType`; defaults, check expressions
 * and index expressions through `normalizeExpression`. What a side does not describe is `undefined` (a
 * contract says nothing about defaults, foreign keys, indexes or checks), and is then not compared.
 */
import { contractGrain, type TableContract } from "./Contract.ts"
import type { SchemaSnapshot } from "./StorageSchema.ts"

export interface TableShapeColumn {
  readonly name: string
  /** The SQL type as this side spells it (`VARCHAR(64)`, `character varying(64)`, `text[]`). */
  readonly type: string
  readonly notNull: boolean
  /** The default as SQL, `null` for none; `undefined` when this side does not say. */
  readonly default?: string | null | undefined
  /** `GENERATED ... AS IDENTITY`: `always` or `byDefault`, `null` for none; `undefined` when this side does not say. */
  readonly identity?: "always" | "byDefault" | null | undefined
  /** Whether the column is generated (`GENERATED ALWAYS AS (...) STORED`); `undefined` when this side does not say. */
  readonly generated?: boolean | undefined
}

export interface TableShapeKey {
  /** `undefined` when this side does not name it (a contract). */
  readonly name: string | undefined
  readonly columns: ReadonlyArray<string>
  /** A unique key's `NULLS NOT DISTINCT`; `undefined` when this side does not say. */
  readonly nullsNotDistinct?: boolean | undefined
}

export type ReferentialAction = "NO ACTION" | "RESTRICT" | "CASCADE" | "SET NULL" | "SET DEFAULT"

export interface TableShapeForeignKey {
  readonly name: string
  readonly columns: ReadonlyArray<string>
  readonly targetSchema: string
  readonly targetTable: string
  readonly targetColumns: ReadonlyArray<string>
  readonly onDelete: ReferentialAction
  readonly onUpdate: ReferentialAction
}

export interface TableShapeIndex {
  readonly name: string
  /** Column names, or expressions as SQL. */
  readonly columns: ReadonlyArray<string>
  readonly unique: boolean
  /** `btree`, `gin`, ... */
  readonly method: string
  /** The partial index's predicate as SQL, `null` for none. */
  readonly where: string | null
  /** Each column's order: `asc nulls last`, `desc nulls first`, ...; `undefined` when this side does not say. */
  readonly order?: ReadonlyArray<string> | undefined
  /** Each column's operator class, `null` for the type's default; `undefined` when this side does not say. */
  readonly operatorClasses?: ReadonlyArray<string | null> | undefined
}

/** A column's order in an index as PostgreSQL keeps it (`desc` puts nulls first unless told otherwise). */
export const indexColumnOrder = (ascending: boolean, nullsFirst: boolean): string =>
  `${ascending ? "asc" : "desc"} nulls ${nullsFirst ? "first" : "last"}`

export interface TableShapeCheck {
  readonly name: string
  readonly expression: string
}

/** The named objects of a table, when a side describes them (a snapshot, the live catalog). */
export interface TableShapeObjects {
  readonly uniques: ReadonlyArray<TableShapeKey & { readonly name: string }>
  readonly foreignKeys: ReadonlyArray<TableShapeForeignKey>
  readonly indexes: ReadonlyArray<TableShapeIndex>
  readonly checks: ReadonlyArray<TableShapeCheck>
}

export interface TableShape {
  readonly schema: string
  readonly table: string
  readonly columns: ReadonlyArray<TableShapeColumn>
  readonly primaryKey: TableShapeKey | null
  /**
   * Column lists with a unique key: those the table must have (a contract's unique columns), or those a
   * unique, non-partial, non-expression index covers (the live table, the primary key's included).
   */
  readonly uniqueKeys: ReadonlyArray<ReadonlyArray<string>>
  /**
   * A contract's grain: the columns a unique key must cover on a time-indexed table, `null` on a relational
   * one; `undefined` for sides that do not describe one (a snapshot, the live table).
   */
  readonly grain?: ReadonlyArray<string> | null | undefined
  readonly objects?: TableShapeObjects | undefined
}

/** An enum type, by schema-qualified name, with its values in order. */
export interface EnumShape {
  readonly schema: string
  readonly name: string
  readonly values: ReadonlyArray<string>
}

/** A sequence and its parameters, as text (PostgreSQL's bigints), `null` where a side does not say. */
export interface SequenceShape {
  readonly schema: string
  readonly name: string
  readonly increment: string | null
  readonly minValue: string | null
  readonly maxValue: string | null
  readonly start: string | null
  readonly cache: string | null
  readonly cycle: boolean | null
}

/** Everything a snapshot holds: its tables, and the enums and sequences they use. */
export interface SchemaShape {
  readonly tables: ReadonlyArray<TableShape>
  readonly enums: ReadonlyArray<EnumShape>
  readonly sequences: ReadonlyArray<SequenceShape>
}

export const tableKey = (shape: { readonly schema: string; readonly table: string }): string =>
  `${shape.schema}.${shape.table}`

const typeSynonyms: ReadonlyArray<readonly [RegExp, string]> = [
  [/^character varying\b/, "varchar"],
  [/^char(acter)?$/, "char(1)"],
  [/^character\b/, "char"],
  [/^bpchar\b/, "char"],
  [/^timestamp(\(\d\))? without time zone$/, "timestamp$1"],
  [/^timestamptz(\(\d\))?$/, "timestamp$1 with time zone"],
  [/^time(\(\d\))? without time zone$/, "time$1"],
  [/^timetz(\(\d\))?$/, "time$1 with time zone"],
  [/^(serial|serial4|int4|int)$/, "integer"],
  [/^(bigserial|serial8|int8)$/, "bigint"],
  [/^(smallserial|serial2|int2)$/, "smallint"],
  [/^(float8|float)$/, "double precision"],
  [/^float4$/, "real"],
  [/^bool$/, "boolean"],
  [/^decimal\b/, "numeric"],
  [/^varbit\b/, "bit varying"]
]

/**
 * One spelling per SQL type, so drizzle's `VARCHAR(64)` and PostgreSQL's `character varying(64)` agree:
 * lower case without quotes, synonyms resolved, `numeric(p)` as `numeric(p,0)`, the default precision of
 * timestamps and times (6) left out, `float(p)` resolved, and arrays of any depth as one `[]` (PostgreSQL
 * records no depth: `integer[][]` is reported as `integer[]`). A type in the `public` schema loses the prefix.
 */
export const normalizeSqlType = (type: string): string => {
  let normalized = type.trim().toLowerCase().replace(/"/g, "").replace(/\s*\(\s*/g, "(").replace(/\s*,\s*/g, ",")
    .replace(/\s*\)/g, ")").replace(/\s+\[/g, "[")
  const isArray = /\[\d*\]$/.test(normalized)
  normalized = normalized.replace(/(\[\d*\])+$/, "").replace(/\s+/g, " ").replace(/^public\./, "")
  for (const [pattern, replacement] of typeSynonyms) {
    if (pattern.test(normalized)) {
      normalized = normalized.replace(pattern, replacement)
      break
    }
  }
  normalized = normalized
    .replace(/^numeric\((\d+)\)$/, "numeric($1,0)")
    .replace(/^(timestamp|time)\(6\)/, "$1")
    .replace(/^float\((\d+)\)$/, (_, digits: string) => Number(digits) <= 24 ? "real" : "double precision")
  return isArray ? `${normalized}[]` : normalized
}

const withoutOuterParentheses = (text: string): string => {
  let value = text.trim()
  for (;;) {
    if (!value.startsWith("(") || !value.endsWith(")")) return value
    let depth = 0
    let closesAtEnd = true
    for (let index = 0; index < value.length; index++) {
      const char = value[index]
      if (char === "(") depth++
      else if (char === ")") depth--
      if (depth === 0 && index < value.length - 1) {
        closesAtEnd = false
        break
      }
    }
    if (!closesAtEnd) return value
    value = value.slice(1, -1).trim()
  }
}

const TYPE_NAME = String.raw`(?:character varying|(?:timestamp|time)(?:\(\d\))? with(?:out)? time zone|double precision|` +
  String.raw`bit varying|"[^"]+"|[a-z_][a-z0-9_]*)`
const CAST = new RegExp(
  String.raw`::\s*(?:(?:"[^"]+"|[a-z_][a-z0-9_]*)\.)?${TYPE_NAME}(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])*`,
  "gi"
)
const QUOTED_IDENTIFIER = /"((?:[^"]|"")*)"/g
const STRING_LITERAL = /^'((?:[^']|'')*)'$/

/** A JSON string literal's canonical text (sorted keys, no spaces), or the literal when it holds no JSON. */
const canonicalJsonLiteral = (literal: string): string => {
  const body = literal.slice(1, -1).replace(/''/g, "'")
  if (!/^\s*[[{]/.test(body)) return literal
  try {
    const sort = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sort)
        : value !== null && typeof value === "object"
        ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, sort((value as Record<string, unknown>)[key])]))
        : value
    return `'${JSON.stringify(sort(JSON.parse(body))).replace(/'/g, "''")}'`
  } catch {
    return literal
  }
}

/**
 * One spelling of an SQL expression (a default, a check, an index column or predicate), so drizzle's
 * `"big" > 0` and PostgreSQL's `(big > 0)` agree: casts PostgreSQL adds (`'a'::text`, `'x'::regclass`) and
 * outer parentheses left out, identifiers unquoted, keywords and spacing in one case and form, a quoted
 * number unquoted and JSON literals canonical. What this cannot reconcile (PostgreSQL rewriting `IN` as
 * `= ANY`, say) the caller may settle by asking PostgreSQL for its own spelling of the declared expression.
 */
export const normalizeExpression = (expression: string): string => {
  let value = withoutOuterParentheses(expression.trim().replace(/^CHECK\s*/i, ""))
  // Literals are kept apart so that nothing below changes their text.
  const literals: Array<string> = []
  value = value.replace(/'(?:[^']|'')*'/g, (literal) => {
    literals.push(literal)
    return `\u0000${literals.length - 1}\u0000`
  })
  value = value.replace(CAST, "").replace(QUOTED_IDENTIFIER, (_, name: string) => name.replace(/""/g, "\""))
  value = value.replace(/\s+/g, " ").replace(/\s*([(),=<>+*/-])\s*/g, "$1").replace(/\(\s*\)/g, "()")
  value = value.replace(/\b[a-z_]+\b/gi, (word) => word.toLowerCase())
  // Parentheses around one name or literal (`(0)::numeric` once its cast is gone) say nothing.
  for (let previous = ""; previous !== value;) {
    previous = value
    value = value.replace(/(^|[^a-z0-9_])\((-?[a-z0-9_.]+|\u0000\d+\u0000)\)/gi, "$1$2")
  }
  value = withoutOuterParentheses(value)
  value = value.replace(/\u0000(\d+)\u0000/g, (_, index: string) => {
    const literal = literals[Number(index)]!
    const body = literal.match(STRING_LITERAL)?.[1] ?? ""
    return /^-?\d+(\.\d+)?$/.test(body) ? body : canonicalJsonLiteral(literal)
  })
  return withoutOuterParentheses(value)
}

/** The shape a contract describes: its columns, primary key, unique columns and grain. */
export const contractShape = (contract: TableContract): TableShape => {
  const primary = contract.columns.filter((column) => column.primary_key).map((column) => column.name)
  return {
    schema: contract.physical.schema,
    table: contract.physical.table_name,
    columns: contract.columns.map((column) => ({ name: column.name, type: column.backend_type, notNull: !column.nullable })),
    primaryKey: { name: undefined, columns: primary },
    uniqueKeys: contract.columns.filter((column) => column.unique).map((column) => [column.name]),
    grain: contractGrain(contract) ?? null
  }
}

type Entity = SchemaSnapshot["ddl"][number]
type EntityOf<K extends Entity["entityType"]> = Extract<Entity, { readonly entityType: K }>

const action = (value: string | null | undefined): ReferentialAction =>
  (value ?? "NO ACTION").toUpperCase() as ReferentialAction

/** A snapshot column's type as DDL writes it: schema-qualified when its type lives outside `public`, with `[]`s. */
const snapshotColumnType = (column: EntityOf<"columns">): string => {
  const base = column.typeSchema !== null && column.typeSchema !== "public"
    ? `${column.typeSchema}.${column.type}`
    : column.type
  return base + "[]".repeat(column.dimensions)
}

/**
 * The shape of every table in a drizzle-kit snapshot, with the enums and sequences it holds. Snapshots
 * written before enums and sequences were kept simply have none.
 */
export const snapshotShape = (snapshot: SchemaSnapshot): SchemaShape => {
  const tables = new Map<string, {
    schema: string
    table: string
    columns: Array<TableShapeColumn>
    primaryKey: TableShapeKey | null
    uniques: Array<TableShapeKey & { readonly name: string }>
    foreignKeys: Array<TableShapeForeignKey>
    indexes: Array<TableShapeIndex>
    checks: Array<TableShapeCheck>
  }>()
  const enums: Array<EnumShape> = []
  const sequences: Array<SequenceShape> = []
  const tableOf = (entity: { readonly schema: string; readonly table: string }) => tables.get(tableKey(entity))
  for (const entity of snapshot.ddl) {
    if (entity.entityType === "tables") {
      tables.set(tableKey({ schema: entity.schema, table: entity.name }), {
        schema: entity.schema,
        table: entity.name,
        columns: [],
        primaryKey: null,
        uniques: [],
        foreignKeys: [],
        indexes: [],
        checks: []
      })
    } else if (entity.entityType === "enums") {
      enums.push({ schema: entity.schema, name: entity.name, values: [...entity.values] })
    } else if (entity.entityType === "sequences") {
      sequences.push({
        schema: entity.schema,
        name: entity.name,
        increment: entity.incrementBy,
        minValue: entity.minValue,
        maxValue: entity.maxValue,
        start: entity.startWith,
        cache: entity.cacheSize === null ? null : String(entity.cacheSize),
        cycle: entity.cycle
      })
    }
  }
  for (const entity of snapshot.ddl) {
    switch (entity.entityType) {
      case "columns":
        tableOf(entity)?.columns.push({
          name: entity.name,
          type: snapshotColumnType(entity),
          notNull: entity.notNull,
          default: entity.default,
          identity: entity.identity?.type ?? null,
          generated: entity.generated !== null
        })
        break
      case "pks": {
        const table = tableOf(entity)
        if (table !== undefined) table.primaryKey = { name: entity.name, columns: [...entity.columns] }
        break
      }
      case "uniques":
        tableOf(entity)?.uniques.push({ name: entity.name, columns: [...entity.columns], nullsNotDistinct: entity.nullsNotDistinct })
        break
      case "fks":
        tableOf(entity)?.foreignKeys.push({
          name: entity.name,
          columns: [...entity.columns],
          targetSchema: entity.schemaTo,
          targetTable: entity.tableTo,
          targetColumns: [...entity.columnsTo],
          onDelete: action(entity.onDelete),
          onUpdate: action(entity.onUpdate)
        })
        break
      case "indexes":
        tableOf(entity)?.indexes.push({
          name: entity.name,
          columns: entity.columns.map((column) => column.value),
          unique: entity.isUnique,
          method: entity.method,
          where: entity.where,
          order: entity.columns.map((column) => indexColumnOrder(column.asc, column.nullsFirst)),
          operatorClasses: entity.columns.map((column) => column.opclass?.name ?? null)
        })
        break
      case "checks":
        tableOf(entity)?.checks.push({ name: entity.name, expression: entity.value })
        break
      default:
        break
    }
  }
  return {
    tables: [...tables.values()].map((table) => {
      const primary = new Set(table.primaryKey?.columns ?? [])
      return {
        schema: table.schema,
        table: table.table,
        // A primary key's columns are NOT NULL whatever the snapshot's column says.
        columns: table.columns.map((column) => primary.has(column.name) ? { ...column, notNull: true } : column),
        primaryKey: table.primaryKey,
        uniqueKeys: [
          ...table.uniques.map((key) => key.columns),
          ...table.indexes.filter((index) => index.unique && index.where === null).map((index) => index.columns)
        ],
        objects: {
          uniques: table.uniques,
          foreignKeys: table.foreignKeys,
          indexes: table.indexes,
          checks: table.checks
        }
      }
    }),
    enums,
    sequences
  }
}
