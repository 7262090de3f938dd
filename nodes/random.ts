/**
 * Deterministic randomness for the example nodes: a seeded generator (SplitMix32) and normal draws, so that
 * the same seed gives the same series on every run, machine and runtime.
 */
import * as NodeCrypto from "node:crypto"

/** A 32-bit seed derived from any parts (a configuration's seed, an asset, an account). */
export const seedOf = (...parts: ReadonlyArray<string | number>): number =>
  NodeCrypto.createHash("sha256").update(parts.join("\u0000")).digest().readUInt32BE(0)

/** A generator of uniform numbers in [0, 1). */
export const uniforms = (seed: number): () => number => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296
  }
}

/** A generator of standard normal numbers (Box-Muller over `uniform`). */
export const normals = (uniform: () => number): () => number => () => {
  const u = Math.max(uniform(), Number.EPSILON)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())
}
