/**
 * The dashboard as a person sees it, in a real headless Chromium (Debian's, driven by playwright-core) against
 * `metatables serve` of the example graph on a fresh server database: the tables with their names, a table's
 * columns and a chart that drew its points, the revision graph, the DataNode graph with each node's state in
 * words, and a run requested from a node's page with the token, followed until it shows in the page without a
 * reload. Keyboard and laptop width are checked on the way. Each page is saved as a screenshot in
 * test-results/dashboard/ (git-ignored). No Chromium is a failure, never a skip: it is installed where missing.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import type { Browser, Page } from "playwright-core"
import { inject } from "vitest"
import { repositoryRoot } from "../support/cli.ts"
import { launchChromium } from "./support/chromium.ts"
import { type ServedExample, serveExample } from "./support/serveExample.ts"

/** The page's document, as the callbacks that run in Chromium use it (this suite's types have no DOM). */
declare const document: {
  querySelector(selector: string): { readonly textContent: string | null; getAttribute(name: string): string | null } | null
  querySelectorAll(selector: string): { readonly length: number }
  readonly documentElement: { readonly scrollWidth: number }
}
declare const MutationObserver: new (callback: () => void) => {
  observe(target: unknown, options: { subtree: boolean; childList: boolean; characterData: boolean }): void
}

const server = inject("metatablesServer")
const screenshots = NodePath.join(repositoryRoot, "test-results", "dashboard")

const shoot = async (page: Page, name: string): Promise<void> => {
  NodeFs.mkdirSync(screenshots, { recursive: true })
  await page.screenshot({ path: NodePath.join(screenshots, `${name}.png`), fullPage: true })
}

/** Pixels of a canvas that are neither blank nor the white background: what the chart actually drew. */
const drawnPixels = (page: Page, selector: string): Promise<number> =>
  page.locator(selector).first().evaluate((host) => {
    const canvas = host.querySelector("canvas")
    if (canvas === null) return 0
    const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data
    let drawn = 0
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! > 0 && !(data[i]! > 240 && data[i + 1]! > 240 && data[i + 2]! > 240)) drawn++
    }
    return drawn
  })

