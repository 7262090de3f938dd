/**
 * The dashboard (web/, issue 19) as routes of the serve HTTP server: its built files, committed in web/dist and
 * shipped with the package, served as they are (no build step at start-up), `index.html` at the mount point,
 * and its own read-only API (`DashboardApi.ts`). The page reads the APIs from `api/` relative to itself, so it
 * is mounted where that holds (at `/`, beside serve's `/api`).
 */
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as HttpStaticServer from "effect/http/HttpStaticServer"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { fileURLToPath } from "node:url"
import type { MigrationProvider } from "../migrations/Provider.ts"
import { dashboardApiLayer } from "./DashboardApi.ts"

/** web/dist of this package, wherever it is installed. */
export const dashboardDirectory: string = fileURLToPath(new URL("../../web/dist", import.meta.url))

/** The built dashboard is not where the package ships it (a checkout without web/dist, say). */
export class DashboardMissingError extends Schema.TaggedError<DashboardMissingError>()("DashboardMissingError", {
  directory: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {
  override get message(): string {
    return `The dashboard's built files are missing from ${this.directory} (no index.html): ` +
      "run `npm run build:web` to build them."
  }
}

/** Fails unless the built page is there, so `serve` can say so at start rather than answer 404 later. */
export const checkDashboard = Effect.fn("Dashboard.check")(function*(directory: string = dashboardDirectory) {
  const fileSystem = yield* FileSystem.FileSystem
  const index = `${directory}/index.html`
  const present = yield* fileSystem.exists(index).pipe(
    Effect.mapError((cause) => new DashboardMissingError({ directory, cause }))
  )
  if (!present) return yield* new DashboardMissingError({ directory })
})

/**
 * GET routes for the built files under `prefix` (default: the root, `/` answering `index.html`). Every answer
 * carries an ETag and `Cache-Control: no-cache`, so a browser revalidates (a 304 costs nothing) and never keeps
 * an old page after an upgrade; the asset names are content hashes besides.
 */
export const staticLayer = (options: { readonly prefix?: string | undefined; readonly directory?: string | undefined } = {}) =>
  HttpStaticServer.layer({
    root: options.directory ?? dashboardDirectory,
    index: "index.html",
    cacheControl: "no-cache",
    ...(options.prefix === undefined ? {} : { prefix: options.prefix })
  })

/**
 * Everything the dashboard adds to serve's router: its built files and its API (`DashboardApi.ts`: revisions,
 * a table's indexes and keys). Mounted beside `ServeApi`'s layer; needs the database, the catalog and the
 * platform's HTTP services, as serve's API does.
 */
export const layer = (
  options: {
    readonly prefix?: string | undefined
    readonly directory?: string | undefined
    readonly provider?: MigrationProvider | undefined
  } = {}
) => Layer.mergeAll(staticLayer(options), dashboardApiLayer(options))
