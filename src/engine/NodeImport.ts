/**
 * The nodes a `nodes run MODULE:EXPORT` names: the export may be one DataNode, an array of them, or a function
 * of no arguments returning either (to build configurations only when the command runs).
 */
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import { type AnyDataNode, isDataNode } from "../datanode/DataNode.ts"
import { describeThrown, importModuleExport, parseModuleReference } from "../project/ModuleImport.ts"

export class NodeImportError extends Schema.TaggedError<NodeImportError>()("NodeImportError", {
  reason: Schema.Literals(["malformed-reference", "missing-module", "import-failed", "missing-export", "not-nodes"]),
  reference: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    switch (this.reason) {
      case "malformed-reference":
        return `${JSON.stringify(this.reference)} is not MODULE:EXPORT, for example nodes/index.ts:exampleGraph.`
      case "missing-module":
        return `The module of ${this.reference} does not exist: ${this.detail}.`
      case "import-failed":
        return `The module of ${this.reference} cannot be imported: ${this.detail}`
      case "missing-export":
        return `The module of ${this.reference} has no export ${this.detail}.`
      case "not-nodes":
        return `The export ${this.reference} is ${this.detail}; export a DataNode instance, an array of them, or a ` +
          "function returning either."
    }
  }
}

const describe = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "an array holding something other than DataNode instances"
    : Predicate.isObject(value)
    ? "an object that is not a DataNode instance"
    : typeof value

const asNodes = (value: unknown): ReadonlyArray<AnyDataNode<never>> | undefined =>
  isDataNode(value)
    ? [value as AnyDataNode<never>]
    : Array.isArray(value) && value.every(isDataNode)
    ? value as unknown as ReadonlyArray<AnyDataNode<never>>
    : undefined

/**
 * Imports the nodes of `reference` (`MODULE:EXPORT`, the module relative to `projectRoot`). Their types are
 * not known here: they are taken to need no service beyond the database and the engine, which is all a command
 * line run provides (an update needing more fails, naming the missing service).
 */
export const importNodes = Effect.fn("NodeImport.importNodes")(function*(
  reference: string,
  projectRoot: string
): Effect.fn.Return<ReadonlyArray<AnyDataNode<never>>, NodeImportError, FileSystem.FileSystem> {
  const parsed = parseModuleReference(reference)
  if (parsed === undefined) return yield* new NodeImportError({ reason: "malformed-reference", reference, detail: "" })
  const value = yield* importModuleExport(parsed, projectRoot).pipe(
    Effect.mapError((failure) => new NodeImportError({ ...failure, reference }))
  )
  const built = Predicate.isFunction(value) && !isDataNode(value)
    ? yield* Effect.try({ try: () => (value as () => unknown)(), catch: (cause) => cause }).pipe(
      Effect.catch((cause) =>
        Effect.flatMap(describeThrown(cause, projectRoot), (detail) =>
          Effect.fail(new NodeImportError({ reason: "import-failed", reference, detail: `calling the export failed: ${detail}` }))))
    )
    : value
  const nodes = asNodes(built)
  if (nodes === undefined) return yield* new NodeImportError({ reason: "not-nodes", reference, detail: describe(built) })
  return nodes
})
