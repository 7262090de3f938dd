/**
 * A served node's cadence: `freshFor` first, then the table's cadence, then a cron given for the node (update
 * hash before kind) or for every node; invalid or missing cadences name the node. When it is next due, with
 * one catch-up run after downtime.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import { cadenceMillis, cadenceOf, nextDueAt, tableCadenceDuration } from "../../src/serve/NodeCadence.ts"

const subject = (fields: { freshFor?: Duration.Input; tableCadence?: string; cron?: string } = {}) => ({
  kind: "Prices",
  updateHash: "prices_0123",
  freshFor: fields.freshFor,
  tableCadence: fields.tableCadence,
  cron: fields.cron
})

const ok = <A, E>(result: Result.Result<A, E>): A => {
  if (Result.isFailure(result)) assert.fail(`expected success, got ${String(result.failure)}`)
  return (result as Result.Success<A, E>).success
}
const problems = <A, E extends { readonly message: string }>(result: Result.Result<A, E>): string => {
  if (Result.isSuccess(result)) assert.fail("expected a failure")
  return (result as Result.Failure<A, E>).failure.message
}

describe("cadenceOf", () => {
  it("prefers freshFor, then the table's cadence, then a cron", () => {
    const fresh = ok(cadenceOf(subject({ freshFor: "10 minutes", tableCadence: "1d" }), { defaultCron: "* * * * *" }))
    assert.strictEqual(fresh._tag, "Every")
    assert.strictEqual(fresh._tag === "Every" && Duration.toMillis(fresh.every), 600_000)
    const table = ok(cadenceOf(subject({ tableCadence: "15m" }), { defaultCron: "* * * * *" }))
    assert.strictEqual(table._tag === "Every" && Duration.toMillis(table.every), 900_000)
    assert.strictEqual(table.source, "cadence 15m")
    const cron = ok(cadenceOf(subject(), { defaultCron: "*/5 * * * *" }))
    assert.strictEqual(cron._tag, "Cron")
    assert.include(cron.source, "*/5 * * * *")
  })

  it("takes a cron given for the node's update hash before one for its kind, and both before the default", () => {
    const byHash = ok(cadenceOf(subject(), { crons: { Prices: "0 * * * *", prices_0123: "30 * * * *" }, defaultCron: "* * * * *" }))
    assert.include(byHash.source, "30 * * * *")
    const byKind = ok(cadenceOf(subject(), { crons: { Prices: "0 * * * *" }, defaultCron: "* * * * *" }))
    assert.include(byKind.source, "0 * * * *")
  })

  it("takes the cron declared with the node after freshFor and the table's cadence, before the default", () => {
    const declared = ok(cadenceOf(subject({ cron: "0 6 * * 1-5" }), { defaultCron: "* * * * *" }))
    assert.strictEqual(declared._tag, "Cron")
    assert.strictEqual(declared.source, `cron "0 6 * * 1-5" (with the node's declaration)`)
    const table = ok(cadenceOf(subject({ cron: "0 6 * * 1-5", tableCadence: "1d" })))
    assert.strictEqual(table.source, "cadence 1d")
    const overridden = ok(cadenceOf(subject({ cron: "0 6 * * 1-5" }), { crons: { Prices: "0 7 * * *" } }))
    assert.include(overridden.source, "0 7 * * *", "the command line's cron for the node wins")
    assert.include(
      problems(cadenceOf(subject({ cron: "at six" }))),
      `the cron "at six" given with the node's declaration for Prices (prices_0123) is not valid`
    )
  })

  it("reads every cadence unit, months, quarters and years as 30, 91 and 365 days", () => {
    const day = 86_400_000
    const cases: ReadonlyArray<readonly [string, number]> = [
      ["30s", 30_000], ["15m", 900_000], ["2h", 7_200_000], ["1d", day], ["1w", 7 * day], ["1mo", 30 * day],
      ["1q", 91 * day], ["1y", 365 * day]
    ]
    for (const [token, millis] of cases) assert.strictEqual(Duration.toMillis(tableCadenceDuration(token)!), millis, token)
    assert.isUndefined(tableCadenceDuration("0d"))
    assert.isUndefined(tableCadenceDuration("1 day"))
  })

  it("refuses a node with no cadence, an invalid cron and a freshFor that is not positive, naming the node", () => {
    assert.include(problems(cadenceOf(subject())), "Prices (prices_0123) has no freshFor, its table no cadence")
    assert.include(problems(cadenceOf(subject(), { defaultCron: "every minute" })), `the cron "every minute" given for every node`)
    assert.include(problems(cadenceOf(subject(), { crons: { Prices: "61 * * * *" } })), "for Prices (prices_0123) is not valid")
    assert.include(problems(cadenceOf(subject({ freshFor: 0 }))), "freshFor of Prices (prices_0123) must be a positive")
  })
})

describe("nextDueAt", () => {
  const every = ok(cadenceOf(subject({ freshFor: "1 minute" })))
  const cron = ok(cadenceOf(subject(), { defaultCron: "*/5 * * * *" }))
  const t = (iso: string) => new Date(iso)

  it("is now for a node that never ran", () => {
    assert.deepStrictEqual(nextDueAt(every, undefined, t("2026-01-01T10:00:30Z")), t("2026-01-01T10:00:30Z"))
  })

  it("counts from the last run's start", () => {
    assert.deepStrictEqual(nextDueAt(every, t("2026-01-01T10:00:00Z"), t("2026-01-01T10:00:30Z")), t("2026-01-01T10:01:00Z"))
    assert.deepStrictEqual(nextDueAt(cron, t("2026-01-01T10:01:00Z"), t("2026-01-01T10:02:00Z")), t("2026-01-01T10:05:00Z"))
  })

  it("after downtime is now, once: the run after it counts from that run", () => {
    const now = t("2026-01-01T13:00:10Z")
    assert.deepStrictEqual(nextDueAt(every, t("2026-01-01T10:00:00Z"), now), now)
    assert.deepStrictEqual(nextDueAt(cron, t("2026-01-01T10:00:00Z"), now), now)
    assert.deepStrictEqual(nextDueAt(every, now, now), t("2026-01-01T13:01:10Z"))
    assert.deepStrictEqual(nextDueAt(cron, now, now), t("2026-01-01T13:05:00Z"))
  })

  it("gives a cron's interval from its next two runs", () => {
    assert.strictEqual(cadenceMillis(cron, t("2026-01-01T10:02:00Z")), 300_000)
    assert.strictEqual(cadenceMillis(every, t("2026-01-01T10:02:00Z")), 60_000)
  })
})
