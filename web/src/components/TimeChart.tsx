/**
 * A uPlot time-series chart: drag across it to zoom into a time range, double-click (or "Reset") to see it
 * all; the buttons zoom and pan from the keyboard. Series differ by colour and by dash pattern, and the legend
 * names them, so they read without colour. The container says how many points it drew (`data-points`).
 */
import { useEffect, useRef, useState } from "preact/hooks"
import uPlot from "uplot"
import "uplot/dist/uPlot.min.css"
import { formatInstant } from "../lib/format.ts"

const PALETTE = ["#1d4ed8", "#b91c1c", "#15803d", "#7c3aed", "#b45309", "#0e7490", "#be185d", "#4d7c0f"]
const DASHES: ReadonlyArray<ReadonlyArray<number> | undefined> = [undefined, [8, 4], [2, 3], [10, 3, 2, 3]]

export interface ChartSeries {
  readonly label: string
  /** The y scale (`y` left, `y2` right) for charts with two units. */
  readonly scale?: "y" | "y2"
  readonly bars?: boolean
}

export interface TimeChartProps {
  readonly title: string
  readonly data: uPlot.AlignedData
  readonly series: ReadonlyArray<ChartSeries>
  readonly points: number
  readonly yLabel?: string
  readonly y2Label?: string
  readonly height?: number
}

export const TimeChart = ({ title, data, series, points, yLabel, y2Label, height = 320 }: TimeChartProps) => {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const [range, setRange] = useState<[number, number] | null>(null)
  const xs = data[0] as ArrayLike<number>
  const full: [number, number] | null = xs.length === 0 ? null : [xs[0]!, xs[xs.length - 1]!]

  useEffect(() => {
    const element = host.current
    if (element === null) return
    const twoScales = series.some((one) => one.scale === "y2")
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth),
      height,
      cursor: { drag: { x: true, y: false } },
      // The axis says UTC, so it is drawn in UTC whatever the browser's time zone.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1_000), "Etc/UTC"),
      scales: { x: { time: true } },
      axes: [
        { label: "time (UTC)" },
        { scale: "y", label: yLabel ?? "" },
        ...(twoScales ? [{ scale: "y2", side: 1 as const, label: y2Label ?? "", grid: { show: false } }] : [])
      ],
      series: [
        { label: "time", value: (_self, value) => (value === null ? "-" : formatInstant(new Date(value * 1_000))) },
        ...series.map((one, index): uPlot.Series => ({
          label: one.label,
          scale: one.scale ?? "y",
          stroke: PALETTE[index % PALETTE.length]!,
          width: 1.5,
          ...(DASHES[index % DASHES.length] === undefined || one.bars === true ? {} : { dash: [...DASHES[index % DASHES.length]!] }),
          ...(one.bars === true ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${PALETTE[index % PALETTE.length]!}55` } : {}),
          spanGaps: false
        }))
      ],
      hooks: {
        setScale: [
          (self, key) => {
            if (key !== "x") return
            const min = self.scales.x?.min
            const max = self.scales.x?.max
            if (min !== undefined && max !== undefined && min !== null && max !== null) setRange([min, max])
          }
        ]
      }
    }
    const chart = new uPlot(options, data, element)
    plot.current = chart
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      chart.destroy()
      plot.current = null
    }
  }, [data, series, height, yLabel, y2Label])

  const zoom = (factor: number, shift = 0) => {
    const chart = plot.current
    if (chart === null || full === null) return
    const [min, max] = range ?? full
    const span = Math.max((max - min) * factor, 1)
    const middle = (min + max) / 2 + (max - min) * shift
    const low = Math.max(full[0], middle - span / 2)
    const high = Math.min(full[1], low + span)
    chart.setScale("x", { min: Math.max(full[0], high - span), max: high })
  }
  const reset = () => {
    if (plot.current !== null && full !== null) plot.current.setScale("x", { min: full[0], max: full[1] })
  }

  return (
    <figure class="chart" aria-label={title}>
      <figcaption>
        {title}: {points.toLocaleString("en-US")} points
        {range === null ? "" : `, showing ${formatInstant(new Date(range[0] * 1_000))} to ${formatInstant(new Date(range[1] * 1_000))}`}
      </figcaption>
      <div class="chart-tools" role="toolbar" aria-label={`${title}: zoom`}>
        <button type="button" onClick={() => zoom(0.5)}>Zoom in</button>
        <button type="button" onClick={() => zoom(2)}>Zoom out</button>
        <button type="button" onClick={() => zoom(1, -0.25)}>◀ Earlier</button>
        <button type="button" onClick={() => zoom(1, 0.25)}>Later ▶</button>
        <button type="button" onClick={reset}>Reset</button>
        <span class="note">Or drag across the chart to zoom; double-click to reset.</span>
      </div>
      <div ref={host} class="chart-host" data-points={points} />
    </figure>
  )
}
