/**
 * `serveNodes` and `serveLayer`, the public entry to `serve`: they load the implementation (`Serve.ts`, with
 * effect's cluster and rpc modules) when serving starts, so importing the library loads none of it.
 *
 * ```ts
 * yield* serveNodes(exampleGraph, { concurrency: 4 }).pipe(Effect.provide(startEngine({ tables })))
 * ```
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as SqlClient from "effect/sql/SqlClient"
import type { AnyDataNode } from "../datanode/DataNode.ts"
import type { Database } from "../db/Database.ts"
import { lazyImport, type LazyImportError } from "../db/LazyImport.ts"
import type { Engine } from "../engine/Engine.ts"
import type { RunnerError } from "../engine/Runner.ts"
import type { ServeMetrics } from "./ServeMetrics.ts"
import type { ServeHttpError } from "./ServeHttpError.ts"
import type { ServeOptionsError } from "./ServeOptionsError.ts"
import type { ServeOptions, Serving } from "./Serving.ts"

export type ServeError = ServeOptionsError | RunnerError | LazyImportError | ServeHttpError

/**
 * Everything `serve` runs, as a layer: a cluster runner in the served database, each node an entity, the
 * scheduler as the cluster's singleton, and `Serving` and `ServeMetrics` for an HTTP API. It needs the attached
 * engine (`startEngine`) and the database; building it refuses a graph where a node has no cadence.
 */
export const serveLayer = <R>(
  nodes: ReadonlyArray<AnyDataNode<R>>,
  options: ServeOptions = {}
): Layer.Layer<Serving | ServeMetrics, ServeError, R | Engine | SqlClient.SqlClient | Database> =>
  Layer.unwrap(
    Effect.map(lazyImport("metatables serve", () => import("./Serve.ts")), (serve) => serve.makeServeLayer(nodes, options))
  )

/**
 * Serves `nodes` until interrupted: each node when it is due, on whichever runner of the cluster holds it.
 * Interrupting it stops scheduling, lets running nodes finish for `grace`, and interrupts (and records) the rest.
 */
export const serveNodes = <R>(
  nodes: ReadonlyArray<AnyDataNode<R>>,
  options: ServeOptions = {}
): Effect.Effect<never, ServeError, R | Engine | SqlClient.SqlClient | Database> =>
  Layer.launch(serveLayer(nodes, options))
