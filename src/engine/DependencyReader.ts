/**
 * How a running node reads: the rows of a dependency's table within a time range and for some entities, or
 * every row of an attached reference table, through drizzle so the rows come back typed as the table declares.
 */
import { and, asc, eq, getTableColumns, or, type SQL, sql } from "drizzle-orm"
import type { PgColumn } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as SqlClient from "effect/sql/SqlClient"
import { asRunRole } from "../catalog/ProviderRoles.ts"
import { Database } from "../db/Database.ts"
import type { AnyDataNode, ReadRange, UpdateContext } from "../datanode/DataNode.ts"
import { DependencyReadError } from "../datanode/DependencyReadError.ts"
import { rowShapeOf } from "../datanode/RowShape.ts"
import { canonicalInstant } from "../datanode/RowValidation.ts"
import type { AnyStorageTable } from "../storage/StorageTable.ts"
import { attachedKey, type EngineService } from "./Engine.ts"
import type { GraphNode } from "./NodeGraph.ts"

type Reader = Pick<UpdateContext<never, never, never>, "read" | "readTable">

/** The `read` and `readTable` of one node's update context. */
export const dependencyReader = (
  engine: EngineService,
  reader: GraphNode,
  graph: ReadonlyMap<AnyDataNode, GraphNode>,
  database: Database["Service"],
  client: SqlClient.SqlClient
): Reader => {
  const nodeLabel = reader.node.kind
  /** `cause` is the database's error, or for a refused read the sentence that says why. */
  const fail = (table: AnyStorageTable, dependency: string, reason: DependencyReadError["reason"], cause: unknown) =>
    new DependencyReadError({
      node: nodeLabel,
      dependency,
      table: `${table.metadata.identifier} (${attachedKey(table)})`,
      reason,
      cause
    })

  // Rows are read as the table's run role (a read-only transaction of its own), like they are written: a
  // policy a revision put on the table runs with the run role's rights, never the connecting user's.
  const select = (table: AnyStorageTable, dependency: string, where: SQL | undefined, order: ReadonlyArray<PgColumn>) =>
    database.drizzle.pipe(
      Effect.flatMap((drizzle) =>
        asRunRole(
          engine.tables.get(attachedKey(table))?.runRole,
          drizzle.select().from(table.table).where(where).orderBy(...order.map((column) => asc(column)))
        )
      ),
      Effect.provideService(SqlClient.SqlClient, client),
      Effect.mapError((error) => fail(table, dependency, "database", error))
    )

  const read: Reader["read"] = Effect.fn("DependencyReader.read")(function*(node, range) {
    const dependency = `DataNode ${node.kind}`
    const target = graph.get(node)
    if (target === undefined || !reader.dependsOn.includes(target.identity.updateHash)) {
      const names = Object.keys(reader.dependencies)
      return yield* fail(node.storage, dependency, "not-a-dependency", names.length === 0 ? "it has none" : `it has ${names.join(", ")}`)
    }
    const shape = rowShapeOf(node.storage)!
    const columns = getTableColumns(node.storage.table) as Record<string, PgColumn>
    const time = columns[shape.timeIndex.key]!
    const conditions: Array<SQL> = []
    const bound = (name: keyof ReadRange, operator: string) =>
      Effect.gen(function*() {
        const value = range?.[name]
        if (value === undefined) return
        const instant = canonicalInstant(value)
        if (Result.isFailure(instant)) {
          return yield* fail(node.storage, dependency, "invalid-range", `${name}: ${instant.failure.message}`)
        }
        conditions.push(sql`${time} ${sql.raw(operator)} ${instant.success}::timestamptz`)
      })
    yield* bound("from", ">=")
    yield* bound("after", ">")
    yield* bound("to", "<=")
    if (range?.entities !== undefined) {
      const alternatives: Array<SQL> = []
      for (const entity of range.entities) {
        const keys = Object.keys(entity)
        const unknown = keys.filter((key) => !shape.entity.some((column) => column.key === key))
        if (unknown.length > 0 || keys.length === 0) {
          return yield* fail(
            node.storage,
            dependency,
            "invalid-entity",
            `an entity filter may use the grain's entity columns (${shape.entity.map((column) => column.key).join(", ") || "none"}); ` +
              `found ${keys.length === 0 ? "none" : keys.join(", ")}`
          )
        }
        alternatives.push(and(...keys.map((key) => eq(columns[key]!, entity[key])))!)
      }
      // No entities asked for: no rows, rather than every row.
      conditions.push(alternatives.length === 0 ? sql`false` : or(...alternatives)!)
    }
    const rows = yield* select(
      node.storage,
      dependency,
      conditions.length === 0 ? undefined : and(...conditions),
      shape.grain.map((column) => columns[column.key]!)
    )
    return rows as never
  })

  const readTable: Reader["readTable"] = Effect.fn("DependencyReader.readTable")(function*(table) {
    const dependency = `table ${table.metadata.identifier}`
    if (!reader.node.reads.includes(table)) {
      const declared = reader.node.reads.map((read) => read.metadata.identifier)
      return yield* fail(
        table,
        dependency,
        "not-a-dependency",
        `the node declares ${declared.length === 0 ? "no tables" : declared.join(", ")} in reads`
      )
    }
    if (engine.tables.get(attachedKey(table))?.table !== table) {
      return yield* fail(table, dependency, "not-a-dependency", "the table is not among startEngine's tables")
    }
    const columns = getTableColumns(table.table) as Record<string, PgColumn>
    const grain = table.metadata.timeIndexed?.indexNames ?? []
    const order = grain.length > 0
      ? grain.map((name) => Object.values(columns).find((column) => column.name === name)!)
      : Object.values(columns).filter((column) => column.primary)
    const rows = yield* select(table, dependency, undefined, order)
    return rows as never
  })

  return { read, readTable }
}
