/**
 * A DataNode's update hash: its identity, computed from the node kind, the canonical configuration (with
 * storage references as their bound catalog uids) and the hash namespace when one is set; nothing from the
 * environment (branch, host, clock, module paths) enters it.
 *
 * The payload `{ configuration, hash_namespace?, kind, version }` is rendered as canonical JSON (RFC 8785)
 * and hashed with SHA-256; the hash is the kind as an identifier (lower-cased, at most 30 characters), `_`
 * and the first 32 hex digits of the digest: at most 63 characters, a valid PostgreSQL identifier.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import * as NodeCrypto from "node:crypto"
import { canonicalJson, type CanonicalJsonValue } from "../storage/CanonicalJson.ts"
import { slugifyIdentifier } from "../storage/Naming.ts"
import { type AnyStorageTable, bindingServiceKey } from "../storage/StorageTable.ts"
import {
  canonicalConfiguration,
  configurationStorageReferences,
  requireConfiguration,
  type StorageReferenceUse
} from "./CanonicalConfiguration.ts"
import { ConfigurationHashError } from "./ConfigurationHashError.ts"
import type { AnyDataNodeConfiguration } from "./DataNodeConfiguration.ts"
import { resolveHashNamespace } from "./HashNamespace.ts"
import type { HashNamespaceError } from "./HashNamespaceError.ts"
import { StorageNotBoundError } from "./StorageNotBoundError.ts"
import type { ConfigurationStorage } from "./StorageReference.ts"

/** The payload format; a new canonical form gets a new version, so old and new hashes never collide. */
export const UPDATE_HASH_VERSION = 1

const KIND_PREFIX_LENGTH = 30
const DIGEST_LENGTH = 32

export interface UpdateHashInput<C extends AnyDataNodeConfiguration> {
  /** The node kind (its class or definition name, like `DailyMetricsNode`); it prefixes the hash. */
  readonly kind: string
  readonly configuration: C
  /** The node's explicit hash namespace; without one, the ambient `CurrentHashNamespace` applies. */
  readonly hashNamespace?: string | undefined
}

/** Everything the update hash was computed from, for run records and for explaining a hash. */
export interface NodeIdentity {
  readonly kind: string
  readonly updateHash: string
  readonly hashNamespace: string | undefined
  /** The canonical JSON text that was hashed. */
  readonly canonicalJson: string
  /** Each referenced storage table, with the field that references it and its bound catalog uid. */
  readonly storage: ReadonlyArray<{ readonly field: string; readonly identifier: string; readonly uid: string }>
}

export type UpdateHashError = ConfigurationHashError | StorageNotBoundError | HashNamespaceError

const blankKind = (kind: string) =>
  new ConfigurationHashError({ configuration: kind, field: "", reason: "blank-kind", found: JSON.stringify(kind) })

/** The payload an update hash is computed from, with storage references replaced by `storageUids`. */
export const updateHashPayload = (input: {
  readonly kind: string
  readonly configuration: AnyDataNodeConfiguration
  readonly hashNamespace: string | undefined
  readonly storageUids: ReadonlyMap<AnyStorageTable, string>
}): Result.Result<CanonicalJsonValue, ConfigurationHashError | StorageNotBoundError> => {
  if (input.kind.trim() === "") return Result.fail(blankKind(input.kind))
  return Result.map(canonicalConfiguration(input.configuration, input.storageUids), (configuration) => ({
    configuration,
    ...(input.hashNamespace === undefined ? {} : { hash_namespace: input.hashNamespace }),
    kind: input.kind,
    version: UPDATE_HASH_VERSION
  }))
}

/** The update hash of a payload's canonical JSON text: `<kind prefix>_<32 hex digits of its SHA-256>`. */
export const updateHashOf = (kind: string, canonicalText: string): string => {
  const prefix = slugifyIdentifier(kind).slice(0, KIND_PREFIX_LENGTH).replace(/_+$/, "")
  const digest = NodeCrypto.createHash("sha256").update(canonicalText, "utf8").digest("hex")
  return `${prefix}_${digest.slice(0, DIGEST_LENGTH)}`
}

// A binding that failed or was deleted keeps its uid, but no run may write under it.
const UNUSABLE = new Set(["failed", "deleted"])

// Untraced: it only reads bindings from the context, inside computeNodeIdentity's span, once per node of a graph.
const bindStorage = Effect.fnUntraced(function*(uses: ReadonlyArray<StorageReferenceUse>) {
  const uids = new Map<AnyStorageTable, string>()
  for (const { field, table } of uses) {
    if (uids.has(table)) continue
    const binding = yield* Effect.serviceOption(bindingServiceKey(table))
    const status = Option.isSome(binding) && UNUSABLE.has(binding.value.status) ? binding.value.status : undefined
    if (Option.isNone(binding) || status !== undefined) {
      return yield* new StorageNotBoundError({
        identifier: table.metadata.identifier,
        table: `${table.metadata.schema}.${table.metadata.tableName}`,
        field,
        status: status === "failed" || status === "deleted" ? status : null
      })
    }
    uids.set(table, binding.value.uid)
  }
  return uids
})

const nodeIdentity = Effect.fn("UpdateHash.computeNodeIdentity")(function*(
  input: UpdateHashInput<AnyDataNodeConfiguration>
): Effect.fn.Return<NodeIdentity, UpdateHashError> {
  if (input.kind.trim() === "") return yield* blankKind(input.kind)
  yield* Effect.fromResult(requireConfiguration(input.configuration, input.kind))
  const hashNamespace = yield* resolveHashNamespace(input.hashNamespace)
  const uses = yield* Effect.fromResult(configurationStorageReferences(input.configuration))
  const storageUids = yield* bindStorage(uses)
  const payload = yield* Effect.fromResult(updateHashPayload({
    kind: input.kind,
    configuration: input.configuration,
    hashNamespace,
    storageUids
  }))
  // Canonical values render by construction; a failure here is a bug in the canonical form, not user input.
  const text = yield* Effect.orDie(Effect.fromResult(canonicalJson(payload)))
  return {
    kind: input.kind,
    updateHash: updateHashOf(input.kind, text),
    hashNamespace,
    canonicalJson: text,
    storage: uses.map(({ field, table }) => ({
      field,
      identifier: table.metadata.identifier,
      uid: storageUids.get(table) ?? ""
    }))
  }
})

/**
 * The identity of a node: its update hash and what it was computed from. Requires the bindings of the storage
 * tables the configuration references (provided by `startEngine` or the migration lifecycle).
 */
export const computeNodeIdentity = <C extends AnyDataNodeConfiguration>(
  input: UpdateHashInput<C>
): Effect.Effect<NodeIdentity, UpdateHashError, ConfigurationStorage<C>> => nodeIdentity(input)

/** A node's update hash; see `computeNodeIdentity`. */
export const computeUpdateHash = <C extends AnyDataNodeConfiguration>(
  input: UpdateHashInput<C>
): Effect.Effect<string, UpdateHashError, ConfigurationStorage<C>> =>
  Effect.map(computeNodeIdentity(input), (identity) => identity.updateHash)
