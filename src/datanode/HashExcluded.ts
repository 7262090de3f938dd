/**
 * `hashExcluded`: marks a configuration field that must never change the node's update hash (a display label,
 * a tuning knob that leaves the rows unchanged). Excluded fields are removed at any depth: in nested
 * configurations and structs, and in the items of arrays and records.
 *
 * ```ts
 * displayLabel: hashExcluded(Schema.String.annotate({ description: "Label shown in dashboards only." }))
 * // or, equally: Schema.String.annotate({ description: "...", hashExcluded: true })
 * ```
 */
import type * as Schema from "effect/Schema"
import { HASH_EXCLUDED_ANNOTATION } from "./internal/configurationAst.ts"

declare module "effect/Schema" {
  namespace Annotations {
    interface Annotations {
      /** When `true`, the field never enters the DataNode update hash (see `hashExcluded`). */
      readonly hashExcluded?: boolean | undefined
    }
  }
}

/** The field schema, annotated so that the field never enters the update hash. */
export const hashExcluded = <S extends Schema.Top>(schema: S): S["Rebuild"] =>
  schema.annotate({ [HASH_EXCLUDED_ANNOTATION]: true })
