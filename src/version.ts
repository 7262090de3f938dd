/** The version of metatables, read from its package.json so that there is one source of truth. */
import packageJson from "../package.json" with { type: "json" }

export const METATABLES_VERSION: string = packageJson.version
