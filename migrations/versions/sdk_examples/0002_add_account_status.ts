/**
 * add account status
 *
 * Revision ID: 0002
 * Revises: 0001
 * Create Date: 2026-11-22T00:28:32.818Z
 *
 * DESTRUCTIVE CHANGES, review them before applying:
 *   - downgrade drops column public.sdk_examples__account.status and its values
 *
 * Written by `metatables migrations revision`: review it, edit it if needed, commit it. The model after this
 * revision is in 0002_add_account_status.snapshot.json, which the next autogenerate compares the models with.
 */

export const id = "0002"
export const parents: ReadonlyArray<string> = ["0001"]
export const message = "add account status"
export const createdAt = "2026-11-22T00:28:32.818Z"
export const transactional = true

export const upgrade: ReadonlyArray<string> = [
  `ALTER TABLE "sdk_examples__account" ADD COLUMN "status" varchar(32) DEFAULT 'active' NOT NULL;`
]

export const downgrade: ReadonlyArray<string> = [
  `ALTER TABLE "sdk_examples__account" DROP COLUMN "status";`
]
