/**
 * Whether a declared text (a description, a label, a namespace) says nothing: not a string, or only
 * whitespace. Shared by the storage table, DataNode configuration and hash namespace checks, so that all
 * three refuse the same blanks.
 */
import * as Predicate from "effect/Predicate"

export const isBlank = (value: unknown): boolean => !Predicate.isString(value) || value.trim() === ""
