/**
 * Deterministic top-k selection on host arrays, the tie rule of the whole package: among equal
 * scores the LOWER flat index is taken first, whether taking the smallest (drop) or the largest
 * (grow). tfjs' topk documents the same rule; jaxpruner's top-k behaves the same way
 * (rigl-spec §2.2 item 3). NaN scores are taken last in both directions.
 */

export type SelectOrder = 'smallest' | 'largest';

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
  const sorted = Uint32Array.from(candidates);
  if (k < n) {
    const sign = order === 'smallest' ? 1 : -1;
    sorted.sort((a, b) => {
      const sa = scores[a]!;
      const sb = scores[b]!;
      const aNaN = Number.isNaN(sa);
      const bNaN = Number.isNaN(sb);
      if (aNaN || bNaN) return aNaN === bNaN ? a - b : aNaN ? 1 : -1;
      return sa === sb ? a - b : sign * (sa < sb ? -1 : 1);
    });
  }
  return sorted.subarray(0, k).sort();
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
  const groupOf = new Uint32Array(total);
  const indexOf = new Uint32Array(total);
  const scoreOf = new Float64Array(total);
  let j = 0;
  groups.forEach((g, gi) => {
    for (let c = 0; c < g.candidates.length; c++) {
      const i = g.candidates[c]!;
      groupOf[j] = gi;
      indexOf[j] = i;
      const s = g.scores[i]!;
      scoreOf[j] = Number.isNaN(s) ? Infinity : s;
      j++;
    }
  });
  // Entries are already in (group, index) order, so the position j is the tie-breaker.
  const order = new Uint32Array(total);
  for (let i = 0; i < total; i++) order[i] = i;
  order.sort((a, b) => (scoreOf[a] === scoreOf[b] ? a - b : scoreOf[a]! < scoreOf[b]! ? -1 : 1));
  const chosen: number[][] = groups.map(() => []);
  for (let r = 0; r < k; r++) {
    const e = order[r]!;
    chosen[groupOf[e]!]!.push(indexOf[e]!);
  }
  return chosen.map((c) => Uint32Array.from(c).sort());
}
