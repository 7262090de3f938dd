/**
 * add asset returns and volatility
 *
 * Revision ID: 0003
 * Revises: 0002
 * Create Date: 2026-11-22T01:27:28.579Z
 *
 * DESTRUCTIVE CHANGES, review them before applying:
 *   - downgrade drops table public.sdk_examples__asset_returns and its rows
 *   - downgrade drops table public.sdk_examples__asset_volatility and its rows
 *
 * Written by `metatables migrations revision`: review it, edit it if needed, commit it. The model after this
 * revision is in 0003_add_asset_returns_and_volatility.snapshot.json, which the next autogenerate compares the models with.
 */

export const id = "0003"
export const parents: ReadonlyArray<string> = ["0002"]
export const message = "add asset returns and volatility"
export const createdAt = "2026-11-22T01:27:28.579Z"
export const transactional = true

export const upgrade: ReadonlyArray<string> = [
  `CREATE TABLE "sdk_examples__asset_returns" (
	"time_index" timestamp with time zone NOT NULL,
	"asset_identifier" varchar(64) NOT NULL,
	"simple_return" double precision NOT NULL,
	"log_return" double precision NOT NULL
);
`,
  `CREATE TABLE "sdk_examples__asset_volatility" (
	"time_index" timestamp with time zone NOT NULL,
	"asset_identifier" varchar(64) NOT NULL,
	"window_days" integer NOT NULL,
	"volatility" double precision NOT NULL,
	"observations" integer NOT NULL
);
`,
  `CREATE UNIQUE INDEX "uix__sdk_examples__asset_returns__time_index__asset_identifier" ON "sdk_examples__asset_returns" ("time_index","asset_identifier");`,
  `CREATE UNIQUE INDEX "uix__sdk_examples__asset_volatility__time_index__ass_edcf803fea" ON "sdk_examples__asset_volatility" ("time_index","asset_identifier","window_days");`
]

export const downgrade: ReadonlyArray<string> = [
  `DROP TABLE "sdk_examples__asset_returns";`,
  `DROP TABLE "sdk_examples__asset_volatility";`
]
