/**
 * initial
 *
 * Revision ID: 0001
 * Revises: <base>
 * Create Date: 2026-11-22T00:28:30.431Z
 *
 * DESTRUCTIVE CHANGES, review them before applying:
 *   - downgrade drops table public.sdk_examples__account and its rows
 *   - downgrade drops table public.sdk_examples__account_limit and its rows
 *   - downgrade drops table public.sdk_examples__daily_metrics and its rows
 *   - downgrade drops table public.sdk_examples__account_positions and its rows
 *   - downgrade drops table public.sdk_examples__prices and its rows
 *   - downgrade drops table public.sdk_examples__observations__vendor_a and its rows
 *
 * Written by `metatables migrations revision`: review it, edit it if needed, commit it. The model after this
 * revision is in 0001_initial.snapshot.json, which the next autogenerate compares the models with.
 */

export const id = "0001"
export const parents: ReadonlyArray<string> = []
export const message = "initial"
export const createdAt = "2026-11-22T00:28:30.431Z"
export const transactional = true

export const upgrade: ReadonlyArray<string> = [
  `CREATE TABLE "sdk_examples__account" (
	"uid" uuid DEFAULT gen_random_uuid(),
	"account_code" varchar(64) NOT NULL CONSTRAINT "uq__sdk_examples__account__account_code" UNIQUE,
	"name" varchar(255) NOT NULL,
	"region" varchar(32) NOT NULL,
	"notes" text,
	CONSTRAINT "pk__sdk_examples__account" PRIMARY KEY("uid")
);
`,
  `CREATE TABLE "sdk_examples__account_limit" (
	"uid" uuid DEFAULT gen_random_uuid(),
	"account_uid" uuid NOT NULL,
	"limit_type" varchar(32) NOT NULL,
	"amount" numeric(20,4) NOT NULL,
	"currency" varchar(3) NOT NULL,
	CONSTRAINT "pk__sdk_examples__account_limit" PRIMARY KEY("uid"),
	CONSTRAINT "uq__sdk_examples__account_limit__account_uid__limit_type" UNIQUE("account_uid","limit_type")
);
`,
  `CREATE TABLE "sdk_examples__daily_metrics" (
	"time_index" timestamp with time zone NOT NULL,
	"entity_identifier" varchar(255) NOT NULL,
	"value" double precision NOT NULL
);
`,
  `CREATE TABLE "sdk_examples__account_positions" (
	"time_index" timestamp with time zone NOT NULL,
	"account_uid" uuid NOT NULL,
	"asset_identifier" varchar(64) NOT NULL,
	"quantity" double precision NOT NULL,
	"market_value" double precision NOT NULL
);
`,
  `CREATE TABLE "sdk_examples__prices" (
	"time_index" timestamp with time zone NOT NULL,
	"asset_identifier" varchar(64) NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" bigint NOT NULL
);
`,
  `CREATE TABLE "sdk_examples__observations__vendor_a" (
	"time_index" timestamp with time zone NOT NULL,
	"entity_identifier" varchar(255) NOT NULL,
	"value" double precision NOT NULL
);
`,
  `CREATE UNIQUE INDEX "uix__sdk_examples__daily_metrics__time_index__entity_identifier" ON "sdk_examples__daily_metrics" ("time_index","entity_identifier");`,
  `CREATE INDEX "ix__sdk_examples__account_positions__account_uid" ON "sdk_examples__account_positions" ("account_uid");`,
  `CREATE UNIQUE INDEX "uix__sdk_examples__account_positions__time_index__ac_47055cd732" ON "sdk_examples__account_positions" ("time_index","account_uid","asset_identifier");`,
  `CREATE UNIQUE INDEX "uix__sdk_examples__prices__time_index__asset_identifier" ON "sdk_examples__prices" ("time_index","asset_identifier");`,
  `CREATE UNIQUE INDEX "uix__sdk_examples__observations__vendor_a__time_inde_6cf8add8ec" ON "sdk_examples__observations__vendor_a" ("time_index","entity_identifier");`,
  `ALTER TABLE "sdk_examples__account_limit" ADD CONSTRAINT "fk__sdk_examples__account_limit__account_uid__sdk_ex_6837313419" FOREIGN KEY ("account_uid") REFERENCES "sdk_examples__account"("uid") ON DELETE CASCADE;`,
  `ALTER TABLE "sdk_examples__account_positions" ADD CONSTRAINT "fk__sdk_examples__account_positions__account_uid__sd_c5c1cfac1d" FOREIGN KEY ("account_uid") REFERENCES "sdk_examples__account"("uid") ON DELETE RESTRICT;`
]

export const downgrade: ReadonlyArray<string> = [
  `ALTER TABLE "sdk_examples__account_limit" DROP CONSTRAINT "fk__sdk_examples__account_limit__account_uid__sdk_ex_6837313419";`,
  `ALTER TABLE "sdk_examples__account_positions" DROP CONSTRAINT "fk__sdk_examples__account_positions__account_uid__sd_c5c1cfac1d";`,
  `DROP TABLE "sdk_examples__account";`,
  `DROP TABLE "sdk_examples__account_limit";`,
  `DROP TABLE "sdk_examples__daily_metrics";`,
  `DROP TABLE "sdk_examples__account_positions";`,
  `DROP TABLE "sdk_examples__prices";`,
  `DROP TABLE "sdk_examples__observations__vendor_a";`
]
