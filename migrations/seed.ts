/**
 * Reference rows the example project needs before its nodes run: three accounts. The provider's
 * `afterRegisterMetaTables` hook inserts them after every successful upgrade; rows already there are left as
 * they are, so the hook can run any number of times.
 */
import * as Effect from "effect/Effect"
import { Database, type ProviderHook, type StorageInsert } from "../src/index.ts"
import { Account } from "../storage/Account.ts"

export const exampleAccounts: ReadonlyArray<StorageInsert<typeof Account>> = [
  {
    uid: "3f6c1a52-8d0e-4b7a-9c21-5e4f8a0b1c01",
    accountCode: "ACC-001",
    name: "Northwind Growth",
    region: "EMEA",
    notes: "Example account seeded by the sdk_examples provider."
  },
  {
    uid: "3f6c1a52-8d0e-4b7a-9c21-5e4f8a0b1c02",
    accountCode: "ACC-002",
    name: "Contoso Income",
    region: "AMER",
    notes: "Example account seeded by the sdk_examples provider."
  },
  {
    uid: "3f6c1a52-8d0e-4b7a-9c21-5e4f8a0b1c03",
    accountCode: "ACC-003",
    name: "Fabrikam Balanced",
    region: "APAC",
    notes: "Example account seeded by the sdk_examples provider."
  }
]

export const seedExampleAccounts: ProviderHook = () =>
  Effect.gen(function*() {
    const drizzle = yield* (yield* Database).drizzle
    yield* drizzle.insert(Account.table).values([...exampleAccounts]).onConflictDoNothing()
  })
