/**
 * Deterministic top-k selection on host arrays, the tie rule of the whole package: among equal
 * scores the LOWER flat index is taken first, whether taking the smallest (drop) or the largest
 * (grow). tfjs' topk documents the same rule; jaxpruner's top-k behaves the same way
 * (rigl-spec §2.2 item 3). NaN scores are taken last in both directions.
 *
 * Implementation: the k-th value is found by a three-way quickselect on a copy of the scores
 * (linear on average, and on heavy ties such as many zero gradients), then entries strictly better
 * than it are taken, and the ties at it in position order until k are reached. The pivots come
 * from a fixed xorshift sequence; the result does not depend on them.
 */

export type SelectOrder = 'smallest' | 'largest';

/** The value of rank `rank` (0-based) among `a` (NaN-free); reorders `a`. */
function kthSmallest(a: Float64Array, rank: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let state = 0x9e3779b9;
  for (;;) {
    if (lo >= hi) return a[lo]!;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const pivot = a[lo + ((state >>> 0) % (hi - lo + 1))]!;
    // three-way partition of a[lo..hi]: [< pivot | == pivot | > pivot]
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i <= gt) {
      const v = a[i]!;
      if (v < pivot) {
        a[i] = a[lt]!;
        a[lt] = v;
        lt++;
        i++;
      } else if (v > pivot) {
        a[i] = a[gt]!;
        a[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    if (rank < lt) hi = lt - 1;
    else if (rank > gt) lo = gt + 1;
    else return pivot;
  }
}

/**
 * Positions (0..n-1, in the given order) of the k best of `values` (smallest when `negate` is
 * false; largest when true), ties and NaNs resolved by position. Returns a 0/1 flag per position.
 */
function pickPositions(values: ArrayLike<number>, k: number, negate: boolean): Uint8Array {
  const n = values.length;
  const picked = new Uint8Array(n);
  if (k === 0) return picked;
  const keys = new Float64Array(n);
  let finite = 0;
  for (let p = 0; p < n; p++) {
    const v = values[p]!;
    if (Number.isNaN(v)) {
      keys[p] = NaN;
    } else {
      keys[p] = negate ? -v : v;
      finite++;
    }
  }
  if (k >= finite) {
    // every non-NaN entry, then NaN entries by position
    let extra = k - finite;
    for (let p = 0; p < n; p++) {
      if (!Number.isNaN(keys[p]!)) picked[p] = 1;
      else if (extra > 0) {
        picked[p] = 1;
        extra--;
      }
    }
    return picked;
  }
  const finiteKeys = new Float64Array(finite);
  for (let p = 0, j = 0; p < n; p++) if (!Number.isNaN(keys[p]!)) finiteKeys[j++] = keys[p]!;
  const threshold = kthSmallest(finiteKeys, k - 1);
  let below = 0;
  for (let j = 0; j < finite; j++) if (finiteKeys[j]! < threshold) below++;
  let ties = k - below;
  for (let p = 0; p < n; p++) {
    const key = keys[p]!;
    if (key < threshold) picked[p] = 1;
    else if (key === threshold && ties > 0) {
      picked[p] = 1;
      ties--;
    }
  }
  return picked;
}

/**
 * The `k` entries of `candidates` (indices into `scores`) with the smallest or largest score,
 * returned in ascending index order. `candidates` is not modified.
 */
export function selectByScore(
  candidates: ArrayLike<number>,
  scores: ArrayLike<number>,
  k: number,
  order: SelectOrder,
): Uint32Array {
  const n = candidates.length;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`'k' passed to selectByScore() must be an integer in [0, ${n}] but got ${k}`);
  }
  if (k === 0) return new Uint32Array(0);
  const ascending = Uint32Array.from(candidates).sort();
  if (k === n) return ascending;
  const values = new Float64Array(n);
  for (let p = 0; p < n; p++) values[p] = scores[ascending[p]!]!;
  const picked = pickPositions(values, k, order === 'largest');
  const out = new Uint32Array(k);
  let j = 0;
  for (let p = 0; p < n; p++) if (picked[p] === 1) out[j++] = ascending[p]!;
  return out;
}

/** Indices i with mask[i] === value, ascending. */
export function indicesWhere(mask: Uint8Array, value: 0 | 1): Uint32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) count++;
  const out = new Uint32Array(count);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === value) out[j++] = i;
  return out;
}

/**
 * The `k` smallest scores over several groups (layers) at once — one global threshold — with ties
 * taken in (group order, flat index) order. Returns the chosen flat indices per group, ascending.
 */
export function selectSmallestAcross(
  groups: readonly { candidates: ArrayLike<number>; scores: ArrayLike<number> }[],
  k: number,
): Uint32Array[] {
  const total = groups.reduce((n, g) => n + g.candidates.length, 0);
  if (!Number.isInteger(k) || k < 0 || k > total) {
    throw new RangeError(`'k' passed to selectSmallestAcross() must be an integer in [0, ${total}] but got ${k}`);
  }
  // Concatenate in (group, ascending index) order, so a position order is the tie order.
  const ascending = groups.map((g) => Uint32Array.from(g.candidates).sort());
  const values = new Float64Array(total);
  let p = 0;
  groups.forEach((g, gi) => {
    for (const i of ascending[gi]!) values[p++] = g.scores[i]!;
  });
  const picked = pickPositions(values, k, false);
  p = 0;
  return ascending.map((indices) => {
    const chosen: number[] = [];
    for (const i of indices) if (picked[p++] === 1) chosen.push(i);
    return Uint32Array.from(chosen);
  });
}
