/**
 * Accounts: the master rows that positions and limits refer to.
 */
import { text, uuid, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable, schemaTableName } from "../src/index.ts"
import { EXAMPLE_APP } from "./app.ts"

export const ACCOUNT_TABLE_NAME = schemaTableName(EXAMPLE_APP, "account")

export class Account extends PlatformManagedMetaTable<Account>()({
  name: ACCOUNT_TABLE_NAME,
  namespace: "sdk-examples",
  identifier: "sdk_examples.account",
  description: "Account master rows: one per trading account, referenced by positions and limits.",
  labels: ["accounts", "reference-data"],
  protectFromDeletion: true,
  columns: {
    uid: uuid().primaryKey().defaultRandom(),
    accountCode: varchar("account_code", { length: 64 }).notNull().unique(),
    name: varchar({ length: 255 }).notNull(),
    region: varchar({ length: 32 }).notNull(),
    status: varchar({ length: 32 }).notNull().default("active"),
    notes: text()
  },
  columnInfo: {
    uid: { label: "Account UID", description: "Stable account identifier referenced by dependent tables." },
    accountCode: { label: "Account code", description: "Business code of the account, unique across accounts." },
    name: { label: "Name", description: "Display name of the account." },
    region: { label: "Region", description: "Region that books the account, such as EMEA or AMER." },
    status: { label: "Status", description: "Lifecycle status of the account: active, suspended or closed." },
    notes: { label: "Notes", description: "Free-text notes kept by the account's owners." }
  }
}) {}
