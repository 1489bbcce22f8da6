/**
 * Seeded pseudo-random numbers, identical in Node and the browser, so that a
 * seed names a scene, a k-means start or a test case everywhere.
 */

/**
 * mulberry32 (Tommy Ettinger, public domain): a tiny 32-bit generator of
 * uniform numbers in [0, 1) with good statistics. The sequence of a seed never
 * changes: the procedural scenes are defined by it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed scrambled by one multiply, so that nearby seeds (0, 1, 2, …) start far apart. */
export function mixSeed(seed: number): number {
  return Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
}

/** murmur3's 32-bit finaliser: every input bit flips about half of the output bits. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The seed of stream `index` under `seed`: a hash of the pair, so that the
 * streams of one seed are unrelated to each other and to every stream of
 * another seed (`seed + index` would give seeds 0 and 1 all but one stream in
 * common).
 */
export function streamSeed(seed: number, index: number): number {
  return fmix32(fmix32(seed >>> 0) ^ Math.imul((index >>> 0) + 1, 0x9e3779b9));
}

/**
 * `n` numbers uniform in [-scale, scale] from a linear congruential generator
 * (Numerical Recipes' constants): the fixed weights of the probe and toy
 * networks, which must not depend on a global seed or on mulberry32's stream.
 */
export function lcgUniform(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}
