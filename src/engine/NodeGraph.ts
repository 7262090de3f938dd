/**
 * The graph a run covers: the requested nodes and, through `dependencies(configuration)`, everything they
 * read, each identified by its update hash. Equal hashes are one node (built once, run once); a hash met again
 * on its own path is a cycle, reported with the path instead of recursed into. The result lists the nodes in
 * dependency order.
 */
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import { type AnyDataNode, type DependencyMap, isDataNode } from "../datanode/DataNode.ts"
import { inheritHashNamespace, resolveHashNamespace } from "../datanode/HashNamespace.ts"
import type { RowShape } from "../datanode/RowShape.ts"
import { computeNodeIdentity, type NodeIdentity, type UpdateHashError } from "../datanode/UpdateHash.ts"
import type { StorageBinding } from "../storage/StorageTable.ts"
import { attachedKey, Engine } from "./Engine.ts"
import { NodeGraphError } from "./NodeGraphError.ts"

export interface GraphNode {
  readonly node: AnyDataNode
  readonly identity: NodeIdentity
  /** The output table's binding and row shape. */
  readonly binding: StorageBinding
  readonly shape: RowShape
  /** The dependency nodes by the names `dependencies()` gave them. */
  readonly dependencies: DependencyMap
  /** The update hashes of the dependencies, in the order they were declared. */
  readonly dependsOn: ReadonlyArray<string>
}

export interface NodeGraph {
  /** Every node once, dependencies before the nodes that read them. */
  readonly nodes: ReadonlyArray<GraphNode>
  /** The update hashes of the requested nodes. */
  readonly roots: ReadonlyArray<string>
  /** The graph node of each node instance met during the walk (several instances may share one). */
  readonly byInstance: ReadonlyMap<AnyDataNode, GraphNode>
}

const label = (node: AnyDataNode, hash?: string) => hash === undefined ? node.kind : `${node.kind} (${hash})`

const callerFailure = (cause: unknown): string =>
  Predicate.hasProperty(cause, "message") && Predicate.isString(cause.message) ? cause.message : String(cause)

/** Walks the graph from `roots`; needs the attached engine for bindings (update hashes use the catalog uids). */
export const collectGraph = Effect.fn("NodeGraph.collectGraph")(function*(
  roots: ReadonlyArray<AnyDataNode>
): Effect.fn.Return<NodeGraph, NodeGraphError | UpdateHashError, Engine> {
  const engine = yield* Engine
  const byHash = new Map<string, GraphNode>()
  const byInstance = new Map<AnyDataNode, GraphNode>()
  const order: Array<GraphNode> = []

  // Untraced: the walk recurses once per edge of the graph, and a span per visit would nest as deep as the graph;
  // collectGraph's span covers the walk, and each node's identity has a span of its own.
  const visit = Effect.fnUntraced(function*(
    node: unknown,
    path: ReadonlyArray<{ readonly node: AnyDataNode; readonly hash: string }>,
    via: string
  ): Effect.fn.Return<GraphNode, NodeGraphError | UpdateHashError> {
    const parent = path.at(-1)
    if (!isDataNode(node)) {
      return yield* new NodeGraphError({
        reason: "not-a-node",
        nodes: parent === undefined ? [] : [label(parent.node, parent.hash)],
        detail: `${via} is ${node === null ? "null" : typeof node}, not a DataNode instance`
      })
    }
    const known = byInstance.get(node)
    if (known !== undefined && !path.some((step) => step.hash === known.identity.updateHash)) return known

    const namespace = yield* resolveHashNamespace(node.hashNamespace, node.kindHashNamespace)
    const identity = yield* computeNodeIdentity({
      kind: node.kind,
      configuration: node.configuration,
      hashNamespace: namespace
    }).pipe(Effect.provide(engine.bindings))
    const hash = identity.updateHash

    const cycleStart = path.findIndex((step) => step.hash === hash)
    if (cycleStart >= 0) {
      return yield* new NodeGraphError({
        reason: "cycle",
        nodes: [...path.slice(cycleStart).map((step) => label(step.node, step.hash)), label(node, hash)],
        detail: ""
      })
    }
    const same = byHash.get(hash)
    if (same !== undefined) {
      // One hash, two declarations: two kinds share a name, and the engine cannot tell which update runs.
      if (same.node.constructor !== node.constructor) {
        return yield* new NodeGraphError({
          reason: "duplicate-kind",
          nodes: [label(node, hash)],
          detail: `two different DataNode classes declare the kind "${node.kind}"`
        })
      }
      byInstance.set(node, same)
      return same
    }

    const attached = engine.tables.get(attachedKey(node.storage))
    if (attached === undefined || attached.shape === undefined) {
      return yield* new NodeGraphError({
        reason: "not-attached",
        nodes: [label(node, hash)],
        detail: `${node.storage.metadata.identifier} (${attachedKey(node.storage)})`
      })
    }
    const dependencies = yield* Effect.try({
      try: () => node.dependencies(),
      catch: (cause) =>
        new NodeGraphError({ reason: "dependencies-failed", nodes: [label(node, hash)], detail: callerFailure(cause) })
    })
    if (!Predicate.isObject(dependencies)) {
      return yield* new NodeGraphError({
        reason: "dependencies-failed",
        nodes: [label(node, hash)],
        detail: `dependencies() returned ${typeof dependencies}, not a record of nodes`
      })
    }
    const here = [...path, { node, hash }]
    const dependsOn: Array<string> = []
    for (const [name, dependency] of Object.entries(dependencies)) {
      // A dependency without its own namespace takes the one this node resolved.
      const child = yield* visit(dependency, here, `dependency "${name}" of ${label(node, hash)}`).pipe(
        inheritHashNamespace(identity.hashNamespace)
      )
      if (!dependsOn.includes(child.identity.updateHash)) dependsOn.push(child.identity.updateHash)
    }
    const graphNode: GraphNode = {
      node,
      identity,
      binding: attached.binding,
      shape: attached.shape,
      dependencies,
      dependsOn
    }
    byHash.set(hash, graphNode)
    byInstance.set(node, graphNode)
    order.push(graphNode)
    return graphNode
  })

  const rootHashes: Array<string> = []
  for (const [index, root] of roots.entries()) {
    const graphNode = yield* visit(root, [], `node ${index + 1} of the run`)
    if (!rootHashes.includes(graphNode.identity.updateHash)) rootHashes.push(graphNode.identity.updateHash)
  }
  return { nodes: order, roots: rootHashes, byInstance }
})
