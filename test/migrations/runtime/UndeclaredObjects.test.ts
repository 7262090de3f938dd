/**
 * Which triggers, functions, policies and rules the revisions' SQL declares, by name as PostgreSQL stores it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { declaredObjectNames } from "../../../src/migrations/runtime/UndeclaredObjects.ts"

describe("declaredObjectNames", () => {
  it("reads every kind, folds unquoted names, keeps quoted ones, skips data migrations and downgrades", () => {
    const names = declaredObjectNames([
      {
        upgrade: [
          `CREATE OR REPLACE FUNCTION app.Audit_Writer() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql`,
          `create constraint trigger "Keep Order" after insert on t deferrable for each row execute function app.audit_writer()`,
          `CREATE TRIGGER audit AFTER UPDATE ON "t" FOR EACH STATEMENT EXECUTE FUNCTION app.audit_writer();
           CREATE POLICY "Own rows" ON t USING (true); CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING`,
          () => Effect.void
        ]
      },
      { upgrade: [`CREATE PROCEDURE "Other"."Tidy"() LANGUAGE sql AS $$ SELECT 1 $$`] }
    ])
    assert.deepStrictEqual([...names.get("function")!].sort(), ["Tidy", "audit_writer"])
    assert.deepStrictEqual([...names.get("trigger")!].sort(), ["Keep Order", "audit"])
    assert.deepStrictEqual([...names.get("policy")!], ["Own rows"])
    assert.deepStrictEqual([...names.get("rule")!], ["no_delete"])
  })
})
