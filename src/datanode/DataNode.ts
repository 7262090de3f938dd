/**
 * DataNodes: update jobs that write time-indexed rows. A node kind is declared once with its configuration
 * class, its output storage table, its dependencies and its `update`; each instance is one configuration of
 * it, whose update hash (kind + canonical configuration + hash namespace) is its identity.
 *
 * ```ts
 * export class DailyReturns extends DataNode({
 *   kind: "DailyReturns",
 *   configuration: DailyReturnsConfig,
 *   storage: Returns,
 *   dependencies: (config) => ({ prices: new SyntheticPrices(config.prices) }),
 *   update: (ctx) =>
 *     Effect.map(ctx.read(ctx.dependencies.prices, { after: ctx.watermarks.last }), (prices) => returnsOf(prices))
 * }) {}
 *
 * const node = new DailyReturns(new DailyReturnsConfig({ ... }))
 * ```
 *
 * `update` receives an `UpdateContext`: the configuration, the node's watermarks (what it wrote before), its
 * dependency nodes with a typed reader for their rows, and the run's clock; it returns rows, as an array or as
 * a stream of batches. The engine (`runNodes`) validates every batch against the table's contract and upserts
 * it on the grain. Declaring a node touches no database; dependencies are built by the engine when it walks
 * the graph, so a cycle is reported, not recursed into.
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import type * as Stream from "effect/Stream"
import { type AnyStorageTable, isStorageTable } from "../storage/StorageTable.ts"
import { DataNodeDefinitionError } from "./DataNodeDefinitionError.ts"
import type { AnyDataNodeConfiguration } from "./DataNodeConfiguration.ts"
import type { DependencyReadError } from "./DependencyReadError.ts"

export const DataNodeTypeId: unique symbol = Symbol.for("metatables/datanode/DataNode")
export type DataNodeTypeId = typeof DataNodeTypeId

type InsertOf<T> = T extends { readonly table: { readonly $inferInsert: infer I } } ? I : never
type SelectOf<T> = T extends { readonly table: { readonly $inferSelect: infer S } } ? S : never

/** Instants may be given as ISO-8601 strings with an offset as well as `Date`s. */
type WidenInstant<V> = V extends Date ? Date | string : V

/** A row a node writes into `T`: its insert type, keyed by the table's properties. */
export type NodeRow<T extends AnyStorageTable> = { readonly [K in keyof InsertOf<T>]: WidenInstant<InsertOf<T>[K]> }

/** What `update` produces: every row at once, or a stream of batches (for large or incremental outputs). */
export type NodeOutput<T extends AnyStorageTable, E, R> =
  | ReadonlyArray<NodeRow<T>>
  | Stream.Stream<ReadonlyArray<NodeRow<T>>, E, R>

/** An entity of a node's output: its grain values without the time index, by row property. */
export type EntityValues = Readonly<Record<string, unknown>>

/** What a node wrote before: over all entities, and per entity of the grain. */
export interface NodeWatermarks {
  /** The earliest time index the node has written; undefined before its first row. */
  readonly first: Date | undefined
  /** The latest time index the node has written; undefined before its first row. */
  readonly last: Date | undefined
  readonly entities: ReadonlyArray<{
    readonly entity: Readonly<Record<string, string | number | boolean>>
    readonly first: Date
    readonly last: Date
  }>
  /**
   * The latest time index written for one entity (`{ assetIdentifier: "AAA" }`), undefined when it has none.
   * Entities compare by value: a uuid in any case, an integer as a number or a bigint, find the same entity.
   */
  readonly lastFor: (entity: EntityValues) => Date | undefined
}

/** Which rows of a dependency to read; every bound is optional. */
export interface ReadRange {
  /** Time index at or after this instant. */
  readonly from?: Date | string | undefined
  /** Time index strictly after this instant (typically a watermark). */
  readonly after?: Date | string | undefined
  /** Time index at or before this instant. */
  readonly to?: Date | string | undefined
  /** Only these entities (grain values without the time index). */
  readonly entities?: ReadonlyArray<EntityValues> | undefined
}

/** The storage table a node instance writes. */
export type StorageOf<N> = N extends DataNode<infer _C, infer T, infer _D, infer _E, infer _R> ? T : never

