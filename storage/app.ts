/**
 * The example project's name, the first part of every table name it declares, so that its tables never
 * collide with another project's in a shared database.
 */
export const EXAMPLE_APP = "sdk_examples"
