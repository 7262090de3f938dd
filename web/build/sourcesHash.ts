/**
 * A fingerprint of everything the built dashboard is made from: the files under web/src, index.html, the
 * build configuration, and the exact versions of the packages bundled into it (from package-lock.json). The
 * build writes it into web/dist/build-manifest.json; a test recomputes it, so a source changed without
 * `npm run build:web` fails the suite instead of shipping a stale page.
 */
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"

/** The packages whose code ends up in the built files, and the build tool. */
export const BUNDLED_PACKAGES = ["preact", "uplot", "@dagrejs/dagre", "@dagrejs/graphlib", "vite"] as const

export const MANIFEST_NAME = "build-manifest.json"

export interface BuildManifest {
  readonly version: 1
  readonly sourcesHash: string
  /** Every built file (relative to web/dist, `/` separated) and the SHA-256 of its bytes. */
  readonly files: Readonly<Record<string, string>>
}

const listFiles = (directory: string): ReadonlyArray<string> =>
  NodeFs.readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => {
      const path = NodePath.join(directory, entry.name)
      return entry.isDirectory() ? listFiles(path) : [path]
    })

export const sha256 = (bytes: string | Uint8Array): string => NodeCrypto.createHash("sha256").update(bytes).digest("hex")

/** The fingerprint of the dashboard's sources in `webDirectory` (the repository's web/). */
export const sourcesHash = (webDirectory: string): string => {
  const root = NodePath.resolve(webDirectory)
  const files = [
    ...listFiles(NodePath.join(root, "src")),
    ...listFiles(NodePath.join(root, "build")),
    NodePath.join(root, "index.html"),
    NodePath.join(root, "vite.config.ts")
  ]
    .map((path) => NodePath.relative(root, path).split(NodePath.sep).join("/"))
    .sort()
  const hash = NodeCrypto.createHash("sha256")
  for (const file of files) {
    hash.update(`${file}\0`)
    // Line endings normalised, so a checkout with CRLF gives the same fingerprint.
    hash.update(NodeFs.readFileSync(NodePath.join(root, file), "utf8").replace(/\r\n/g, "\n"))
    hash.update("\0")
  }
  const lock = JSON.parse(NodeFs.readFileSync(NodePath.join(root, "..", "package-lock.json"), "utf8")) as {
    readonly packages?: Readonly<Record<string, { readonly version?: string }>>
  }
  for (const name of BUNDLED_PACKAGES) hash.update(`${name}@${lock.packages?.[`node_modules/${name}`]?.version ?? "missing"}\0`)
  return hash.digest("hex")
}

/** The manifest of a built directory: its files' hashes beside the sources' fingerprint. */
export const buildManifest = (distDirectory: string, webDirectory: string): BuildManifest => {
  const root = NodePath.resolve(distDirectory)
  const files = listFiles(root)
    .map((path) => NodePath.relative(root, path).split(NodePath.sep).join("/"))
    .filter((file) => file !== MANIFEST_NAME)
    .sort()
  return {
    version: 1,
    sourcesHash: sourcesHash(webDirectory),
    files: Object.fromEntries(files.map((file) => [file, sha256(NodeFs.readFileSync(NodePath.join(root, file)))]))
  }
}
