/**
 * A storage table referenced by a configuration has no usable binding, so the configuration cannot be hashed
 * by the table's catalog uid. Bindings come from the migration lifecycle and from `startEngine`, never from
 * the configuration itself.
 */
import * as Schema from "effect/Schema"

export class StorageNotBoundError extends Schema.TaggedError<StorageNotBoundError>()("StorageNotBoundError", {
  /** The table's catalog identifier (`sdk_examples.daily_metrics`). */
  identifier: Schema.String,
  /** The physical table, `schema.table`. */
  table: Schema.String,
  /** The configuration field that references it. */
  field: Schema.String,
  /** The status of the catalog row it is bound to, when it is bound to one that has no usable uid. */
  status: Schema.NullOr(Schema.Literals(["failed", "deleted"]))
}) {
  override get message(): string {
    const subject = `Storage table "${this.identifier}" (${this.table}), referenced by configuration field ` +
      `${this.field},`
    const state = this.status === null
      ? "is not bound"
      : `is bound to a catalog row whose status is "${this.status}"`
    return `${subject} ${state}, so the configuration cannot be hashed by its catalog uid. Run ` +
      "`metatables migrations upgrade` to register it, then run the node through the engine (startEngine), which " +
      "binds active tables."
  }
}
