/**
 * The uuid family: 8-4-4-4-12 hex strings in any case, stored lower-case, so that the text is canonical and
 * its own equality key (a uuid in any case gives one grain value).
 */
import { type Encode, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { valueProblem } from "./ValueProblem.ts"

const UUID_EXPECTED = "a UUID string, 8-4-4-4-12 hex digits (any case)"

const encodeUuid: Encode = (value) => {
  if (typeof value !== "string") return valueProblem("wrong-type", UUID_EXPECTED)
  if (value.length !== 36) return valueProblem("invalid-value", UUID_EXPECTED)
  let upper = false
  for (let index = 0; index < 36; index++) {
    const code = value.charCodeAt(index)
    if (index === 8 || index === 13 || index === 18 || index === 23) {
      if (code !== 45) return valueProblem("invalid-value", UUID_EXPECTED)
    } else if (code >= 65 && code <= 70) {
      upper = true
    } else if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) {
      return valueProblem("invalid-value", UUID_EXPECTED)
    }
  }
  return upper ? value.toLowerCase() : value
}

export const uuidFamily: ValueFamily = plainFamily(encodeUuid)
