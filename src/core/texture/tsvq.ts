/**
 * Tree-structured vector quantisation (TSVQ), the nearest-neighbour search of
 * Wei and Levoy (2000, §4): the training vectors are split in two by 2-means,
 * each half again, until a leaf holds few vectors; a query descends to the
 * nearer of each node's two centres and is compared exhaustively only with
 * its leaf's vectors, about log₂(count / leaf) · 2 + leaf comparisons
 * instead of count.
 *
 * The search is approximate: a query near a split may belong on the other
 * side. It is exact for the training vectors themselves, because each node
 * sends a vector to the side whose centre is nearer by the same rule (and the
 * same centres) that the descent uses, so every training vector finds its own
 * leaf and distance 0.
 */

/** A set of `count` vectors of `dim` values, row after row. */
export interface VectorSet {
  data: Float32Array;
  dim: number;
  count: number;
}

interface Leaf {
  members: Int32Array;
}
interface Split {
  left: Float32Array;
  right: Float32Array;
  l: TsvqNode;
  r: TsvqNode;
}
type TsvqNode = Leaf | Split;

/** Lloyd iterations of each 2-means split (a few suffice: the split need not be optimal, only consistent). */
export const TSVQ_ITERATIONS = 4;
/** Most vectors in a leaf (the exhaustive part of a query). */
export const TSVQ_LEAF_SIZE = 16;

/** Squared distance between row `i` of `set` and `q`. */
function rowDistance(set: VectorSet, i: number, q: Float32Array): number {
  let s = 0;
  const o = i * set.dim;
  for (let k = 0; k < set.dim; k++) {
    const d = set.data[o + k]! - q[k]!;
    s += d * d;
  }
  return s;
}

/** The index of the row of `set` nearest to `q` among `rows` (all rows when omitted); the first of equals wins. */
export function exhaustiveNearest(set: VectorSet, q: Float32Array, rows?: Int32Array): number {
  let best = Infinity;
  let at = -1;
  const n = rows ? rows.length : set.count;
  for (let j = 0; j < n; j++) {
    const i = rows ? rows[j]! : j;
    const d = rowDistance(set, i, q);
    if (d < best) [best, at] = [d, i];
  }
  return at;
}

/** A TSVQ tree over a vector set; build it with {@link buildTsvq}. */
export class Tsvq {
  constructor(
    readonly set: VectorSet,
    private readonly root: TsvqNode,
  ) {}

  /** The index of the training vector the tree finds nearest to `q`. */
  nearest(q: Float32Array): number {
    let node = this.root;
    while (!('members' in node)) {
      node = squared(node.left, q) <= squared(node.right, q) ? node.l : node.r;
    }
    return exhaustiveNearest(this.set, q, node.members);
  }
}

function squared(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k]! - b[k]!;
    s += d * d;
  }
  return s;
}

/** The mean of `rows` of `set`. */
function mean(set: VectorSet, rows: number[]): Float32Array {
  const c = new Float32Array(set.dim);
  for (const i of rows) for (let k = 0; k < set.dim; k++) c[k]! += set.data[i * set.dim + k]!;
  for (let k = 0; k < set.dim; k++) c[k]! /= rows.length;
  return c;
}

/**
 * Builds the tree over `set`, yielding after each pass over a node's vectors so a caller can keep
 * a page responsive. `rand` picks each split's first centre; the second is
 * the member farthest from it.
 */
export function* buildTsvq(set: VectorSet, rand: () => number, leafSize = TSVQ_LEAF_SIZE): Generator<void, Tsvq, void> {
  const row = (i: number) => set.data.subarray(i * set.dim, (i + 1) * set.dim);
  function* node(members: Int32Array): Generator<void, TsvqNode, void> {
    if (members.length <= leafSize) return { members };
    const first = row(members[Math.floor(rand() * members.length)]!);
    let far = members[0]!;
    let farD = -1;
    for (const i of members) {
      const d = rowDistance(set, i, first);
      if (d > farD) [farD, far] = [d, i];
    }
    if (farD === 0) return { members }; // all alike: nothing to split
    let left = Float32Array.from(first);
    let right = Float32Array.from(row(far));
    const assign = () => {
      const l: number[] = [];
      const r: number[] = [];
      for (const i of members) (rowDistance(set, i, left) <= rowDistance(set, i, right) ? l : r).push(i);
      return [l, r] as const;
    };
    for (let it = 0; it < TSVQ_ITERATIONS; it++) {
      const [l, r] = assign();
      yield;
      if (!l.length || !r.length) break;
      [left, right] = [mean(set, l), mean(set, r)];
    }
    // The final partition by the final centres: the rule the descent follows.
    const [l, r] = assign();
    if (!l.length || !r.length) return { members };
    const ln = yield* node(Int32Array.from(l));
    const rn = yield* node(Int32Array.from(r));
    return { left, right, l: ln, r: rn };
  }
  const all = new Int32Array(set.count);
  for (let i = 0; i < set.count; i++) all[i] = i;
  return new Tsvq(set, yield* node(all));
}
