/**
 * The runner's defaults, apart from the runner so that the command line can show them in its help without
 * loading the engine.
 */

/** How many nodes run at once. */
export const DEFAULT_CONCURRENCY = 4
