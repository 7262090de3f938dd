/**
 * What a test's server database leaves on the server, and the statements that remove it: the database and
 * the cluster-wide roles metatables makes for it (migration credentials, provider owner and run roles), which
 * are named by a hash of the database's name and outlive it unless dropped by that name. Plain SQL text, so
 * that `psql`, an Effect client and the global teardown all run the same statements.
 */
import {
  CREDENTIAL_ROLE_PREFIX,
  credentialRolePrefix,
  OWNER_ROLE_PREFIX,
  ownerRolePrefix,
  RUN_ROLE_PREFIX,
  runRolePrefix
} from "../../src/catalog/ProviderRoles.ts"
import { quoteIdentifier, quoteLiteral } from "../../src/db/SqlText.ts"

/** The prefixes of every role metatables makes for some database. */
export const madeRolePrefixes: ReadonlyArray<string> = [CREDENTIAL_ROLE_PREFIX, OWNER_ROLE_PREFIX, RUN_ROLE_PREFIX]

/** The prefixes of the roles made for `databaseName`, credential roles' first (they are dropped first). */
export const rolePrefixesOf = (databaseName: string): ReadonlyArray<string> => [
  credentialRolePrefix(databaseName),
  ownerRolePrefix(databaseName),
  runRolePrefix(databaseName)
]

/** One statement dropping every role whose name starts with one of `prefixes`, those of the first first. */
const dropRolesStatement = (prefixes: ReadonlyArray<string>): string => {
  const matches = prefixes.map((prefix) => `starts_with(rolname, ${quoteLiteral(prefix)})`)
  return [
    "DO $drop$ DECLARE made name; BEGIN",
    `  FOR made IN SELECT rolname FROM pg_roles WHERE ${matches.join(" OR ")} ORDER BY ${matches[0]} DESC, rolname LOOP`,
    "    EXECUTE format('DROP ROLE IF EXISTS %I', made);",
    "  END LOOP;",
    "END $drop$"
  ].join("\n")
}

/**
 * The statements that drop `databaseName` with its sessions, then the roles made for it, to run one by one
 * outside a transaction (DROP DATABASE cannot run inside one).
 */
export const dropServerDatabaseStatements = (databaseName: string): ReadonlyArray<string> => [
  `DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`,
  dropRolesStatement(rolePrefixesOf(databaseName))
]

/** `CREATE DATABASE` of `databaseName`, owned by `owner` when given. */
export const createServerDatabaseStatement = (databaseName: string, owner?: string): string =>
  `CREATE DATABASE ${quoteIdentifier(databaseName)}${owner === undefined ? "" : ` OWNER ${quoteIdentifier(owner)}`}`

/** Of `roles`, those made for a database that is none of `databases`: what outlived its database. */
export const rolesWithoutDatabase = (
  roles: ReadonlyArray<string>,
  databases: ReadonlyArray<string>
): ReadonlyArray<string> => {
  const living = databases.flatMap(rolePrefixesOf)
  return roles.filter((role) =>
    madeRolePrefixes.some((prefix) => role.startsWith(prefix)) && !living.some((prefix) => role.startsWith(prefix))
  )
}

/** The statement dropping `role`; credential roles should go before the others (see `rolePrefixesOf`). */
export const dropRoleStatement = (role: string): string => `DROP ROLE IF EXISTS ${quoteIdentifier(role)}`
