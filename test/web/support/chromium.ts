/**
 * Debian's Chromium for the dashboard's browser tests, installed where it is missing (as root, with apt-get,
 * without questions), and its launch for playwright-core. Never a skip: a machine that cannot have Chromium
 * fails the suite, saying why.
 */
import * as NodeChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import { type Browser, chromium } from "playwright-core"

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

/**
 * apt-get, waiting up to ten minutes for dpkg's lock rather than failing at once: two suites started at once on
 * a machine without Chromium (`npm test` twice, say) both install it, and the second then finds it there.
 */
const aptGet = (args: ReadonlyArray<string>): void => {
  NodeChildProcess.execFileSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 600_000
  })
}

/** The path of a Chromium that runs, installing Debian's package first where it is missing. */
export const ensureChromium = (): string => {
  if (NodeFs.existsSync(chromiumPath)) return chromiumPath
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is not at ${chromiumPath} and this user cannot install it: run \`apt-get install -y chromium\` as ` +
        "root (or set CHROMIUM_PATH to a Chromium) before the dashboard tests."
    )
  }
  process.stderr.write(`Chromium is not at ${chromiumPath}: installing Debian's chromium package (apt-get)...\n`)
  try {
    aptGet(["install", "-y", "-q", "chromium"])
  } catch {
    // The package lists may be missing or stale on a fresh machine.
    aptGet(["update", "-q"])
    aptGet(["install", "-y", "-q", "chromium"])
  }
  if (!NodeFs.existsSync(chromiumPath)) throw new Error(`apt-get installed chromium, yet ${chromiumPath} is not there.`)
  return chromiumPath
}

/** Headless Chromium as this machine needs it: no sandbox as root, nothing that reaches past loopback. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
