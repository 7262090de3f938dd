/**
 * Target resolution (flag, then DATABASE_URL, then the embedded default) and password redaction.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import {
  databaseUrlSecrets,
  describeDatabaseTarget,
  redactDatabaseUrl,
  resolveDatabaseTarget
} from "../../src/db/DatabaseTarget.ts"

const url = (value: string) => Option.some(Redacted.make(value))

const resolve = (databaseUrl: Option.Option<Redacted.Redacted<string>>, environmentUrl = Option.none<Redacted.Redacted<string>>()) =>
  resolveDatabaseTarget({ databaseUrl, environmentUrl, projectRoot: "/project" })

describe("resolveDatabaseTarget", () => {
  it("prefers --database-url over DATABASE_URL", () => {
    const target = Result.getOrThrow(resolve(url("postgres://a@flag/db"), url("postgres://a@env/db")))
    assert.strictEqual(describeDatabaseTarget(target), "postgres://a@flag/db")
  })

  it("uses DATABASE_URL when no flag is given", () => {
    const target = Result.getOrThrow(resolve(Option.none(), url("postgresql://a@env:6543/db")))
    assert.strictEqual(target._tag, "Server")
    assert.strictEqual(describeDatabaseTarget(target), "postgresql://a@env:6543/db")
  })

  it("falls back to the embedded database under the project root, also for an empty DATABASE_URL", () => {
    for (const environment of [Option.none<Redacted.Redacted<string>>(), url("  ")]) {
      const target = Result.getOrThrow(resolve(Option.none(), environment))
      assert.deepStrictEqual(target, { _tag: "Embedded", dataDir: "/project/.metatables/pgdata" })
    }
  })

  it.each([
    ["mysql://root:hunter2@host/db", /scheme "mysql"/],
    ["not a url at all hunter2", /is not a valid URL/],
    ["postgres:///db?password=hunter2", /names no host/],
    ["", /is empty/]
  ])("rejects %s with a message that names the problem and hides the password", (value, problem) => {
    const result = resolve(url(value))
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "InvalidDatabaseUrlError")
      assert.match(result.failure.message, problem)
      assert.match(result.failure.message, /--database-url/)
      assert.notInclude(result.failure.message, "hunter2")
    }
  })
})

describe("redactDatabaseUrl", () => {
  it.each([
    ["postgres://user:hunter2@host:5432/db", "postgres://user:***@host:5432/db"],
    ["postgres://user@host/db", "postgres://user@host/db"],
    ["postgres://host/db?sslmode=require&password=hunter2", "postgres://host/db?sslmode=require&password=***"],
    ["postgres://us%40er:p%40ss%3Aword@host/db", "postgres://us%40er:***@host/db"],
    ["garbage hunter2", "<unparseable database URL>"]
  ])("%s -> %s", (input, expected) => {
    assert.strictEqual(redactDatabaseUrl(input), expected)
  })

  it("treats a URL without a password as no secret", () => {
    assert.deepStrictEqual(databaseUrlSecrets("postgres://postgres@127.0.0.1:5432/postgres"), [])
  })

  it("lists every form of the password as a secret, encoded and decoded", () => {
    const secrets = databaseUrlSecrets("postgres://u:p%40ss@h/db?password=other")
    for (const secret of ["p%40ss", "p@ss", "other", "postgres://u:p%40ss@h/db?password=other"]) {
      assert.include(secrets, secret)
    }
  })
})
