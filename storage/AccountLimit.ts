/**
 * Limits per account (exposure, loss, leverage), each referring to its account.
 */
import { numeric, unique, uuid, varchar } from "drizzle-orm/pg-core"
import { PlatformManagedMetaTable, schemaTableName } from "../src/index.ts"
import { Account } from "./Account.ts"
import { EXAMPLE_APP } from "./app.ts"

export class AccountLimit extends PlatformManagedMetaTable<AccountLimit>()({
  name: schemaTableName(EXAMPLE_APP, "account_limit"),
  namespace: "sdk-examples",
  identifier: "sdk_examples.account_limit",
  description: "Risk limits per account: which kind of limit, its amount and currency.",
  labels: ["accounts", "risk"],
  columns: {
    uid: uuid().primaryKey().defaultRandom(),
    accountUid: uuid("account_uid").notNull().references(() => Account.table.uid, { onDelete: "cascade" }),
    limitType: varchar("limit_type", { length: 32 }).notNull(),
    amount: numeric({ precision: 20, scale: 4 }).notNull(),
    currency: varchar({ length: 3 }).notNull()
  },
  columnInfo: {
    uid: { label: "Limit UID", description: "Identifier of the limit." },
    accountUid: { label: "Account UID", description: "Account the limit applies to." },
    limitType: { label: "Limit type", description: "Kind of limit: gross_exposure, daily_loss or leverage." },
    amount: { label: "Amount", description: "Size of the limit, in the limit's currency." },
    currency: { label: "Currency", description: "ISO 4217 code of the amount's currency." }
  },
  // One limit of each kind per account.
  constraints: (table) => [unique().on(table.accountUid, table.limitType)]
}) {}
