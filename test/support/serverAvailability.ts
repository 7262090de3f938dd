/**
 * Which PostgreSQL server the tests use and whether it answered the global setup's probe.
 */
export interface ServerAvailability {
  readonly available: boolean
  /** The admin URL (TEST_DATABASE_URL or the local default); test databases are created through it. */
  readonly url: string
  /** Why it is unavailable; empty when it is available. */
  readonly reason: string
}

export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"

export const serverAdminUrl = (): string => {
  const fromEnvironment = process.env["TEST_DATABASE_URL"]
  return fromEnvironment === undefined || fromEnvironment.trim() === "" ? DEFAULT_TEST_DATABASE_URL : fromEnvironment
}
