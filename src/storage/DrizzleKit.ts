/**
 * drizzle-kit's PostgreSQL API (`drizzle-kit/api-postgres`), which models tables and diffs models for
 * `revision`, `check` and scaffolding. It is a 5.6 MB bundle, more than the rest of metatables together, so
 * it loads when a model is first built, never when a storage table or the command line is imported.
 */
import { lazyImport } from "../db/LazyImport.ts"

export const drizzleKit = lazyImport("drizzle-kit", () => import("drizzle-kit/api-postgres"))
