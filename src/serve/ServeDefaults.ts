/**
 * serve's bounds that the command line checks its flags against, apart from serve so that the command tree
 * (all that `--help` loads) does not load the cluster's modules to read them.
 */

/** The most finished requests one prune statement may delete: past it, one statement would hold its locks long. */
export const maxPruneBatchSize = 1_000_000
