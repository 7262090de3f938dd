/**
 * The storage tables a graph of nodes needs attached, found before anything is bound: each node's output
 * table, the tables its configuration references (`StorageReference` fields) and the tables it `reads`,
 * through every dependency. `startEngine` attaches exactly these; the command line uses it to run a graph
 * without a table list.
 *
 * Nothing is bound yet, so nodes are told apart by their kind and configuration with each referenced table
 * standing for itself: the same node met twice is walked once, and a node met again on its own path is a cycle.
 */
import * as Predicate from "effect/Predicate"
import * as Result from "effect/Result"
import { canonicalJson } from "../storage/CanonicalJson.ts"
import type { AnyStorageTable } from "../storage/StorageTable.ts"
import { canonicalConfiguration, configurationStorageReferences } from "../datanode/CanonicalConfiguration.ts"
import type { ConfigurationHashError } from "../datanode/ConfigurationHashError.ts"
import { type AnyDataNode, isDataNode } from "../datanode/DataNode.ts"
import type { StorageNotBoundError } from "../datanode/StorageNotBoundError.ts"
import { NodeGraphError } from "./NodeGraphError.ts"

type TablesError = NodeGraphError | ConfigurationHashError | StorageNotBoundError

const callerFailure = (cause: unknown): string =>
  Predicate.hasProperty(cause, "message") && Predicate.isString(cause.message) ? cause.message : String(cause)

/** Every table the nodes and their dependencies write, reference or read, each once, in the order met. */
export const graphTables = (
  nodes: ReadonlyArray<AnyDataNode>
): Result.Result<ReadonlyArray<AnyStorageTable>, TablesError> =>
  Result.gen(function*() {
    const tables: Array<AnyStorageTable> = []
    const add = (table: AnyStorageTable) => {
      if (!tables.includes(table)) tables.push(table)
    }
    const walked = new Set<string>()

    const structuralKey = (node: AnyDataNode) =>
      Result.gen(function*() {
        const references = yield* configurationStorageReferences(node.configuration)
        const placeholders = new Map(references.map(({ table }) => [table, `${table.metadata.schema}.${table.metadata.tableName}`]))
        const rendered = yield* canonicalConfiguration(node.configuration, placeholders)
        return `${node.kind} ${Result.getOrElse(canonicalJson(rendered), () => "")}`
      })

    const visit = (node: unknown, path: ReadonlyArray<{ readonly kind: string; readonly key: string }>, via: string): Result.Result<void, TablesError> =>
      Result.gen(function*() {
        if (!isDataNode(node)) {
          return yield* Result.fail(
            new NodeGraphError({
              reason: "not-a-node",
              nodes: [],
              detail: `${via} is ${node === null ? "null" : typeof node}, not a DataNode instance`
            })
          )
        }
        const key = yield* structuralKey(node)
        const cycleStart = path.findIndex((step) => step.key === key)
        if (cycleStart >= 0) {
          return yield* Result.fail(
            new NodeGraphError({
              reason: "cycle",
              nodes: [...path.slice(cycleStart).map((step) => step.kind), node.kind],
              detail: ""
            })
          )
        }
        if (walked.has(key)) return
        add(node.storage)
        for (const { table } of yield* configurationStorageReferences(node.configuration)) add(table)
        for (const table of node.reads) add(table)
        const dependencies = yield* Result.try({
          try: () => node.dependencies(),
          catch: (cause) => new NodeGraphError({ reason: "dependencies-failed", nodes: [node.kind], detail: callerFailure(cause) })
        })
        if (!Predicate.isObject(dependencies)) {
          return yield* Result.fail(
            new NodeGraphError({
              reason: "dependencies-failed",
              nodes: [node.kind],
              detail: `dependencies() returned ${typeof dependencies}, not a record of nodes`
            })
          )
        }
        const here = [...path, { kind: node.kind, key }]
        for (const [name, dependency] of Object.entries(dependencies)) {
          yield* visit(dependency, here, `dependency "${name}" of ${node.kind}`)
        }
        walked.add(key)
      })

    for (const [index, node] of nodes.entries()) yield* visit(node, [], `node ${index + 1} of the run`)
    return tables
  })