/** What `update` receives. */
export interface UpdateContext<C, T extends AnyStorageTable, D> {
  readonly kind: string
  readonly configuration: C
  readonly storage: T
  readonly updateHash: string
  /** The run's "now", read from the `Clock` once when the run starts, the same for every node of it. */
  readonly asOf: Date
  readonly watermarks: NodeWatermarks
  /** The dependency nodes, as `dependencies(configuration)` returned them. */
  readonly dependencies: D
  /** The rows a dependency wrote into its table (by any node), ordered by time index then grain. */
  readonly read: <N extends AnyDataNode>(
    node: N,
    range?: ReadRange
  ) => Effect.Effect<ReadonlyArray<SelectOf<StorageOf<N>>>, DependencyReadError>
  /**
   * Every row of a table the node reads for reference, such as accounts or instruments; the node declares it
   * in `reads`, so the engine attaches it (and knows it is deployed) before the run.
   */
  readonly readTable: <S extends AnyStorageTable>(table: S) => Effect.Effect<ReadonlyArray<SelectOf<S>>, DependencyReadError>
}

/** A node kind's declaration. */
export interface DataNodeDefinition<
  C extends AnyDataNodeConfiguration,
  T extends AnyStorageTable,
  D extends DependencyMap,
  E,
  R
> {
  /** The kind's name: it prefixes every update hash of the kind, so keep it stable. */
  readonly kind: string
  /** The configuration class (a `DataNodeConfiguration`). */
  readonly configuration: abstract new(...args: ReadonlyArray<never>) => C
  /** The time-index table the node writes, or a function of the configuration that picks it. */
  readonly storage: T | ((configuration: C) => T)
  /** A hash namespace for every instance of the kind (instances may give their own, which must agree). */
  readonly hashNamespace?: string | undefined
  /** The nodes this one reads, built from its configuration. */
  readonly dependencies?: ((configuration: C) => D) | undefined
  /** Other tables the update reads with `ctx.readTable` (reference data such as accounts). */
  readonly reads?: ReadonlyArray<AnyStorageTable> | undefined
  /**
   * A successful run younger than this makes the node fresh: the engine skips it unless forced (`--force`).
   * Without it the node runs every time, and its watermarks keep the run incremental.
   */
  readonly freshFor?: Duration.Input | undefined
  /**
   * When `metatables serve` runs the node if it has no `freshFor` and its table no cadence: a cron expression
   * in UTC (`"0 6 * * 1-5"`); `serve --cron KIND=CRON` overrides it. `nodes run` ignores it.
   */
  readonly cron?: string | undefined
  readonly update: (context: UpdateContext<C, T, D>) => Effect.Effect<NodeOutput<T, E, R>, E, R>
}

/** A configured node: one configuration of a kind. */
export interface DataNode<C extends AnyDataNodeConfiguration, T extends AnyStorageTable, D extends DependencyMap, E, R> {
  readonly [DataNodeTypeId]: DataNodeTypeId
  readonly kind: string
  readonly configuration: C
  /** The table this instance writes. */
  readonly storage: T
  /** The instance's explicit hash namespace; with the kind's, they must agree (else the ambient one applies). */
  readonly hashNamespace: string | undefined
  /** The kind's hash namespace, from its declaration. */
  readonly kindHashNamespace: string | undefined
  readonly freshFor: Duration.Input | undefined
  /** The kind's serve schedule (a UTC cron expression), from its declaration. */
  readonly cron: string | undefined
  /** Tables read with `ctx.readTable`. */
  readonly reads: ReadonlyArray<AnyStorageTable>
  /** Builds the dependency nodes (the engine calls it while walking the graph). */
  dependencies(): D
  update(context: UpdateContext<C, T, D>): Effect.Effect<NodeOutput<T, E, R>, E, R>
}

/** Any configured node whose update needs at most the services `R`. */
export interface AnyDataNode<R = unknown> {
  readonly [DataNodeTypeId]: DataNodeTypeId
  readonly kind: string
  readonly configuration: AnyDataNodeConfiguration
  readonly storage: AnyStorageTable
  readonly hashNamespace: string | undefined
  readonly freshFor: Duration.Input | undefined
  /** The serve schedule declared with the node's kind (see `DataNodeDefinition.cron`). */
  readonly cron?: string | undefined
  readonly kindHashNamespace: string | undefined
  readonly reads: ReadonlyArray<AnyStorageTable>
  dependencies(): DependencyMap
  /** The engine checks the output at run time: an array of rows or a stream of arrays. */
  update(context: UpdateContext<never, never, never>): Effect.Effect<unknown, unknown, R>
}

export interface DependencyMap {
  readonly [name: string]: AnyDataNode
}

/** The services a node's update (and its dependencies' updates) need. */
export type NodeRequirements<N> = N extends DataNode<infer _C, infer _T, infer _D, infer _E, infer R> ? R : never

