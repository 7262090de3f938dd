/**
 * A DataNode configuration declaration that cannot be used, with every problem found in it, each naming its
 * field. Thrown when the class is declared, so a bad configuration fails its module's import.
 */
import * as Schema from "effect/Schema"

/** What is wrong with one field. */
export const ConfigurationProblemReason = Schema.Literals([
  "missing-description",
  "legacy-annotation",
  "storage-table-field",
  "data-source-uid",
  "backend-identity",
  "misplaced-hash-excluded",
  "invalid-hash-excluded",
  "invalid-storage-reference",
  "extend-not-supported"
])
export type ConfigurationProblemReason = typeof ConfigurationProblemReason.Type

export const ConfigurationProblem = Schema.Struct({
  /** The field's path: `offsetStart`, `legs[*].label`, `limits[*].value`. */
  field: Schema.String,
  reason: ConfigurationProblemReason,
  /** What was found: the annotation key, the field name as written, the offending value. */
  found: Schema.String
})
export type ConfigurationProblem = typeof ConfigurationProblem.Type

const explain = ({ field, found, reason }: ConfigurationProblem): string => {
  switch (reason) {
    case "missing-description":
      return `${field}: every configuration field needs a description; annotate it, as in ` +
        "Schema.String.annotate({ description: \"...\", examples: [...] })"
    case "legacy-annotation":
      return `${field}: the annotation "${found}" is a legacy SDK extra and no longer means anything; ` +
        "mark fields that must not change the update hash with hashExcluded"
    case "storage-table-field":
      return `${field}: the output storage table belongs to the DataNode, not to its configuration; to read ` +
        "another table, declare the field with StorageReference(Table)"
    case "data-source-uid":
      return `${field}: data-source uids do not belong in a configuration; the data source comes from the ` +
        "bound storage table"
    case "backend-identity":
      return `${field}: backend uids and hashes do not belong in a configuration; reference a table with ` +
        "StorageReference(Table), which is hashed by its bound catalog uid"
    case "misplaced-hash-excluded":
      return `${field}: hashExcluded marks a field of a configuration or struct; put it on the field itself ` +
        "(items of arrays, records and unions cannot be excluded one by one)"
    case "invalid-hash-excluded":
      return `${field}: hashExcluded must be true or false, found ${found}`
    case "invalid-storage-reference":
      return `${field}: ${found}`
    case "extend-not-supported":
      return `${field}: a DataNodeConfiguration cannot be extended with .extend(); declare a new ` +
        "DataNodeConfiguration and spread the base fields into it ({ ...Base.fields, ... })"
  }
}

export class ConfigurationDefinitionError extends Schema.TaggedError<ConfigurationDefinitionError>()(
  "ConfigurationDefinitionError",
  {
    /** The configuration's identifier, as given to `DataNodeConfiguration`. */
    configuration: Schema.String,
    problems: Schema.Array(ConfigurationProblem)
  }
) {
  override get message(): string {
    return `DataNode configuration "${this.configuration}" is not valid:\n` +
      this.problems.map((problem) => `  - ${explain(problem)}`).join("\n")
  }
}
