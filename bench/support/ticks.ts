/**
 * The persist benches' rows: one tick per asset and minute, made deterministically from its position, and the
 * columns of the tables that hold them.
 */
import { doublePrecision, integer, text, timestamp } from "drizzle-orm/pg-core"

export const ASSETS = 1000

const START = Date.UTC(2024, 0, 1)

const info = (label: string) => ({ label, description: `${label} of the tick.` })

/** A tick table's columns (each table needs builders of its own). */
export const tickColumns = () => ({
  timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
  asset: text().notNull(),
  price: doublePrecision().notNull(),
  size: doublePrecision(),
  trades: integer()
})

export const tickInfo = {
  timeIndex: info("Minute"),
  asset: info("Asset"),
  price: info("Price"),
  size: info("Size"),
  trades: info("Trades")
}

export interface Tick {
  readonly timeIndex: Date
  readonly asset: string
  readonly price: number
  readonly size: number | null
  readonly trades: number
}

/** Rows `first` to `first + count - 1`: minute by minute, every asset in each minute; the same every time. */
export const ticks = (first: number, count: number): Array<Tick> => {
  const rows = new Array<Tick>(count)
  for (let index = 0; index < count; index++) {
    const n = first + index
    rows[index] = {
      timeIndex: new Date(START + Math.floor(n / ASSETS) * 60_000),
      asset: `asset-${n % ASSETS}`,
      price: 100 + ((n * 7919) % 10_007) / 100,
      size: n % 50 === 0 ? null : ((n * 31) % 1000) / 10,
      trades: n % 97
    }
  }
  return rows
}
