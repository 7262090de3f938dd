/**
 * `metatables catalog list | show`: the storage tables the catalog knows, their status, owner and revision.
 *
 * This is the command tree only; what the commands do is in `CatalogHandlers.ts`, loaded when one runs.
 */
import * as Argument from "effect/cli/Argument"
import * as Command from "effect/cli/Command"
import { lazyImport } from "../../db/LazyImport.ts"
import { lazyHandler } from "../CommandRunner.ts"

const handlers = lazyImport("the catalog commands", () => import("./CatalogHandlers.ts"))

const listCommand = Command.make("list", {}, lazyHandler("catalog list", handlers, (module) => () => module.list)).pipe(
  Command.withDescription("List the catalog's tables: uid, identifier, namespace, physical table, status, provider, revision")
)

export const showOptions = {
  reference: Argument.String("table").pipe(
    Argument.withDescription("A catalog uid, a physical table (name or schema.name) or an identifier")
  )
}

const showCommand = Command.make("show", showOptions, lazyHandler("catalog show", handlers, (module) => module.show)).pipe(
  Command.withDescription("Show one catalog table with its contract")
)

export const catalogCommand = Command.make("catalog").pipe(
  Command.withDescription("Inspect the catalog: the storage tables metatables knows, their status and contracts"),
  Command.withSubcommands([listCommand, showCommand])
)
