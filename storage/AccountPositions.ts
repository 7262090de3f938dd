/**
 * Positions per account over time; an account with positions cannot be deleted (ON DELETE RESTRICT).
 */
import { doublePrecision, index, timestamp, uuid, varchar } from "drizzle-orm/pg-core"
import { PlatformTimeIndexMetaTable, schemaTableName } from "../src/index.ts"
import { Account } from "./Account.ts"
import { EXAMPLE_APP } from "./app.ts"

export class AccountPositions extends PlatformTimeIndexMetaTable<AccountPositions>()({
  name: schemaTableName(EXAMPLE_APP, "account_positions"),
  namespace: "positions",
  identifier: "sdk_examples.account_positions",
  description: "Time-indexed positions per account and asset: quantity held and its market value.",
  labels: ["positions"],
  indexNames: ["time_index", "account_uid", "asset_identifier"],
  cadence: "1d",
  columns: {
    timeIndex: timestamp("time_index", { withTimezone: true }).notNull(),
    accountUid: uuid("account_uid").notNull().references(() => Account.table.uid, { onDelete: "restrict" }),
    assetIdentifier: varchar("asset_identifier", { length: 64 }).notNull(),
    quantity: doublePrecision().notNull(),
    marketValue: doublePrecision("market_value").notNull()
  },
  columnInfo: {
    timeIndex: { label: "Time index", description: "UTC end-of-day timestamp of the position." },
    accountUid: { label: "Account UID", description: "Account that holds the position." },
    assetIdentifier: { label: "Asset", description: "Identifier of the asset held." },
    quantity: { label: "Quantity", description: "Units of the asset held at the end of the day." },
    marketValue: { label: "Market value", description: "Quantity times the day's closing price." }
  },
  // Positions are read per account; the grain's unique index already serves time-first queries.
  constraints: (table) => [index().on(table.accountUid)]
}) {}