describe("the dashboard in Chromium", () => {
  let served: ServedExample
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    if (!server.available) throw new Error(`The dashboard suite needs the PostgreSQL test server: ${server.reason}`)
    browser = await launchChromium()
    served = await serveExample(server.url)
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    page.setDefaultTimeout(30_000)
  }, 600_000)

  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  }, 120_000)

  it("lists the example project's tables with namespace, status, provider and revision", async () => {
    await page.goto(served.address)
    await page.getByRole("heading", { name: "Tables" }).waitFor()
    const prices = page.getByRole("row").filter({ has: page.getByRole("link", { name: "sdk_examples.prices", exact: true }) })
    await prices.waitFor()
    const cells = await prices.getByRole("cell").allInnerTexts()
    assert.include(cells.join(" | "), "market-data")
    assert.include(cells.join(" | "), "active")
    assert.include(cells.join(" | "), "0003")
    for (const name of ["sdk_examples.asset_returns", "sdk_examples.asset_volatility", "sdk_examples.account_positions"]) {
      assert.isTrue(await page.getByRole("link", { name, exact: true }).isVisible(), name)
    }
    // Laptop widths: the page itself never scrolls sideways (wide tables scroll inside their own box).
    assert.isAtMost(await page.evaluate(() => document.documentElement.scrollWidth), 1280)
    await page.setViewportSize({ width: 1024, height: 768 })
    assert.isAtMost(await page.evaluate(() => document.documentElement.scrollWidth), 1024)
    await page.setViewportSize({ width: 1280, height: 800 })
    await shoot(page, "1-tables")
  })

  it("shows a table's columns and facts, and charts a column over time with its points drawn", async () => {
    await page.getByRole("link", { name: "sdk_examples.prices", exact: true }).click()
    await page.getByRole("heading", { name: "sdk_examples.prices" }).waitFor()
    const columns = page.getByRole("table", { name: "Columns" })
    for (const column of ["time_index", "asset_identifier", "close", "volume"]) {
      assert.isTrue(await columns.getByRole("rowheader", { name: column, exact: true }).isVisible(), column)
    }
    const facts = await page.locator(".facts").innerText()
    assert.match(facts, /Time range\s+2025-01-02 to \d{4}-\d\d-\d\d/)
    const rowCount = Number(/Rows\s+([\d,]+)/.exec(facts)?.[1]?.replaceAll(",", ""))
    assert.isAbove(rowCount, 1_000, facts)
    const chart = page.locator(".column-chart .chart-host")
    await chart.locator("canvas").waitFor()
    await page.waitForFunction(() => Number(document.querySelector(".column-chart .chart-host")?.getAttribute("data-points")) > 0)
    // Five assets, all charted by default: every row of the table is a point.
    assert.strictEqual(Number(await chart.getAttribute("data-points")), rowCount)
    assert.isAbove(await drawnPixels(page, ".column-chart .chart-host"), 2_000)
    // Zoom from the keyboard: the caption says the narrower range.
    const caption = page.locator(".column-chart figcaption")
    const before = await caption.innerText()
    await page.getByRole("button", { name: "Zoom in" }).focus()
    await page.keyboard.press("Enter")
    await page.waitForFunction((text) => document.querySelector(".column-chart figcaption")?.textContent !== text, before)
    await shoot(page, "2-table-prices")
  })

  it("draws the revision graph, applied revisions marked in words, with a revision's SQL", async () => {
    await page.getByRole("link", { name: "Revisions" }).click()
    await page.getByRole("heading", { name: "Revisions" }).waitFor()
    const graph = page.getByRole("group", { name: "Revision graph" })
    for (const id of ["0001", "0002", "0003"]) {
      assert.include(await graph.getByRole("link", { name: new RegExp(`^Revision ${id}, applied`) }).textContent(), "✓ applied")
    }
    await page.setViewportSize({ width: 1024, height: 768 })
    assert.isAtMost(await page.evaluate(() => document.documentElement.scrollWidth), 1024)
    await page.setViewportSize({ width: 1280, height: 800 })
    await graph.getByRole("link", { name: /^Revision 0003/ }).click()
    await page.getByRole("heading", { name: /Revision 0003: applied/ }).waitFor()
    await shoot(page, "3-revisions")
  })

  it("lays out the DataNode graph, each node labelled with its state", async () => {
    await page.getByRole("link", { name: "DataNodes" }).click()
    const graph = page.getByRole("group", { name: "DataNode dependency graph" })
    await graph.waitFor()
    for (const kind of ["SyntheticPrices", "DailyReturns", "RollingVolatility", "PortfolioPositions"]) {
      const node = graph.getByRole("link", { name: new RegExp(`^${kind} writing`) })
      assert.match(await node.getAttribute("aria-label") ?? "", /: (fresh|due|running|failed|overdue)$/, kind)
      assert.match(await node.textContent() ?? "", /(fresh|due|running|failed|overdue)$/, kind)
    }
    // Dependencies are drawn above their dependants.
    const top = async (kind: string) => (await graph.getByRole("link", { name: new RegExp(`^${kind} writing`) }).boundingBox())!.y
    assert.isBelow(await top("SyntheticPrices"), await top("DailyReturns"))
    assert.isBelow(await top("DailyReturns"), await top("RollingVolatility"))
    await shoot(page, "4-nodes")
  })

  it("runs a node from its page with the token and follows its state without a reload", async () => {
    const graph = page.getByRole("group", { name: "DataNode dependency graph" })
    // Keyboard: the graph's nodes are links that Tab reaches and Enter opens.
    await graph.getByRole("link", { name: /^PortfolioPositions writing/ }).focus()
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { name: /PortfolioPositions/ }).waitFor()
    const badge = page.locator("h1 .badge")
    assert.match(await badge.innerText(), /fresh/)
    const runs = page.getByRole("table", { name: "Runs, newest first" })
    await runs.waitFor()
    const before = await runs.locator("tbody tr").count()
    const navigations: Array<string> = []
    page.on("framenavigated", (frame) => navigations.push(frame.url()))

    await page.getByLabel("Token").fill("wrong-token")
    await page.getByRole("button", { name: "Run now" }).click()
    await page.getByRole("status").filter({ hasText: "The server refused the token." }).waitFor()
    assert.strictEqual(await runs.locator("tbody tr").count(), before)

    // Every state the heading's badge and the form's status show from here on, in order.
    await page.evaluate(() => {
      const seen = { badge: [] as Array<string>, status: [] as Array<string> }
      ;(globalThis as unknown as { seen: typeof seen }).seen = seen
      const read = () => {
        const badge = document.querySelector("h1 .badge")?.textContent ?? ""
        const status = document.querySelector(".run-form [role=status]")?.textContent ?? ""
        if (seen.badge.at(-1) !== badge) seen.badge.push(badge)
        if (seen.status.at(-1) !== status) seen.status.push(status)
      }
      read()
      new MutationObserver(read).observe(document.querySelector("main")!, { subtree: true, childList: true, characterData: true })
    })
    const lastRun = async () => /Last run\s+(.+)/.exec(await page.locator(".facts").innerText())?.[1]
    const lastRunBefore = await lastRun()
    await page.getByLabel("Token").fill(served.token)
    await page.getByRole("button", { name: "Run now" }).click()
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll("table.runs-table tbody tr").length > count &&
        document.querySelector("table.runs-table tbody tr td:nth-child(2)")?.textContent === "succeeded" &&
        (document.querySelector("h1 .badge")?.textContent ?? "").includes("fresh") &&
        (document.querySelector(".run-form [role=status]")?.textContent ?? "").startsWith("succeeded"),
      before,
      { timeout: 120_000 }
    )
    await page.waitForFunction(
      (old) => !(document.querySelector(".facts")?.textContent ?? "").includes(old),
      lastRunBefore ?? "",
      { timeout: 60_000 }
    )
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: { badge: Array<string>; status: Array<string> } }).seen)
    // The form said the run was under way, then how it ended; the node's last run moved on to the new one.
    assert.deepStrictEqual(seen.status.slice(1).filter((text) => text !== "").map((text) => text.split(":")[0]), ["Running…", "succeeded"])
    const lastRunAfter = await lastRun()
    assert.notStrictEqual(lastRunAfter, lastRunBefore)
    assert.match(lastRunAfter ?? "", /^succeeded, \d{4}-\d\d-\d\d/)
    // The node's state as the page showed it: running while the server reported it so (when a look fell in
    // the run; a quick run may finish between two), fresh at the end.
    const states = seen.badge.map((text) => text.replace(/^\W+/, "").trim())
    assert.strictEqual(states.at(-1), "fresh", `states seen: ${states.join(" -> ")}`)
    assert.isTrue(states.every((state) => state === "fresh" || state === "running"), `states seen: ${states.join(" -> ")}`)
    assert.deepStrictEqual(navigations, [], "the page followed the run without navigating")
    assert.notInclude(served.output(), served.token, "serve never prints the token")
    assert.isAbove(await drawnPixels(page, ".chart-host"), 100)
    // Its configuration as recorded (the example accounts' positions are seeded with 7) and watermarks per entity.
    assert.match(await page.locator("pre.config").innerText(), /"seed": 7/)
    assert.isAtLeast(await page.getByRole("table", { name: "Watermarks" }).locator("tbody tr").count(), 5)
    await shoot(page, "5-node-after-run")

    // A backfill of the last ten days, asked the same way: one more run, reported by the form.
    const runsBefore = await runs.locator("tbody tr").count()
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10)
    await page.getByLabel("From").fill(tenDaysAgo)
    await page.getByRole("button", { name: "Backfill" }).click()
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll("table.runs-table tbody tr").length > count &&
        document.querySelector("table.runs-table tbody tr td:nth-child(2)")?.textContent === "succeeded" &&
        (document.querySelector(".run-form [role=status]")?.textContent ?? "").startsWith("succeeded"),
      runsBefore,
      { timeout: 120_000 }
    )
  })
})
