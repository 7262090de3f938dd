/**
 * Reading SQL text as PostgreSQL's lexer does: statements split at top-level semicolons only, and the
 * transaction-control commands a transactional revision may not contain are recognised (and only those).
 */
import { assert, describe, it } from "@effect/vitest"
import { splitSqlStatements, transactionControlCommand } from "../../src/db/SqlScript.ts"
import { revisionExportProblems } from "../../src/migrations/files/Revision.ts"

describe("splitSqlStatements", () => {
  it("splits at semicolons outside quotes, dollar quotes and comments", () => {
    assert.deepStrictEqual(
      splitSqlStatements(
        `CREATE TABLE "a;b" (x text DEFAULT 'c;d');  -- one; still a comment\n` +
          `/* two; /* nested; */ */ CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql;` +
          `SELECT E'it\\'s;', $$x;$$;;  COMMIT`
      ),
      [
        `CREATE TABLE "a;b" (x text DEFAULT 'c;d')`,
        "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql",
        "SELECT E'it\\'s;', $$x;$$",
        "COMMIT"
      ]
    )
  })
})

describe("transactionControlCommand", () => {
  it("names BEGIN, COMMIT, ROLLBACK, SAVEPOINT and their spellings, and nothing else", () => {
    assert.deepStrictEqual(
      ["begin", "START TRANSACTION ISOLATION LEVEL SERIALIZABLE", "/* c */ COMMIT", "end", "rollback to savepoint s",
        "SAVEPOINT s", "RELEASE s", "ABORT", "PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'"].map(transactionControlCommand),
      ["BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "ABORT", "PREPARE TRANSACTION", "COMMIT"]
    )
    for (const statement of ["CREATE TABLE begin_log (id int)", "DO $$ BEGIN PERFORM 1; END $$", "PREPARE q AS SELECT 1", "START"]) {
      assert.isUndefined(transactionControlCommand(statement), statement)
    }
  })
})

describe("revisionExportProblems", () => {
  const exports = (upgrade: ReadonlyArray<string>, transactional?: boolean) => ({
    id: "0001",
    parents: [],
    message: "m",
    createdAt: "2026-01-01T00:00:00.000Z",
    ...(transactional === undefined ? {} : { transactional }),
    upgrade,
    downgrade: []
  })

  it("refuses transaction control inside a transactional revision, naming the operation, and allows it otherwise", () => {
    const [problem] = revisionExportProblems(exports(["CREATE TABLE t (id int)", "CREATE TABLE u (id int); COMMIT; DROP TABLE t"]))
    assert.include(problem ?? "", "`upgrade[1]` contains COMMIT: a transactional revision runs in the one transaction")
    assert.include(problem ?? "", "export `transactional = false`")
    assert.deepStrictEqual(revisionExportProblems(exports(["COMMIT"], false)), [])
    assert.deepStrictEqual(revisionExportProblems(exports(["CREATE TABLE begin_log (id int)"])), [])
  })
})
