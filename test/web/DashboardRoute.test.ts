/**
 * The dashboard's routes (src/serve/Dashboard.ts) on an effect HTTP router: the page, its hashed assets with
 * the right types, revalidation headers, 404 for what is not there and for paths that climb out of web/dist.
 */
import { NodeHttpServer, NodeServices } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { checkDashboard, dashboardDirectory, DashboardMissingError, staticLayer } from "../../src/serve/Dashboard.ts"

const dashboardOnly = staticLayer().pipe(Layer.provide(NodeHttpServer.layerHttpServices))

const get = async (handler: (request: Request) => Promise<Response>, path: string, headers: Record<string, string> = {}) =>
  handler(new Request(`http://localhost${path}`, { headers }))

describe("dashboard routes", () => {
  it("serves the page at the root and its assets with their types", async () => {
    const { handler, dispose } = HttpRouter.toWebHandler(dashboardOnly, { disableLogger: true })
    try {
      const page = await get(handler, "/")
      assert.strictEqual(page.status, 200)
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/)
      assert.strictEqual(page.headers.get("cache-control"), "no-cache")
      const html = await page.text()
      assert.strictEqual(html, NodeFs.readFileSync(NodePath.join(dashboardDirectory, "index.html"), "utf8"))
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1]
      assert.isDefined(script)
      const asset = await get(handler, `/${script}`)
      assert.strictEqual(asset.status, 200)
      assert.match(asset.headers.get("content-type") ?? "", /^text\/javascript/)
      assert.strictEqual((await asset.arrayBuffer()).byteLength, NodeFs.statSync(NodePath.join(dashboardDirectory, script!)).size)
      const etag = asset.headers.get("etag")
      assert.isNotNull(etag)
      assert.strictEqual((await get(handler, `/${script}`, { "if-none-match": etag! })).status, 304)
    } finally {
      await dispose()
    }
  })

  it("answers 404 for a missing file and for a path out of web/dist", async () => {
    const { handler, dispose } = HttpRouter.toWebHandler(dashboardOnly, { disableLogger: true })
    try {
      assert.strictEqual((await get(handler, "/assets/nothing-here.js")).status, 404)
      assert.strictEqual((await get(handler, "/../../package.json")).status, 404)
      assert.strictEqual((await get(handler, "/%2e%2e/%2e%2e/package.json")).status, 404)
      assert.strictEqual((await get(handler, "/assets/..%2f..%2f..%2fpackage.json")).status, 404)
    } finally {
      await dispose()
    }
  })

  it("mounts under a prefix beside other routes", async () => {
    const api = HttpRouter.add("GET", "/api/ping", HttpServerResponse.text("pong"))
    const { handler, dispose } = HttpRouter.toWebHandler(
      Layer.mergeAll(api, staticLayer({ prefix: "/dashboard" })).pipe(Layer.provide(NodeHttpServer.layerHttpServices)),
      { disableLogger: true }
    )
    try {
      assert.strictEqual(await (await get(handler, "/api/ping")).text(), "pong")
      const page = await get(handler, "/dashboard/")
      assert.strictEqual(page.status, 200)
      assert.match(await page.text(), /<div id="app">/)
    } finally {
      await dispose()
    }
  })

  it.effect("checkDashboard passes for the package and names a directory without the page", () =>
    Effect.gen(function*() {
      yield* checkDashboard()
      const empty = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "metatables-no-dashboard-"))
      const exit = yield* Effect.exit(checkDashboard(empty))
      NodeFs.rmSync(empty, { recursive: true, force: true })
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.isTrue(error?._tag === "Fail" && error.error instanceof DashboardMissingError)
      assert.include(String(error?._tag === "Fail" ? error.error.message : ""), empty)
    }).pipe(Effect.provide(NodeServices.layer)))
})
