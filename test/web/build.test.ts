/**
 * The committed dashboard build (web/dist) is what the sources build to: its manifest's fingerprint matches the
 * sources, every file it lists is there with those bytes, the page loads only files that exist, and a fresh
 * build into a scratch folder gives the same files. Run `npm run build:web` when this fails.
 */
import { assert, describe, it } from "@effect/vitest"
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { type BuildManifest, buildManifest, MANIFEST_NAME, sha256, sourcesHash } from "../../web/build/sourcesHash.ts"

const repository = NodePath.resolve(import.meta.dirname, "../..")
const web = NodePath.join(repository, "web")
const dist = NodePath.join(web, "dist")
const hint = "web/dist is stale: run `npm run build:web` and commit web/dist"

const readManifest = (directory: string): BuildManifest =>
  JSON.parse(NodeFs.readFileSync(NodePath.join(directory, MANIFEST_NAME), "utf8")) as BuildManifest

describe("the committed dashboard build", () => {
  it("was built from the current sources", () => {
    assert.strictEqual(readManifest(dist).sourcesHash, sourcesHash(web), hint)
  })

  it("holds exactly the files its manifest lists, byte for byte", () => {
    const manifest = readManifest(dist)
    assert.deepStrictEqual(buildManifest(dist, web).files, manifest.files, hint)
    assert.isDefined(manifest.files["index.html"])
    for (const [file, hash] of Object.entries(manifest.files)) {
      assert.strictEqual(sha256(NodeFs.readFileSync(NodePath.join(dist, file))), hash, file)
    }
  })

  it("loads only hashed assets that exist, by relative paths", () => {
    const html = NodeFs.readFileSync(NodePath.join(dist, "index.html"), "utf8")
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)
    assert.isAtLeast(assets.filter((asset) => asset.endsWith(".js")).length, 1)
    for (const asset of assets) {
      assert.match(asset, /^\.\/assets\/[\w.-]+-[\w-]{8}\.(js|css)$/, asset)
      assert.isTrue(NodeFs.existsSync(NodePath.join(dist, asset)), asset)
    }
  })

  it("is what a fresh build makes", () => {
    const scratch = NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "metatables-web-"))
    try {
      const vite = NodePath.join(repository, "node_modules", ".bin", "vite")
      NodeChildProcess.execFileSync(vite, ["build", "--config", "web/vite.config.ts", "--outDir", scratch, "--emptyOutDir"], {
        cwd: repository,
        stdio: "pipe",
        // vitest sets NODE_ENV=test, which would make vite bundle development builds of the libraries.
        env: { ...process.env, NODE_ENV: "production" }
      })
      assert.deepStrictEqual(readManifest(scratch), readManifest(dist), hint)
    } finally {
      NodeFs.rmSync(scratch, { recursive: true, force: true })
    }
  }, 120_000)
})
