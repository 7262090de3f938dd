/**
 * Naming, byte for byte as the Python SDK: every expected value in fixtures/naming_cases.json was produced by
 * fixtures/naming_reference.py, an independent Python implementation of the reference algorithms that uses
 * Python's own str.strip(), str.isalnum() and hashlib (rerun it to regenerate the file): table names, bounded
 * identifiers, version-directory slugs, parsed table names and constraint names.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Result from "effect/Result"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import {
  boundedIdentifierResult,
  namespaceVersionSlug,
  parseSchemaTableName,
  schemaCheckConstraintName,
  schemaCheckConstraintNameResult,
  schemaForeignKeyName,
  schemaForeignKeyNameResult,
  schemaIndexName,
  schemaIndexNameResult,
  schemaPrimaryKeyName,
  schemaTableName,
  schemaTableNameResult,
  schemaUniqueConstraintName,
  schemaUniqueConstraintNameResult
} from "../../src/storage/Naming.ts"

interface Case<Ok = string> {
  readonly args: ReadonlyArray<string | null>
  readonly ok?: Ok
  readonly error?: string
}
interface ConstraintCase {
  readonly builder: "index" | "foreign_key" | "primary_key" | "unique" | "check"
  readonly args: ReadonlyArray<unknown>
  readonly ok?: string
  readonly error?: string
}
interface ParsedName {
  readonly app: string
  readonly concept: string
  readonly suffix: string | null
}
const cases = JSON.parse(
  NodeFs.readFileSync(NodePath.join(import.meta.dirname, "fixtures", "naming_cases.json"), "utf8")
) as Record<"schemaTableName" | "boundedIdentifier" | "namespaceVersionSlug", ReadonlyArray<Case>> & {
  readonly parseSchemaTableName: ReadonlyArray<Case<ParsedName>>
  readonly constraintName: ReadonlyArray<ConstraintCase>
}

const label = (testCase: { readonly args: ReadonlyArray<unknown> }) => JSON.stringify(testCase.args).slice(0, 80)

/** The TypeScript message starts with the Python SDK's sentence (it may add the value and a reason). */
const assertSameError = (result: Result.Result<unknown, { readonly message: string }>, expected: string) => {
  assert.isTrue(Result.isFailure(result), `expected the error "${expected}"`)
  if (Result.isFailure(result)) assert.include(result.failure.message, expected.replace(/\.$/, ""))
}

describe("schemaTableName", () => {
  for (const testCase of cases.schemaTableName) {
    it(label(testCase), () => {
      const [app, concept, suffix] = testCase.args
      const result = schemaTableNameResult(app!, concept!, suffix ?? undefined)
      if (testCase.ok !== undefined) {
        assert.strictEqual(Result.getOrThrow(result), testCase.ok)
        assert.isAtMost(testCase.ok.length, 63)
      } else assertSameError(result, testCase.error!)
    })
  }

  it("throws the tagged error from the declaration form", () => {
    assert.throws(() => schemaTableName("app", ""), /Schema table name concept is required/)
  })
})

describe("boundedIdentifier", () => {
  for (const testCase of cases.boundedIdentifier) {
    it(label(testCase), () => {
      const result = boundedIdentifierResult(...(testCase.args as ReadonlyArray<string>))
      if (testCase.ok !== undefined) assert.strictEqual(Result.getOrThrow(result), testCase.ok)
      else assertSameError(result, testCase.error!)
    })
  }
})

describe("namespaceVersionSlug", () => {
  for (const testCase of cases.namespaceVersionSlug) {
    it(label(testCase), () => {
      assert.strictEqual(namespaceVersionSlug(testCase.args[0] ?? undefined), testCase.ok)
    })
  }
})

describe("parseSchemaTableName, as the SDK parses", () => {
  for (const testCase of cases.parseSchemaTableName) {
    it(label(testCase), () => {
      const result = parseSchemaTableName(testCase.args[0]!)
      if (testCase.ok !== undefined) {
        const { app, concept, suffix } = testCase.ok
        assert.deepStrictEqual(Result.getOrThrow(result), { app, concept, suffix: suffix ?? undefined })
      } else assertSameError(result, testCase.error!)
    })
  }
})

