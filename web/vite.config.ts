/**
 * Builds the dashboard into web/dist (committed: `serve` ships it without a build step) with relative asset
 * paths, so the page works wherever the server mounts it, and writes the build manifest (`build/sourcesHash.ts`).
 * `npm run build:web` runs it.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig, type Plugin } from "vite"
import { buildManifest, MANIFEST_NAME } from "./build/sourcesHash.ts"

const webDirectory = NodePath.dirname(fileURLToPath(import.meta.url))

const manifest = (): Plugin => {
  let outDir = NodePath.join(webDirectory, "dist")
  return {
    name: "metatables-build-manifest",
    apply: "build",
    configResolved(config) {
      outDir = NodePath.resolve(config.root, config.build.outDir)
    },
    closeBundle() {
      NodeFs.writeFileSync(NodePath.join(outDir, MANIFEST_NAME), `${JSON.stringify(buildManifest(outDir, webDirectory), null, 2)}\n`)
    }
  }
}

export default defineConfig({
  root: webDirectory,
  base: "./",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    reportCompressedSize: false,
    target: "es2022"
  },
  plugins: [manifest()]
})
