/**
 * The HTTP API could not be served: the port is taken, the address is not this machine's, or the catalog it
 * reads is not ready. Serving does not start.
 */
import * as Schema from "effect/Schema"
import { formatCause } from "../db/FailureCause.ts"

export class ServeHttpError extends Schema.TaggedError<ServeHttpError>()("ServeHttpError", {
  host: Schema.String,
  port: Schema.Number,
  cause: Schema.Defect()
}) {
  override get message(): string {
    return `Cannot serve the HTTP API on ${this.host}:${this.port}: ${formatCause(this.cause)}. ` +
      "Choose another --port (or METATABLES_PORT), or stop what holds this one."
  }
}
