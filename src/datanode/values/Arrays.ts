/**
 * The array family: `text[]`, `integer[][]` and the like take JS arrays nested to the declared dimensions,
 * rectangular, of values the element type takes or `null`; written as an array literal of the elements'
 * text. Arrays compare by their literal text, and an array's entity value is that text.
 */
import { pgArrayLiteral } from "../../db/PgArrayLiteral.ts"
import { describeValue } from "./DescribeValue.ts"
import { type Encode, plainFamily, type ValueFamily } from "./ValueFamily.ts"
import { type ValueProblem, valueProblem } from "./ValueProblem.ts"

const arrayEncoder = (element: Encode, dimensions: number, elementType: string): Encode => {
  const expected = dimensions === 1
    ? `an array of ${elementType} values or nulls`
    : `${dimensions}-dimensional nested arrays of ${elementType} values or nulls, all rows of equal length`
  /** The literal of the innermost arrays: each element encoded, or `null`. */
  const renderElements = (items: ReadonlyArray<unknown>, path: string): string | ValueProblem => {
    const texts: Array<string | null> = new Array(items.length)
    for (let index = 0; index < items.length; index++) {
      const item = items[index]
      if (item === null) {
        texts[index] = null
        continue
      }
      const text = item === undefined
        ? valueProblem("invalid-value", expected, "use null for a missing element")
        : element(item)
      if (typeof text !== "string") {
        const hint = `each element must be ${text.expected}${text.hint === "" ? "" : `; ${text.hint}`}`
        return valueProblem(text.reason, expected, hint, `${text.found ?? describeValue(item)} at ${path}[${index}]`)
      }
      texts[index] = text
    }
    return pgArrayLiteral(texts)
  }
  const render = (
    items: ReadonlyArray<unknown>,
    level: number,
    lengths: Array<number>,
    path: string
  ): string | ValueProblem => {
    if (level > 0 && items.length === 0) {
      return valueProblem("invalid-value", expected, "a PostgreSQL array cannot hold empty sub-arrays")
    }
    if (level === dimensions - 1) return renderElements(items, path)
    let literal = "{"
    for (let index = 0; index < items.length; index++) {
      const item = items[index]
      if (!Array.isArray(item)) {
        return valueProblem("wrong-type", expected, "", `${describeValue(item)} at ${path}[${index}]`)
      }
      const known = lengths[level + 1]
      if (known === undefined) lengths[level + 1] = item.length
      else if (known !== item.length) {
        return valueProblem(
          "invalid-value",
          expected,
          "a PostgreSQL array must be rectangular",
          `sub-arrays of ${known} and ${item.length} items`
        )
      }
      const inner = render(item, level + 1, lengths, `${path}[${index}]`)
      if (typeof inner !== "string") return inner
      literal += (index === 0 ? "" : ",") + inner
    }
    return literal + "}"
  }
  return (value) => Array.isArray(value) ? render(value, 0, [value.length], "") : valueProblem("wrong-type", expected)
}

/** The family of an array column of `dimensions` dimensions whose elements belong to `element`. */
export const arrayFamily = (element: ValueFamily, dimensions: number, elementType: string): ValueFamily =>
  plainFamily(arrayEncoder(element.encode, dimensions, elementType))
