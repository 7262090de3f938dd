/**
 * A generated chain of revision files for the upgrade benchmark, rendered by the same code as
 * `metatables migrations revision` writes them: each revision creates or alters a table with a few statements
 * in drizzle-kit's style (tables, indexes, foreign keys, added and altered columns).
 */
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { renderRevisionModule, revisionFileName, snapshotPathFor } from "../../src/migrations/files/RevisionFile.ts"

interface Operations {
  readonly message: string
  readonly upgrade: ReadonlyArray<string>
  readonly downgrade: ReadonlyArray<string>
}

const item = (group: number) => `bench__item_${group}`
const daily = (group: number) => `bench__daily_${group}`

/** Revision `index` (0-based): groups of four create an item table, alter it, create its daily table, alter that. */
const operationsOf = (index: number): Operations => {
  const group = Math.floor(index / 4)
  switch (index % 4) {
    case 0:
      return {
        message: `create ${item(group)}`,
        upgrade: [
          `CREATE TABLE "${item(group)}" (\n\t"uid" uuid DEFAULT gen_random_uuid(),\n\t"code" varchar(64) NOT NULL,\n` +
          `\t"name" varchar(255) NOT NULL,\n\t"parent_uid" uuid,\n` +
          `\t"created_at" timestamp with time zone DEFAULT now() NOT NULL,\n` +
          `\tCONSTRAINT "pk__${item(group)}" PRIMARY KEY("uid")\n);`,
          `CREATE UNIQUE INDEX "uix__${item(group)}__code" ON "${item(group)}" ("code");`,
          ...(group === 0 ? [] : [
            `ALTER TABLE "${item(group)}" ADD CONSTRAINT "fk__${item(group)}__parent_uid__${item(group - 1)}__uid" ` +
            `FOREIGN KEY ("parent_uid") REFERENCES "${item(group - 1)}"("uid") ON DELETE SET NULL;`
          ])
        ],
        downgrade: [`DROP TABLE "${item(group)}";`]
      }
    case 1:
      return {
        message: `add status to ${item(group)}`,
        upgrade: [
          `ALTER TABLE "${item(group)}" ADD COLUMN "status" varchar(32) DEFAULT 'active' NOT NULL;`,
          `CREATE INDEX "ix__${item(group)}__status" ON "${item(group)}" ("status");`
        ],
        downgrade: [
          `DROP INDEX "ix__${item(group)}__status";`,
          `ALTER TABLE "${item(group)}" DROP COLUMN "status";`
        ]
      }
    case 2:
      return {
        message: `create ${daily(group)}`,
        upgrade: [
          `CREATE TABLE "${daily(group)}" (\n\t"time_index" timestamp with time zone NOT NULL,\n` +
          `\t"item_uid" uuid NOT NULL,\n\t"value" double precision NOT NULL,\n\t"quantity" bigint\n);`,
          `CREATE UNIQUE INDEX "uix__${daily(group)}__time_index__item_uid" ON "${daily(group)}" ("time_index","item_uid");`,
          `ALTER TABLE "${daily(group)}" ADD CONSTRAINT "fk__${daily(group)}__item_uid__${item(group)}__uid" ` +
          `FOREIGN KEY ("item_uid") REFERENCES "${item(group)}"("uid") ON DELETE RESTRICT;`
        ],
        downgrade: [`DROP TABLE "${daily(group)}";`]
      }
    default:
      return {
        message: `add source to ${daily(group)}`,
        upgrade: [
          `ALTER TABLE "${daily(group)}" ADD COLUMN "source" varchar(32) DEFAULT 'vendor' NOT NULL;`,
          `ALTER TABLE "${daily(group)}" ADD COLUMN "revised" boolean DEFAULT false NOT NULL;`,
          `ALTER TABLE "${daily(group)}" ALTER COLUMN "value" DROP NOT NULL;`
        ],
        downgrade: [
          `ALTER TABLE "${daily(group)}" ALTER COLUMN "value" SET NOT NULL;`,
          `ALTER TABLE "${daily(group)}" DROP COLUMN "revised";`,
          `ALTER TABLE "${daily(group)}" DROP COLUMN "source";`
        ]
      }
  }
}

export const revisionId = (index: number): string => `b${String(index + 1).padStart(4, "0")}`

/** Writes `count` revision modules forming one chain into `directory`; returns the number of statements. */
export const writeRevisionChain = (directory: string, count: number): number => {
  NodeFs.mkdirSync(directory, { recursive: true })
  let statements = 0
  for (let index = 0; index < count; index++) {
    const operations = operationsOf(index)
    statements += operations.upgrade.length
    const id = revisionId(index)
    const path = NodePath.join(directory, revisionFileName(id, operations.message))
    const draft = {
      id,
      parents: index === 0 ? [] : [revisionId(index - 1)],
      message: operations.message,
      createdAt: new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString(),
      upgrade: operations.upgrade,
      downgrade: operations.downgrade,
      destructive: [],
      downgradeDestructive: []
    }
    NodeFs.writeFileSync(path, renderRevisionModule(draft, NodePath.basename(snapshotPathFor(path))))
  }
  return statements
}