describe("constraint names, as the SDK names them", () => {
  const build = (testCase: ConstraintCase): Result.Result<string, { readonly message: string }> => {
    const args = testCase.args as ReadonlyArray<never>
    switch (testCase.builder) {
      case "index":
        return schemaIndexNameResult(args[0]!, args[1]!, { unique: args[2] ?? false })
      case "foreign_key":
        return schemaForeignKeyNameResult(args[0]!, args[1]!, args[2]!, args[3]!)
      case "primary_key":
        return Result.succeed(schemaPrimaryKeyName(args[0]!))
      case "unique":
        return schemaUniqueConstraintNameResult(args[0]!, args[1]!)
      case "check":
        return schemaCheckConstraintNameResult(args[0]!, args[1] ?? undefined)
    }
  }
  for (const testCase of cases.constraintName) {
    it(`${testCase.builder} ${label(testCase)}`, () => {
      const result = build(testCase)
      if (testCase.ok !== undefined) {
        assert.strictEqual(Result.getOrThrow(result), testCase.ok)
        assert.isAtMost(testCase.ok.length, 63)
      } else assertSameError(result, testCase.error!)
    })
  }

  it("reports a bad column before a bad table, naming the column", () => {
    const result = schemaIndexNameResult("!!", ["?"])
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure.field, "column")
      assert.strictEqual(result.failure.value, "?")
    }
  })
})

describe("constraint names", () => {
  const table = "example_project__daily_metrics"
  const expected = (args: ReadonlyArray<string>) =>
    cases.boundedIdentifier.find((testCase) => JSON.stringify(testCase.args) === JSON.stringify(args))!.ok

  it("follows ix/uix/fk/pk/uq/ck", () => {
    assert.strictEqual(
      schemaIndexName(table, ["entity_identifier"]),
      "ix__example_project__daily_metrics__entity_identifier"
    )
    assert.strictEqual(
      schemaIndexName(table, ["time_index", "entity_identifier"], { unique: true }),
      expected(["uix", table, "time_index", "entity_identifier"])
    )
    assert.strictEqual(
      schemaForeignKeyName("example_project__account_positions", ["account_uid"], "example_project__account", ["uid"]),
      expected(["fk", "example_project__account_positions", "account_uid", "example_project__account", "uid"])
    )
    assert.strictEqual(schemaPrimaryKeyName("example_project__account"), "pk__example_project__account")
    assert.strictEqual(
      schemaUniqueConstraintName("example_project__account", ["account_code"]),
      "uq__example_project__account__account_code"
    )
    assert.strictEqual(schemaCheckConstraintName("example_project__account"), "ck__example_project__account")
    assert.strictEqual(
      schemaCheckConstraintName("example_project__account", "positive balance"),
      "ck__example_project__account__positive_balance"
    )
  })

  it("requires at least one column, except among a foreign key's target columns", () => {
    assert.throws(() => schemaIndexName(table, []), /columns is required/)
    assert.throws(() => schemaUniqueConstraintName(table, []), /columns is required/)
    assert.throws(() => schemaForeignKeyName(table, [], "target", ["a"]), /columns is required/)
    assert.strictEqual(schemaForeignKeyName(table, ["a"], "target", []), `fk__${table}__a__target`)
    assert.strictEqual(schemaCheckConstraintName(table, ""), `ck__${table}`)
  })
})

describe("parseSchemaTableName", () => {
  it("splits app, concept and suffix (everything after the second __)", () => {
    assert.deepStrictEqual(Result.getOrThrow(parseSchemaTableName("ms_markets__asset__mainsequence_examples")), {
      app: "ms_markets",
      concept: "asset",
      suffix: "mainsequence_examples"
    })
    assert.deepStrictEqual(Result.getOrThrow(parseSchemaTableName("a__b__c__d")), { app: "a", concept: "b", suffix: "c__d" })
    assert.deepStrictEqual(Result.getOrThrow(parseSchemaTableName("sdk_examples__account")), {
      app: "sdk_examples",
      concept: "account",
      suffix: undefined
    })
  })

  it("round-trips names that were not shortened", () => {
    const name = schemaTableName("ms-markets", "Asset", "mainsequence.examples")
    const parts = Result.getOrThrow(parseSchemaTableName(name))
    assert.strictEqual(schemaTableName(parts.app, parts.concept, parts.suffix), name)
  })

  it.each([
    ["account", "expected app__concept[__suffix]"],
    ["", "Schema table name is required"],
    ["__account", "Schema table name part is required"],
    ["app__", "Schema table name part is required"]
  ])("refuses %j", (name, expected) => {
    const result = parseSchemaTableName(name)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.include(result.failure.message, expected)
  })
})
