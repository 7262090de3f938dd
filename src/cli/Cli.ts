/**
 * The `metatables` command tree: global flags and every command group.
 */
import * as Command from "effect/cli/Command"
import { doctorCommand } from "./commands/Doctor.ts"
import { catalogCommand } from "./commands/CatalogCommands.ts"
import { nodesCommand } from "./commands/NodesCommands.ts"
import { migrationsCommand } from "./commands/MigrationsCommands.ts"
import { serveCommand } from "./commands/ServeCommands.ts"
import { DatabaseUrlFileFlag, DatabaseUrlFlag, JsonFlag } from "./GlobalFlags.ts"

export const metatablesCommand = Command.make("metatables").pipe(
  Command.withDescription(
    "Typed, migration-first storage tables and the DataNode jobs that fill them, on PostgreSQL or an " +
      "embedded PGlite database. Results go to stderr for people, or to stdout as JSON with --json. " +
      "Exit codes: 0 success, 1 failed operation, 2 bad usage."
  ),
  Command.withSubcommands([doctorCommand, migrationsCommand, nodesCommand, catalogCommand, serveCommand]),
  Command.withGlobalFlags([DatabaseUrlFlag, DatabaseUrlFileFlag, JsonFlag])
)
