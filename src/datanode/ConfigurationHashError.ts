/**
 * A configuration value that cannot enter the update hash, and where it is: a storage table held as plain
 * configuration, a value without a canonical form, or something that is not a configuration at all.
 */
import * as Schema from "effect/Schema"

export class ConfigurationHashError extends Schema.TaggedError<ConfigurationHashError>()(
  "ConfigurationHashError",
  {
    /** The configuration's identifier; the DataNode kind when the kind or the whole configuration is the problem. */
    configuration: Schema.String,
    /** The field's path (`legs[2].label`); empty when the problem is not in a field. */
    field: Schema.String,
    reason: Schema.Literals(["storage-table-value", "unsupported-value", "not-a-configuration", "blank-kind"]),
    /** What was found: `the storage table "sdk_examples.prices"`, `NaN`, `an instance of URL`. */
    found: Schema.String
  }
) {
  override get message(): string {
    const where = `field ${this.field} of configuration "${this.configuration}"`
    switch (this.reason) {
      case "storage-table-value":
        return `The ${where} holds ${this.found} as plain configuration. A node's output table is not ` +
          "configuration; to read another table, declare the field with StorageReference(Table), which is " +
          "hashed by the table's bound catalog uid."
      case "unsupported-value":
        return `The ${where} holds ${this.found}, which has no canonical form for the update hash. Use strings, ` +
          "finite numbers, booleans, null, bigints, BigDecimal, Date or DateTime, arrays, records, structs, " +
          "nested configurations and StorageReference fields."
      case "not-a-configuration": {
        const subject = this.configuration === ""
          ? "The configuration"
          : `The configuration of DataNode "${this.configuration}"`
        return `${subject} is ${this.found}, not a DataNodeConfiguration instance; declare its class with ` +
          "DataNodeConfiguration<Self>(\"Name\")({ ... })."
      }
      case "blank-kind":
        return `A DataNode kind is required to compute an update hash (found ${this.found}).`
    }
  }
}
