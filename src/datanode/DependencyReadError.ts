/**
 * Reading a dependency's rows failed: the node is not among the reader's dependencies, a bound is not an
 * instant, an entity filter names columns the table's grain does not have, or the database failed.
 */
import * as Schema from "effect/Schema"
import { formatCause, retryability } from "../db/FailureCause.ts"

export class DependencyReadError extends Schema.TaggedError<DependencyReadError>()("DependencyReadError", {
  /** The node that reads. */
  node: Schema.String,
  /** The dependency's kind and the table read, `identifier (schema.table)`. */
  dependency: Schema.String,
  table: Schema.String,
  reason: Schema.Literals(["not-a-dependency", "invalid-range", "invalid-entity", "database"]),
  /** The database's error for `database`; for the refusals, a sentence saying what is wrong with the read. */
  cause: Schema.Defect()
}) {
  /** The database's report (read from the cause), or what is wrong with the read. */
  get detail(): string {
    return formatCause(this.cause)
  }

  /** A refused read is refused again; a database failure passes when the database says it may. */
  get isRetryable(): boolean {
    return this.reason === "database" && (retryability(this.cause) ?? false)
  }

  override get message(): string {
    const subject = `DataNode "${this.node}" could not read ${this.dependency} from ${this.table}`
    switch (this.reason) {
      case "not-a-dependency":
        return this.dependency.startsWith("table ")
          ? `${subject}: ${this.detail}. Declare the table in the node's reads, so the engine attaches it.`
          : `${subject}: it is not one of the node's dependencies (${this.detail}). Return it from ` +
            "dependencies(configuration), so the engine runs it first."
      case "invalid-range":
        return `${subject}: ${this.detail}`
      case "invalid-entity":
        return `${subject}: ${this.detail}`
      case "database":
        return `${subject}: ${this.detail}`
    }
  }
}
