/**
 * Summaries of timing samples and the ratio to the PyTorch peer. Medians, not means: on a shared,
 * loaded machine a few steps are slowed by other processes and the mean follows them (steps.py
 * reports the median too, so both sides are summarised the same way).
 */

export interface SampleSummary {
  /** Number of samples. */
  n: number;
  medianMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** 25th and 75th percentiles (linear interpolation between order statistics). */
  p25Ms: number;
  p75Ms: number;
}

/** Quantile q ∈ [0, 1] of ascending `sorted`, interpolating linearly (numpy's default, R type 7). */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("'sorted' passed to quantileOfSorted() must hold at least 1 sample but got 0");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`'q' passed to quantileOfSorted() must be in [0, 1] but got ${q}`);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const lower = sorted[below]!;
  const upper = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return lower + (position - below) * (upper - lower);
}

export function median(samples: readonly number[]): number {
  return quantileOfSorted([...samples].sort((a, b) => a - b), 0.5);
}

export function summarize(samplesMs: readonly number[]): SampleSummary {
  if (samplesMs.length === 0) throw new RangeError("'samplesMs' passed to summarize() must hold at least 1 sample but got 0");
  for (const s of samplesMs) {
    if (!Number.isFinite(s) || s < 0) throw new RangeError(`'samplesMs' passed to summarize() must be finite and >= 0 but holds ${s}`);
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    n: sorted.length,
    medianMs: quantileOfSorted(sorted, 0.5),
    meanMs: sorted.reduce((sum, s) => sum + s, 0) / sorted.length,
    minMs: sorted[0]!,
    maxMs: sorted[sorted.length - 1]!,
    p25Ms: quantileOfSorted(sorted, 0.25),
    p75Ms: quantileOfSorted(sorted, 0.75),
  };
}

export interface PeerRatio {
  /** median(ours, all rounds pooled) / median(PyTorch, all rounds pooled): > 1 means we are slower. */
  ratio: number;
  /** The same ratio within each round (ours and PyTorch of one round ran back to back). */
  perRound: number[];
}

/**
 * Ratio of our step time to PyTorch's, from samples taken in the same bench run. `oursByRound[r]`
 * and `peerByRound[r]` are the samples of round r; rounds where one side has no samples are left
 * out of `perRound` (the pooled ratio still uses every sample).
 */
export function peerRatio(oursByRound: readonly (readonly number[])[], peerByRound: readonly (readonly number[])[]): PeerRatio {
  const ours = oursByRound.flat();
  const peer = peerByRound.flat();
  if (ours.length === 0 || peer.length === 0) {
    throw new RangeError(`peerRatio() needs samples on both sides but got ${ours.length} of ours and ${peer.length} of PyTorch`);
  }
  const perRound: number[] = [];
  const rounds = Math.min(oursByRound.length, peerByRound.length);
  for (let r = 0; r < rounds; r++) {
    const o = oursByRound[r]!;
    const p = peerByRound[r]!;
    if (o.length > 0 && p.length > 0) perRound.push(median(o) / median(p));
  }
  return { ratio: median(ours) / median(peer), perRound };
}
