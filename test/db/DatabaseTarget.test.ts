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
import { parsePgPass, withPgPassPassword } from "../../src/db/PgPass.ts"

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

describe("parsePgPass and withPgPassPassword", () => {
  const entries = parsePgPass([
    "# comment",
    "",
    "db.example.com:5432:analytics:admin:first",
    "db.example.com:*:*:admin:second",
    "weird\\:host:5432:*:*:pa\\:ss\\\\word",
    "malformed:line",
    "localhost:5432:*:*:socket"
  ].join("\n"))

  it("reads fields, wildcards and escapes as libpq does, skipping comments and malformed lines", () => {
    assert.deepStrictEqual(entries.map((entry) => entry.password), ["first", "second", "pa:ss\\word", "socket"])
    assert.strictEqual(entries[2]!.host, "weird:host")
  })

  it("fills the first matching line's password into a URL without one", () => {
    const filled = (value: string) => Redacted.value(withPgPassPassword(Redacted.make(value), entries))
    assert.strictEqual(filled("postgres://admin@db.example.com/analytics"), "postgres://admin:first@db.example.com/analytics")
    assert.strictEqual(filled("postgres://admin@db.example.com:6543/other"), "postgres://admin:second@db.example.com:6543/other")
    assert.strictEqual(filled("postgres://admin:given@db.example.com/analytics"), "postgres://admin:given@db.example.com/analytics")
    assert.strictEqual(filled("postgres://nobody@unknown/x"), "postgres://nobody@unknown/x")
    // A password with URL-special characters survives the round trip.
    const special = parsePgPass("h:5432:d:u:p@ss/w?rd#1")
    const url = new URL(Redacted.value(withPgPassPassword(Redacted.make("postgres://u@h/d"), special)))
    assert.strictEqual(decodeURIComponent(url.password), "p@ss/w?rd#1")
  })
})

describe("resolveDatabaseTarget with URL files", () => {
  const file = (path: string, value: string) => Option.some({ path, url: Redacted.make(value) })

  it("orders --database-url, --database-url-file, DATABASE_URL, DATABASE_URL_FILE", () => {
    const shown = (inputs: Parameters<typeof resolveDatabaseTarget>[0]) =>
      describeDatabaseTarget(Result.getOrThrow(resolveDatabaseTarget(inputs)))
    const base = { databaseUrl: Option.none(), environmentUrl: Option.none(), projectRoot: "/p" }
    assert.strictEqual(
      shown({ ...base, databaseUrlFile: file("/f", "postgres://a@file/db"), environmentUrl: url("postgres://a@env/db") }),
      "postgres://a@file/db"
    )
    assert.strictEqual(
      shown({ ...base, environmentUrl: url("postgres://a@env/db"), environmentUrlFile: file("/e", "postgres://a@efile/db") }),
      "postgres://a@env/db"
    )
    assert.strictEqual(shown({ ...base, environmentUrlFile: file("/e", "postgres://a@efile/db") }), "postgres://a@efile/db")
  })

  it("refuses both flags, and names the file (never its contents) when its URL is bad", () => {
    const both = resolveDatabaseTarget({
      databaseUrl: url("postgres://a:secret@flag/db"),
      databaseUrlFile: file("/f", "postgres://a@file/db"),
      environmentUrl: Option.none(),
      projectRoot: "/p"
    })
    assert.isTrue(Result.isFailure(both))
    if (Result.isFailure(both)) {
      assert.include(both.failure.message, "pass only one")
      assert.notInclude(both.failure.message, "secret")
    }
    const bad = resolveDatabaseTarget({
      databaseUrl: Option.none(),
      databaseUrlFile: file("/run/secrets/db", "mysql://root:hunter2@x/db"),
      environmentUrl: Option.none(),
      projectRoot: "/p"
    })
    assert.isTrue(Result.isFailure(bad))
    if (Result.isFailure(bad)) {
      assert.include(bad.failure.message, "--database-url-file /run/secrets/db")
      assert.notInclude(bad.failure.message, "hunter2")
    }
  })
})
