/**
 * The HTTP side of `serve`: the API (`ServeApi`, its OpenAPI document at `/api/openapi.json`), health and
 * metrics, and the dashboard's built files at `/` when they are there, on one port. `serveHttpRoutes` is the
 * routes alone (tests serve them on a test server); `serveHttpLayer` listens on a port with Node's HTTP server.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import { createServer } from "node:http"
import * as Dashboard from "./Dashboard.ts"
import { ServeApi } from "./ServeApi.ts"
import { apiHandlersLayer } from "./ServeApiHandlers.ts"
import type { HealthOptions } from "./ServeHealth.ts"

export interface HttpOptions {
  /** The bearer token writes need (from configuration; never printed). None: no writes. */
  readonly token: Redacted.Redacted<string> | undefined
  readonly health?: HealthOptions | undefined
  /** Serve the dashboard's built files at `/` (default: yes). */
  readonly dashboard?: boolean | undefined
}

/** The API, health, metrics and (optionally) the dashboard as router routes. */
export const serveHttpRoutes = (options: HttpOptions) => {
  const api = HttpApiBuilder.layer(ServeApi, { openapiPath: "/api/openapi.json" }).pipe(
    Layer.provide(apiHandlersLayer({ token: options.token, health: options.health }))
  )
  return options.dashboard === false ? api : Layer.mergeAll(api, Dashboard.layer())
}

/** Listens on `host:port` and serves `serveHttpRoutes` until the layer is released. */
export const serveHttpLayer = (options: HttpOptions & { readonly port: number; readonly host: string }) =>
  HttpRouter.serve(serveHttpRoutes(options), { disableListenLog: true, disableLogger: true }).pipe(
    Layer.provide(NodeHttpServer.layer(createServer, { port: options.port, host: options.host }))
  )
