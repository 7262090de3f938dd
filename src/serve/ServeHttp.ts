/**
 * The HTTP side of `serve`: the API (`ServeApi`, its OpenAPI document at `/api/openapi.json`), health and
 * metrics, and the dashboard's built files at `/` when they are there, on one port. `serveHttpRoutes` is the
 * routes alone (tests serve them on a test server); `serveHttpLayer` listens on a port with Node's HTTP server.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
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

/**
 * The address to open in a browser for a server listening on `host` and `port`: every interface (`0.0.0.0`,
 * `::`) is reached on the loopback address.
 */
export const browserUrl = (host: string, port: number): string => {
  const shown = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host
  return `http://${shown}:${port}/`
}

/**
 * Listens on `host:port` and serves `serveHttpRoutes` until the layer is released; `onListening` is told the
 * address to open (with the port bound, which `port: 0` leaves to the system) once the server listens.
 */
export const serveHttpLayer = (
  options: HttpOptions & {
    readonly port: number
    readonly host: string
    readonly onListening?: ((url: string) => Effect.Effect<void>) | undefined
  }
) => {
  const listening = options.onListening === undefined ? Layer.empty : Layer.effectDiscard(
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const bound = new URL(HttpServer.formatAddress(server.address))
      yield* options.onListening!(browserUrl(options.host, Number(bound.port)))
    })
  )
  return Layer.mergeAll(
    HttpRouter.serve(serveHttpRoutes(options), { disableListenLog: true, disableLogger: true }),
    listening
  ).pipe(Layer.provide(NodeHttpServer.layer(createServer, { port: options.port, host: options.host })))
}
