/**
 * What drizzle-kit's `generateDrizzleJson` refuses in a set of tables, found before it runs. drizzle-kit
 * reports a bad schema by printing on stdout and calling `process.exit(1)`, and exports nothing lower that
 * returns the problems instead; a library can let neither happen, so it asks this first.
 *
 * The checks are drizzle-kit's own for input made only of tables, as `api-postgres` runs them in version
 * 1.0.0-rc.5 (pinned exactly): first `fromDrizzleSchema`'s (an expression index needs a name, a pgvector index
 * an operator class); only when those pass, `interimToDDL`'s duplicates (tables and index names per schema;
 * columns, foreign keys, primary keys, unique constraints, checks and policies per table), with drizzle-kit's
 * default names for unnamed entities. The report is drizzle-kit's, without its colours. When upgrading
 * drizzle-kit, re-read those two functions: `DrizzleKitRefusals.test.ts` holds every check against
 * drizzle-kit itself.
 */
import { getTableName, is, SQL } from "drizzle-orm"
import { type AnyPgTable, getTableConfig, IndexedColumn, PgDialect, uniqueKeyName } from "drizzle-orm/pg-core"

const dialect = new PgDialect()

/** An entity as drizzle-kit keys it (`key`), and its report should the key be taken already. */
interface Keyed {
  readonly key: string
  readonly report: string
}

const constraint = (schema: string, table: string, name: string): Keyed => ({
  key: JSON.stringify([schema, table, name]),
  report: `There's a duplicate constraint name '${name}' in "${schema}"."${table}" table`
})

/**
 * drizzle-kit's name for an unnamed foreign key. Past 63 characters it shortens the name with a hash of it;
 * two such keys collide exactly when their long names do, which is what the key here compares. (An explicit
 * name equal to drizzle-kit's hashed one would collide there and not here; no one writes that by chance.)
 */
const foreignKeyName = (fk: ReturnType<typeof getTableConfig>["foreignKeys"][number], table: string): string => {
  if (fk.isNameExplicit()) return fk.getName()
  const reference = fk.reference()
  const columns = reference.columns.map((column) => column.name).join("_")
  const target = reference.foreignColumns.map((column) => column.name).join("_")
  const name = `${table}_${columns}_${getTableName(reference.foreignTable)}_${target}_fkey`
  return name.length > 63 ? `${name} (shortened by drizzle-kit)` : name
}

/** `fromDrizzleSchema`'s problems: indexes drizzle-kit cannot name or create. */
const indexProblems = (tables: ReadonlyArray<AnyPgTable>): ReadonlyArray<string> =>
  tables.flatMap((table) => {
    const config = getTableConfig(table)
    const schema = config.schema ?? "public"
    return config.indexes.flatMap((index) =>
      index.config.columns.flatMap((column) => {
        if (is(column, SQL)) {
          return index.config.name === undefined || index.config.name === ""
            ? [
              `Please specify an index name in "${schema}"."${config.name}" table that has ` +
              `"${dialect.sqlToQuery(column).sql}" expression.\n\nWe can generate index names for indexes on ` +
              "columns only; for expressions in indexes, you need to specify index name yourself."
            ]
            : []
        }
        if (is(column, IndexedColumn) && column.type === "PgVector" && !column.indexConfig.opClass) {
          return [
            `You are specifying an index on the ${column.name} column inside the ${config.name} table with the ` +
            "vector type without specifying an operator class. Vector extension doesn't have a default operator " +
            `class, so you need to specify one, as in index("${index.config.name ?? "name"}")` +
            `.using("${index.config.method ?? "hnsw"}", table.${column.name}.op("vector_l2_ops")).`
          ]
        }
        return []
      })
    )
  })

/** `interimToDDL`'s problems: two entities of one kind under one key, in the order drizzle-kit checks them. */
const duplicateProblems = (tables: ReadonlyArray<AnyPgTable>): ReadonlyArray<string> => {
  const configs = tables.map((table) => ({ table, config: getTableConfig(table) }))
  const kinds: ReadonlyArray<ReadonlyArray<Keyed>> = [
    configs.map(({ config }) => {
      const schema = config.schema ?? "public"
      return {
        key: JSON.stringify([schema, config.name]),
        report: `There's a duplicate table name "${config.name}" in "${schema}" schema`
      }
    }),
    configs.flatMap(({ config }) => {
      const schema = config.schema ?? "public"
      return config.columns.map((column) => ({
        key: JSON.stringify([schema, config.name, column.name]),
        report: `There's a duplicate column name '${column.name}' in "${schema}"."${config.name}" table`
      }))
    }),
    configs.flatMap(({ config }) => {
      const schema = config.schema ?? "public"
      return config.indexes.map((index) => {
        const columns = index.config.columns.map((column) => is(column, IndexedColumn) ? column.name : undefined)
        const name = index.config.name ?? `${config.name}_${columns.join("_")}_index`
        return {
          key: JSON.stringify([schema, name]),
          report: `There's a duplicate index name '${name}' in "${schema}" schema in "${schema}"."${config.name}"`
        }
      })
    }),
    configs.flatMap(({ config }) =>
      config.foreignKeys.map((fk) => constraint(config.schema ?? "public", config.name, foreignKeyName(fk, config.name)))
    ),
    configs.flatMap(({ config }) =>
      config.primaryKeys.map((pk) =>
        constraint(
          config.schema ?? "public",
          config.name,
          pk.name === undefined || pk.name === "" ? `${config.name}_pkey` : pk.name
        )
      )
    ),
    configs.flatMap(({ table, config }) =>
      config.uniqueConstraints.map((unique) =>
        constraint(
          config.schema ?? "public",
          config.name,
          unique.isNameExplicit && unique.name !== undefined
            ? unique.name
            : uniqueKeyName(table, unique.columns.map((column) => column.name))
        )
      )
    ),
    configs.flatMap(({ config }) =>
      config.checks.map((check) => constraint(config.schema ?? "public", config.name, check.name))
    ),
    configs.flatMap(({ config }) => {
      const schema = config.schema ?? "public"
      return config.policies.map((policy) => ({
        key: JSON.stringify([schema, config.name, policy.name]),
        report: `We've found duplicated policy name across "${schema}"."${config.name}" table. Please rename one ` +
          `of the policies with ${policy.name} name`
      }))
    })
  ]
  return kinds.flatMap((entities) => {
    const seen = new Set<string>()
    return entities.flatMap((entity) => {
      if (!seen.has(entity.key)) {
        seen.add(entity.key)
        return []
      }
      return [entity.report]
    })
  })
}

/**
 * The problems drizzle-kit would report for `tables` (and end the process over), one line each; empty when it
 * accepts them.
 */
export const drizzleKitRefusals = (tables: ReadonlyArray<AnyPgTable>): ReadonlyArray<string> => {
  const indexes = indexProblems(tables)
  return indexes.length > 0 ? indexes : duplicateProblems(tables)
}
