/**
 * Generated names that would collide, on both backends: tables `"PeerDup"` and `"peerdup"` (both `pk__peerdup`
 * by the SDK's rule) and columns `"a b"` and `"a_b"` (both `uq__t__a_b`). The SDK name stays with the entity
 * whose parts are already normal; the other gets a digest suffix, the same every time; the revision's
 * header and notes say so; the revision applies and round-trips.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert } from "@effect/vitest"
import { integer, pgTable, text, unique } from "drizzle-orm/pg-core"
import * as Effect from "effect/Effect"
import * as NodeFs from "node:fs"
import { autogenerate, emptySnapshot } from "../../src/migrations/Autogenerate.ts"
import { evolve } from "../support/evolve.ts"
import { describeBackends } from "../support/TestDatabase.ts"

const models = () => [
  pgTable("PeerDup", { id: integer().primaryKey() }),
  pgTable("peerdup", { id: integer().primaryKey() }),
  pgTable("t", { "a b": text().unique(), a_b: text().unique(), other: text() }, (table) => [unique().on(table.other)])
]

describeBackends("colliding generated names", (it) => {
  it.effect("are made distinct, deterministically, said in the header, and round-trip", () =>
    Effect.gen(function*() {
      const evolution = yield* evolve([{ tables: models() }])
      // Keys only (PostgreSQL 18 also lists NOT NULL constraints here).
      const constraints = evolution.shapes[1]!.constraints.filter((line) => /: (PRIMARY KEY|UNIQUE) /.test(line))
      const names = constraints.map((line) => line.split(" ")[1]!).sort()
      assert.strictEqual(new Set(names).size, names.length)
      assert.include(constraints, "public.peerdup pk__peerdup: PRIMARY KEY (id)")
      assert.include(constraints, "public.t uq__t__a_b: UNIQUE (a_b)")
      assert.include(constraints, "public.t uq__t__other: UNIQUE (other)")
      const renamedPk = constraints.find((line) => line.startsWith("public.PeerDup "))
      assert.match(String(renamedPk), /^public\.PeerDup pk__peerdup_[0-9a-f]{8}: PRIMARY KEY \(id\)$/)
      assert.isDefined(constraints.find((line) => /^public\.t uq__t__a_b_[0-9a-f]{8}: UNIQUE \("a b"\)$/.test(line)))

      const outcome = evolution.outcomes[0]!
      assert.strictEqual(outcome._tag, "Written")
      if (outcome._tag !== "Written") return
      assert.strictEqual(outcome.notes.length, 2)
      const header = NodeFs.readFileSync(outcome.path, "utf8")
      assert.include(header, " * Notes:")
      assert.match(header, /constraint pk__peerdup_[0-9a-f]{8} on public\.PeerDup is not pk__peerdup, the SDK's name, which public\.peerdup \(id\) has/)
      assert.match(header, /constraint uq__t__a_b_[0-9a-f]{8} on public\.t is not uq__t__a_b, the SDK's name, which public\.t \(a_b\) has/)
    }).pipe(Effect.provide(NodeFileSystem.layer)))

  it.effect("gives the same names whatever the order of the models, and reports a collision only once", () =>
    Effect.gen(function*() {
      const forward = yield* autogenerate({ tables: models(), baseline: yield* emptySnapshot, renames: [] })
      const backward = yield* autogenerate({ tables: [...models()].reverse(), baseline: yield* emptySnapshot, renames: [] })
      const namesOf = (statements: ReadonlyArray<string>) => statements.join("\n").match(/CONSTRAINT "[^"]+"/g)?.sort()
      assert.deepStrictEqual(namesOf(backward.upgrade), namesOf(forward.upgrade))
      const next = yield* autogenerate({
        tables: [...models(), pgTable("extra", { id: integer().primaryKey() })],
        baseline: forward.snapshot,
        renames: []
      })
      assert.deepStrictEqual(next.notes, [])
    }))
})
