/**
 * The dashboard's API (src/serve/DashboardApi.ts) over a database where the example project is upgraded to
 * 0002 of 0003, on both backends: the history with applied and pending revisions, their SQL, the heads; a
 * table's indexes and foreign keys as PostgreSQL has them; 404 for an unknown table.
 */
import { NodeFileSystem, NodeHttpServer } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as HttpRouter from "effect/http/HttpRouter"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as SqlClient from "effect/sql/SqlClient"
import { migration } from "../../migrations/index.ts"
import { Catalog } from "../../src/catalog/Catalog.ts"
import * as SqlCatalog from "../../src/catalog/SqlCatalog.ts"
import { migrateProvider } from "../../src/index.ts"
import { dashboardApiLayer, upgradeScript } from "../../src/serve/DashboardApi.ts"
import { describeBackends, resetDatabase } from "../support/TestDatabase.ts"

const services = Layer.mergeAll(NodeFileSystem.layer, SqlCatalog.layer())

/** The dashboard API as a fetch handler over the suite's database, for the body of one test. */
const withApi = <A>(use: (fetch: (path: string) => Promise<Response>) => Promise<A>) =>
  Effect.gen(function*() {
    // The handlers' services come with each request, as serve's own API takes them.
    const context = yield* Effect.context<SqlClient.SqlClient | Catalog | FileSystem.FileSystem>()
    const { handler, dispose } = HttpRouter.toWebHandler(
      dashboardApiLayer({ provider: migration }).pipe(Layer.provide(NodeHttpServer.layerHttpServices)),
      { disableLogger: true }
    )
    return yield* Effect.promise(() =>
      use((path) => handler(new Request(`http://localhost${path}`), context)).finally(dispose)
    )
  })

interface RevisionsAnswer {
  readonly provider: string
  readonly current: ReadonlyArray<string>
  readonly heads: ReadonlyArray<string>
  readonly revisions: ReadonlyArray<{ readonly id: string; readonly parents: ReadonlyArray<string>; readonly sql: string; readonly applied: boolean }>
}

describeBackends("dashboard API", (it) => {
  it.effect("lists the history with applied and pending revisions, their SQL, and a table's indexes and keys", () =>
    Effect.andThen(
      resetDatabase,
      Effect.gen(function*() {
        yield* migrateProvider(migration, { target: "0002", direction: "upgrade" })
        const catalog = yield* Catalog
        const limits = Option.getOrThrow(yield* catalog.find("sdk_examples.account_limit"))
        const [revisions, structure, missing, unrecorded] = yield* withApi(async (fetch) => [
          await fetch("/api/revisions").then(async (response) => ({ status: response.status, body: (await response.json()) as RevisionsAnswer })),
          await fetch(`/api/tables/${limits.uid}/structure`).then((response) => response.json()),
          await fetch("/api/tables/00000000-0000-0000-0000-000000000000/structure").then(async (response) => ({
            status: response.status,
            body: await response.json()
          })),
          await fetch("/api/nodes/prices_0123/configuration").then(async (response) => ({
            status: response.status,
            body: await response.json()
          }))
        ] as const)
        assert.strictEqual(revisions.status, 200)
        assert.strictEqual(revisions.body.provider, "sdk_examples:sdk-examples")
        assert.deepStrictEqual(revisions.body.current, ["0002"])
        assert.deepStrictEqual(revisions.body.heads, ["0003"])
        assert.deepStrictEqual(
          revisions.body.revisions.map((revision) => [revision.id, revision.parents, revision.applied]),
          [["0003", ["0002"], false], ["0002", ["0001"], true], ["0001", [], true]]
        )
        const initial = revisions.body.revisions.find((revision) => revision.id === "0001")!
        assert.include(initial.sql, `CREATE TABLE "sdk_examples__account_limit"`)
        assert.include(initial.sql, "FOREIGN KEY")

        const document = structure as {
          readonly rowCount: number | null
          readonly indexes: ReadonlyArray<{ name: string; columns: ReadonlyArray<string>; unique: boolean; primary: boolean }>
          readonly foreignKeys: ReadonlyArray<{ name: string; columns: ReadonlyArray<string>; references: string; referencedColumns: ReadonlyArray<string> }>
        }
        assert.deepStrictEqual(
          document.indexes.map((index) => [index.name, index.columns, index.unique, index.primary]),
          [
            ["pk__sdk_examples__account_limit", ["uid"], true, true],
            ["uq__sdk_examples__account_limit__account_uid__limit_type", ["account_uid", "limit_type"], true, false]
          ]
        )
        assert.strictEqual(document.rowCount, 0)
        assert.strictEqual(document.foreignKeys.length, 1)
        assert.deepStrictEqual(document.foreignKeys[0]!.columns, ["account_uid"])
        assert.strictEqual(document.foreignKeys[0]!.references, "sdk_examples__account")
        assert.deepStrictEqual(document.foreignKeys[0]!.referencedColumns, ["uid"])

        assert.strictEqual(missing.status, 404)
        assert.strictEqual((missing.body as { _tag: string })._tag, "TableNotFound")
        assert.strictEqual(unrecorded.status, 404)
        assert.deepStrictEqual(unrecorded.body, { _tag: "NodeNotRecorded", updateHash: "prices_0123" })
      }).pipe(Effect.provide(services))
    ), 240_000)

  it("writes a revision's upgrade as one script, naming data migrations", () => {
    assert.strictEqual(upgradeScript([]), "-- (no statements)")
    assert.strictEqual(upgradeScript(["CREATE TABLE a (x int)", "  DROP TABLE b;  "]), "CREATE TABLE a (x int);\n\nDROP TABLE b;")
    assert.match(upgradeScript([(() => Effect.void) as never]), /^-- a data migration \(TypeScript\)/)
  })
})
