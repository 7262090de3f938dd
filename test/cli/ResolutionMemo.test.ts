/**
 * What the command line's resolution memo (src/cli/ResolutionMemo.ts) files an import under: the same key only
 * for imports that Node would resolve alike, none for the imports it leaves to Node.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import type * as NodeModule from "node:module"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { resolutionKey } from "../../src/cli/ResolutionMemo.ts"
import { repositoryRoot } from "../support/cli.ts"

const importing = (parentURL: string | undefined, extra: Partial<NodeModule.ResolveHookContext> = {}) => ({
  conditions: ["node", "import", "module-sync", "node-addons"],
  importAttributes: {},
  parentURL,
  ...extra
})

describe("the resolution memo's key", () => {
  it("is one for relative imports of the same file from different modules", () => {
    const fromDist = resolutionKey("./Effect.js", importing("file:///app/node_modules/effect/dist/Layer.js"))
    const fromInternal = resolutionKey("../Effect.js", importing("file:///app/node_modules/effect/dist/internal/core.js"))
    assert.isDefined(fromDist)
    assert.strictEqual(fromDist, fromInternal)
    assert.strictEqual(resolutionKey("/app/node_modules/effect/dist/Effect.js", importing("file:///app/x.js")), fromDist)
    assert.strictEqual(resolutionKey("file:///app/node_modules/effect/dist/Effect.js", importing("file:///app/x.js")), fromDist)
  })

  it("keeps the query of a relative import (revisions are imported by checksum)", () => {
    const parent = importing("file:///app/src/RevisionLoader.ts")
    assert.notStrictEqual(resolutionKey("./0001.ts?checksum=a", parent), resolutionKey("./0001.ts?checksum=b", parent))
  })

  it("files a package name by the directory it is imported from", () => {
    const key = (parent: string) => resolutionKey("effect/Effect", importing(parent))
    assert.strictEqual(key("file:///app/src/a.ts"), key("file:///app/src/b.ts"))
    assert.strictEqual(key("file:///app/src/a.ts"), key("file:///app/src/b.ts?checksum=1"))
    assert.notStrictEqual(key("file:///app/src/a.ts"), key("file:///app/src/cli/a.ts"))
    assert.notStrictEqual(key("file:///app/src/a.ts"), resolutionKey("#internal", importing("file:///app/src/a.ts")))
  })

  it("tells the import conditions apart", () => {
    const parent = "file:///app/src/a.ts"
    assert.notStrictEqual(
      resolutionKey("pkg", importing(parent)),
      resolutionKey("pkg", importing(parent, { conditions: ["node", "import", "development"] }))
    )
  })

  it("leaves to Node what it does not memoize", () => {
    const parent = "file:///app/src/a.ts"
    assert.isUndefined(resolutionKey("pkg", importing(parent, { conditions: ["node", "require"] })))
    assert.isUndefined(resolutionKey("./data.json", importing(parent, { importAttributes: { type: "json" } })))
    assert.isUndefined(resolutionKey("node:fs", importing(parent)))
    assert.isUndefined(resolutionKey("data:text/javascript,0", importing(parent)))
    assert.isUndefined(resolutionKey("./a.js", importing(undefined)))
    assert.isUndefined(resolutionKey("./a.js", importing("data:text/javascript,0")))
    assert.isUndefined(resolutionKey(".", importing(parent)))
  })

  it("in a process, a module imported by two paths is one module, and a new file is found", () => {
    const directory = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "metatables-resolution-memo-"))
    try {
      NodeFs.mkdirSync(NodePath.join(directory, "inner"))
      NodeFs.writeFileSync(NodePath.join(directory, "shared.mjs"), "export const identity = {}\n")
      NodeFs.writeFileSync(NodePath.join(directory, "inner", "a.mjs"), "export { identity } from '../shared.mjs'\n")
      NodeFs.writeFileSync(NodePath.join(directory, "data.json"), "{\"answer\": 42}\n")
      const memo = NodePath.join(repositoryRoot, "src", "cli", "ResolutionMemo.ts")
      const script = [
        `import { registerHooks } from "node:module"`,
        `import * as NodeFs from "node:fs"`,
        `const { installResolutionMemo } = await import(${JSON.stringify(memo)})`,
        `installResolutionMemo(registerHooks)`,
        `const one = await import(${JSON.stringify(NodePath.join(directory, "inner", "a.mjs"))})`,
        `const two = await import(${JSON.stringify(NodePath.join(directory, "shared.mjs"))})`,
        `const data = await import(${JSON.stringify(NodePath.join(directory, "data.json"))}, { with: { type: "json" } })`,
        `let missing = "found"`,
        `try { await import(${JSON.stringify(NodePath.join(directory, "later.mjs"))}) } catch (error) { missing = error.code }`,
        `NodeFs.writeFileSync(${JSON.stringify(NodePath.join(directory, "later.mjs"))}, "export const later = 1\\n")`,
        `const later = await import(${JSON.stringify(NodePath.join(directory, "later.mjs"))})`,
        `console.log(JSON.stringify({ same: one.identity === two.identity, answer: data.default.answer, missing, later: later.later }))`
      ].join("\n")
      const output = NodeChildProcess.execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        cwd: directory,
        encoding: "utf8"
      })
      assert.deepStrictEqual(JSON.parse(output), { same: true, answer: 42, missing: "ERR_MODULE_NOT_FOUND", later: 1 })
    } finally {
      NodeFs.rmSync(directory, { recursive: true, force: true })
    }
  })
})
