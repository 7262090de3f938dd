/**
 * The dashboard's chart on 100,000 points (issue 19: "fast on 100k points"): 20 entities x 5,000 instants of
 * one column, as the serve API sends rows. In Node: reading the answer into the page's rows (`decodeRows`) and
 * aligning them into series (`prepareSeries`), against the least any page does with the answer, `JSON.parse`.
 * In headless Chromium (Debian's, as the browser tests use it): uPlot drawing the series (axes, legend, 20
 * paths) against a bare canvas stroking the same points with `lineTo`. Targets: preparing <= 2x JSON.parse;
 * uPlot's draw <= 3x the bare canvas. Medians of 5 rounds after one warm-up.
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { chromium } from "playwright-core"
import { decodeRows } from "../web/src/api/decode.ts"
import { prepareSeries } from "../web/src/lib/chartData.ts"
import { collectGarbage, formatMs, median, now, spread, verdict } from "./support/measure.ts"

const ENTITIES = 20
const INSTANTS = 5_000
const ROUNDS = 5
const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"

const columns = ["time_index", "asset", "close"]
const rows = Array.from({ length: ENTITIES * INSTANTS }, (_, index) => [
  new Date(Date.UTC(2000, 0, 1) + Math.floor(index / ENTITIES) * 86_400_000).toISOString(),
  `E${index % ENTITIES}`,
  100 + Math.sin(index / 97) * 10 + (index % ENTITIES)
])
const payload = JSON.stringify({ columns, rows, truncated: false })

const timed = (rounds: number, work: () => void): ReadonlyArray<number> => {
  work()
  return Array.from({ length: rounds }, () => {
    collectGarbage()
    const start = now()
    work()
    return now() - start
  })
}

const parse = timed(ROUNDS, () => void JSON.parse(payload))
const read = timed(ROUNDS, () => void decodeRows(JSON.parse(payload)))
const decoded = decodeRows(JSON.parse(payload)).rows
const request = { timeColumn: "time_index", valueColumn: "close", entityColumns: ["asset"] }
const prepare = timed(ROUNDS, () => void prepareSeries(decoded, request))
const prepared = prepareSeries(decoded, request)

console.log(`${(ENTITIES * INSTANTS).toLocaleString("en-US")} rows, ${ENTITIES} entities, payload ${(payload.length / 1e6).toFixed(1)} MB`)
console.log(`JSON.parse (baseline)       ${formatMs(median(parse))} ${spread(parse)}`)
console.log(`decodeRows (parse + rows)   ${formatMs(median(read))} ${spread(read)}`)
console.log(`prepareSeries               ${formatMs(median(prepare))} ${spread(prepare)}  ${prepared.points.toLocaleString("en-US")} points`)
const prepareRatio = median(prepare) / median(parse)
let ok = verdict("prepareSeries vs JSON.parse", `${prepareRatio.toFixed(2)}x`, "<= 2x", prepareRatio <= 2)

if (!NodeFs.existsSync(chromiumPath)) {
  console.log(`FAIL  uPlot draw: no Chromium at ${chromiumPath} (apt-get install -y chromium)`)
  process.exit(1)
}
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
})
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  await page.setContent(`<!doctype html><html><body style="margin:0"><div id="chart" style="width:1200px"></div>
    <canvas id="bare" width="1200" height="320"></canvas></body></html>`)
  await page.addScriptTag({ path: NodePath.join(import.meta.dirname, "..", "node_modules", "uplot", "dist", "uPlot.iife.min.js") })
  const figures = await page.evaluate(async ({ data, rounds }) => {
    type Plot = { destroy(): void }
    const g = globalThis as unknown as {
      uPlot: new (options: unknown, data: unknown, target: unknown) => Plot
      document: { getElementById(id: string): { getContext(kind: string): CanvasLike } & object }
      requestAnimationFrame(callback: () => void): void
      performance: { now(): number }
    }
    interface CanvasLike {
      clearRect(x: number, y: number, w: number, h: number): void
      beginPath(): void
      moveTo(x: number, y: number): void
      lineTo(x: number, y: number): void
      stroke(): void
    }
    const frame = () => new Promise<void>((resolve) => g.requestAnimationFrame(() => resolve()))
    const xs = data[0] as Array<number>
    const series = data.slice(1) as Array<Array<number | null>>
    const drawUplot = async () => {
      const start = g.performance.now()
      const plot = new g.uPlot({
        width: 1200,
        height: 320,
        scales: { x: { time: true } },
        series: [{}, ...series.map((_, index) => ({ label: `E${index}`, stroke: "#1d4ed8", width: 1 }))]
      }, data, g.document.getElementById("chart"))
      await frame()
      const spent = g.performance.now() - start
      plot.destroy()
      return spent
    }
    const drawBare = async () => {
      const start = g.performance.now()
      const context = g.document.getElementById("bare").getContext("2d")
      context.clearRect(0, 0, 1200, 320)
      const minX = xs[0]!
      const spanX = xs[xs.length - 1]! - minX
      for (const values of series) {
        context.beginPath()
        values.forEach((value, index) => {
          if (value === null) return
          const x = ((xs[index]! - minX) / spanX) * 1200
          const y = 320 - ((value - 80) / 60) * 320
          index === 0 ? context.moveTo(x, y) : context.lineTo(x, y)
        })
        context.stroke()
      }
      await frame()
      return g.performance.now() - start
    }
    await drawUplot()
    await drawBare()
    const uplot: Array<number> = []
    const bare: Array<number> = []
    for (let round = 0; round < rounds; round++) {
      uplot.push(await drawUplot())
      bare.push(await drawBare())
    }
    return { uplot, bare }
  }, { data: prepared.data, rounds: ROUNDS })
  console.log(`bare canvas lineTo (baseline) ${formatMs(median(figures.bare))} ${spread(figures.bare)}`)
  console.log(`uPlot draw                  ${formatMs(median(figures.uplot))} ${spread(figures.uplot)}`)
  const drawRatio = median(figures.uplot) / median(figures.bare)
  ok = verdict("uPlot draw of 100,000 points vs bare canvas", `${drawRatio.toFixed(2)}x`, "<= 3x", drawRatio <= 3) && ok
} finally {
  await browser.close()
}
process.exit(ok ? 0 : 1)
