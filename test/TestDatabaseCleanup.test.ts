/**
 * The harness's promise that a test's server database leaves nothing behind: `createServerDatabase` and
 * `scopedServerDatabase` drop the database and every role metatables made for it (credential, owner and run
 * roles, which are the server's), and nothing of another database; the teardown's guard tells a role whose
 * database is gone from one whose database lives.
 */
import { assert, describe, it } from "@effect/vitest"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"
import { inject } from "vitest"
import { credentialRolePrefix, ownerRoleName, runRoleName } from "../src/catalog/ProviderRoles.ts"
import { rolesWithoutDatabase } from "./support/serverCleanup.ts"
import { adminPsql, createServerDatabase, scopedServerDatabase } from "./support/TestDatabase.ts"

const server = inject("metatablesServer")

/** The three kinds of role metatables makes for `database`, the credential role a member of the owner role. */
const rolesFor = (database: string): ReadonlyArray<string> => [
  `${credentialRolePrefix(database)}0123abcd`,
  ownerRoleName(database, "cleanup_cleanup"),
  runRoleName(database, "cleanup_cleanup")
]

const makeRoles = (psql: ReturnType<typeof adminPsql>, database: string): void => {
  const [credential, owner, run] = rolesFor(database)
  psql(`CREATE ROLE "${owner}" NOLOGIN`)
  psql(`CREATE ROLE "${run}" NOLOGIN`)
  psql(`CREATE ROLE "${credential}" LOGIN IN ROLE "${owner}"`)
}

const existing = (psql: ReturnType<typeof adminPsql>, roles: ReadonlyArray<string>): ReadonlyArray<string> => {
  const list = psql(`SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN (${roles.map((role) => `'${role}'`).join(", ")})`)
  return list === "" ? [] : list.split(",")
}

describe("a test's server database", () => {
  it("a role is left over when its database is gone, not while it lives, and only roles metatables makes count", () => {
    const roles = [...rolesFor("gone"), ...rolesFor("living"), "mt_migration_login", "someone"]
    assert.deepStrictEqual(rolesWithoutDatabase(roles, ["living", "postgres"]), rolesFor("gone"))
    assert.deepStrictEqual(rolesWithoutDatabase(roles, ["gone", "living"]), [])
  })

  it.skipIf(!server.available)("createServerDatabase drops the database and its roles, and no other database's", () => {
    const psql = adminPsql(server.url)
    const database = createServerDatabase(server.url, "mt_cleanup")
    const other = createServerDatabase(server.url, "mt_cleanup")
    makeRoles(psql, database.name)
    makeRoles(psql, other.name)
    assert.strictEqual(psql("SELECT current_database()", database.name), database.name, "its URL's database exists")
    database.drop()
    database.drop()
    assert.strictEqual(psql(`SELECT count(*) FROM pg_database WHERE datname = '${database.name}'`), "0")
    assert.deepStrictEqual(existing(psql, rolesFor(database.name)), [])
    assert.deepStrictEqual(existing(psql, rolesFor(other.name)), [...rolesFor(other.name)].sort())
    // `other` is dropped, with its roles, when this test ends.
  })

  it.live.skipIf(!server.available)("scopedServerDatabase drops the database and its roles when its scope closes", () =>
    Effect.gen(function*() {
      const psql = adminPsql(server.url)
      const name = yield* Effect.scoped(Effect.gen(function*() {
        const name = yield* scopedServerDatabase("mt_cleanup")
        makeRoles(psql, name)
        assert.strictEqual(existing(psql, rolesFor(name)).length, 3)
        return name
      }))
      assert.strictEqual(psql(`SELECT count(*) FROM pg_database WHERE datname = '${name}'`), "0")
      assert.deepStrictEqual(existing(psql, rolesFor(name)), [])
    }).pipe(
      Effect.provideServiceEffect(SqlClient.SqlClient, PgClient.make({ url: Redacted.make(server.url), maxConnections: 1 })),
      Effect.provide(Reactivity.layer),
      Effect.scoped
    ))
})