export const isDataNode = (value: unknown): value is AnyDataNode =>
  Predicate.isObject(value) && Predicate.hasProperty(value, DataNodeTypeId)

export interface DataNodeOptions {
  /** This instance's hash namespace; it must agree with the kind's when both are given (else the run fails). */
  readonly hashNamespace?: string | undefined
}

/** The class `DataNode(definition)` returns: construct it with a configuration. */
export interface DataNodeClass<
  C extends AnyDataNodeConfiguration,
  T extends AnyStorageTable,
  D extends DependencyMap,
  E,
  R
> {
  new(configuration: C, options?: DataNodeOptions): DataNode<C, T, D, E, R>
  readonly definition: DataNodeDefinition<C, T, D, E, R>
  readonly kind: string
}

const definitionProblems = (definition: DataNodeDefinition<AnyDataNodeConfiguration, AnyStorageTable, DependencyMap, unknown, unknown>) => {
  const problems: Array<string> = []
  if (!Predicate.isString(definition.kind) || definition.kind.trim() === "") problems.push("kind must be a non-empty name")
  if (!Predicate.isFunction(definition.configuration)) problems.push("configuration must be a DataNodeConfiguration class")
  if (isStorageTable(definition.storage)) {
    if (definition.storage.metadata.timeIndexed === undefined) {
      problems.push(
        `storage "${definition.storage.metadata.identifier}" is a relational table; a DataNode writes a ` +
          "time-index table (PlatformTimeIndexMetaTable)"
      )
    }
  } else if (!Predicate.isFunction(definition.storage)) {
    problems.push("storage must be a time-index storage table, or a function of the configuration returning one")
  }
  if (definition.dependencies !== undefined && !Predicate.isFunction(definition.dependencies)) {
    problems.push("dependencies must be a function of the configuration returning the dependency nodes")
  }
  if (!Predicate.isFunction(definition.update)) problems.push("update must be a function of the update context")
  if (definition.reads !== undefined && !(Array.isArray(definition.reads) && definition.reads.every(isStorageTable))) {
    problems.push("reads must be an array of storage tables")
  }
  if (definition.hashNamespace !== undefined && !Predicate.isString(definition.hashNamespace)) {
    problems.push("hashNamespace must be a string (a blank one means none)")
  }
  return problems
}

/**
 * Declares a node kind: `class DailyReturns extends DataNode({ kind, configuration, storage, update }) {}`.
 * A bad declaration throws a `DataNodeDefinitionError` listing every problem, when it is made.
 */
export const DataNode = <
  C extends AnyDataNodeConfiguration,
  T extends AnyStorageTable,
  E = never,
  R = never,
  D extends DependencyMap = Record<string, never>
>(
  definition: DataNodeDefinition<C, T, D, E, R>
): DataNodeClass<C, T, D, E, R | NodeRequirements<D[keyof D]>> => {
  const problems = definitionProblems(definition as never)
  if (problems.length > 0) throw new DataNodeDefinitionError({ kind: String(definition.kind), problems })
  const pickStorage = (configuration: C): T => {
    const storage = isStorageTable(definition.storage) ? definition.storage : (definition.storage as (c: C) => T)(configuration)
    if (!isStorageTable(storage) || storage.metadata.timeIndexed === undefined) {
      throw new DataNodeDefinitionError({
        kind: definition.kind,
        problems: [
          isStorageTable(storage)
            ? `storage picked for this configuration, "${storage.metadata.identifier}", is a relational table; a ` +
              "DataNode writes a time-index table"
            : "storage(configuration) did not return a storage table"
        ]
      })
    }
    return storage
  }
  return class Node implements DataNode<C, T, D, E, R> {
    static readonly definition = definition
    static readonly kind = definition.kind
    readonly [DataNodeTypeId]: DataNodeTypeId = DataNodeTypeId
    readonly kind = definition.kind
    readonly configuration: C
    readonly storage: T
    readonly hashNamespace: string | undefined
    readonly kindHashNamespace = definition.hashNamespace
    readonly freshFor = definition.freshFor
    readonly cron = definition.cron
    readonly reads = definition.reads ?? []
    constructor(configuration: C, options?: DataNodeOptions) {
      this.configuration = configuration
      this.storage = pickStorage(configuration)
      this.hashNamespace = options?.hashNamespace
    }
    dependencies(): D {
      return definition.dependencies?.(this.configuration) ?? ({} as D)
    }
    update(context: UpdateContext<C, T, D>): Effect.Effect<NodeOutput<T, E, R>, E, R> {
      return definition.update(context)
    }
  }
}
