/**
 * SNFS-style layer-wise redistribution (Dettmers & Zettlemoyer 2019; rigl-spec §3.4), written once
 * for SNFS (statistic: mean |momentum|) and the report's RigL-SG / RigL-SM (mean |sparse gradient|,
 * mean |sparse momentum| of active weights; rigl-spec §3.5). Follows the reference code
 * [SL: sparselearning/core.py › gather_statistics, adjust_prune_rate, calc_growth_redistribution,
 * truncate_weights; the report's fork keeps the same steps]:
 * 1. share c_l = statistic_l / Σ statistic;
 * 2. prune rate p_l = p, except a layer with sparsity < 0.2 whose share is above average (1/L)
 *    gets min(sparsity_l, p);
 * 3. regrowth_l = ceil(c_l · (total removed + adjusted growth)), capped at 0.99 · (zeros_l +
 *    removed_l); the excess is spread evenly over all layers, iterated up to 1,000 rounds;
 * 4. grow floor(regrowth_l) in each layer;
 * 5. adjusted growth ← 0.25 · adjusted + 0.75 · (baseline − nnz_new) + mean(history of
 *    baseline − nnz_new), correcting the drift that the caps and floors cause.
 * Two edge cases the reference leaves undefined are pinned here: when every statistic is 0 (an
 * update before any momentum has accumulated, e.g. at g = 0) each layer regrows what it dropped;
 * a negative regrowth (adjusted growth below −removed) grows 0.
 */
import { CheckpointError } from '../errors.ts';
import { roundCount } from '../sparsity/counts.ts';
import type { CountRounding } from '../run-manifest.ts';
import type { MaskedLayerView } from './masked-controller.ts';
import type { MaskUpdateInput } from './types.ts';

/** c_l = s_l / Σ s (non-finite or negative statistics count as 0); null when Σ s = 0. */
export function layerShares(statistics: readonly number[]): number[] | null {
  const clean = statistics.map((s) => (Number.isFinite(s) && s > 0 ? s : 0));
  const total = clean.reduce((a, b) => a + b, 0);
  return total > 0 ? clean.map((s) => s / total) : null;
}

/** Step 2: SNFS' per-layer prune rates [SL core.py › adjust_prune_rate]. */
export function adjustedPruneRates(
  rate: number,
  layers: readonly { size: number; activeCount: number }[],
  shares: readonly number[],
): number[] {
  const expected = 1 / layers.length;
  return layers.map((layer, l) => {
    const sparsity = (layer.size - layer.activeCount) / layer.size;
    const share = shares[l]!;
    if (sparsity < 0.2 && share > 0 && expected / share < 1) return Math.min(sparsity, rate);
    return rate;
  });
}

/** Step 3: the reference's iterative capped redistribution (fractional results). */
export function redistributeGrowth(args: {
  shares: readonly number[];
  zeros: readonly number[];
  removed: readonly number[];
  totalRemoved: number;
  adjustedGrowth: number;
}): number[] {
  const { shares, zeros, removed, totalRemoved, adjustedGrowth } = args;
  const n = shares.length;
  const regrowth: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
  let residual = Infinity;
  let meanResidual = 0;
  for (let round = 0; residual > 0 && round < 1000; round++) {
    residual = 0;
    for (let l = 0; l < n; l++) {
      const cap = 0.99 * (zeros[l]! + removed[l]!);
      const r = (regrowth[l] ?? Math.ceil(shares[l]! * (totalRemoved + adjustedGrowth))) + meanResidual;
      if (r > cap) {
        regrowth[l] = cap;
        residual += r - cap;
      } else {
        regrowth[l] = r;
      }
    }
    meanResidual = residual / n;
  }
  return regrowth.map((r) => r ?? 0);
}

/** Step 5's state, checkpointed with the controller. */
export interface GrowthAdjustment {
  /** Active weights over masked layers at initialisation. */
  baseline: number;
  adjustedGrowth: number;
  historySum: number;
  historyCount: number;
}

export function initialGrowthAdjustment(baseline: number): GrowthAdjustment {
  return { baseline, adjustedGrowth: 0, historySum: 0, historyCount: 0 };
}

export function nextGrowthAdjustment(state: GrowthAdjustment, activeAfter: number): GrowthAdjustment {
  const latest = state.baseline - activeAfter;
  const historySum = state.historySum + latest;
  const historyCount = state.historyCount + 1;
  return {
    baseline: state.baseline,
    adjustedGrowth: 0.25 * state.adjustedGrowth + 0.75 * latest + historySum / historyCount,
    historySum,
    historyCount,
  };
}

// ---------------------------------------------------------------------------------------------
// Count rules: how many to drop and grow per layer on an update.

export interface LayerCounts {
  drop: number;
  grow: number;
}

export interface CountRule {
  counts(layers: readonly MaskedLayerView[], fraction: number, input: MaskUpdateInput): LayerCounts[];
  /** Called after the update with the total active weights over masked layers. */
  afterUpdate(activeAfter: number): void;
  state(): unknown;
  restore(json: unknown): void;
}

/**
 * RigL, SET, SNFS without redistribution: per layer k = rounding(f · n_active) dropped and the same
 * k grown (rigl-spec §2.2 item 2; floor in the authors' code).
 */
export function perLayerCounts(rounding: CountRounding): CountRule {
  return {
    counts: (layers, fraction) =>
      layers.map((layer) => {
        const k = roundCount(fraction * layer.activeCount, rounding);
        return { drop: k, grow: k };
      }),
    afterUpdate: () => {},
    state: () => null,
    restore: () => {},
  };
}

/**
 * Drops rounding(p_l · n_active_l) per layer and grows the redistributed counts (steps 1–5).
 * `statistic` is read with the masks before the update, as the reference gathers statistics first.
 */
export function redistributedCounts(options: {
  statistic: (layer: MaskedLayerView, input: MaskUpdateInput) => number;
  dropRounding: CountRounding;
  baseline: number;
}): CountRule {
  let adjustment = initialGrowthAdjustment(options.baseline);
  return {
    counts(layers, fraction, input) {
      const shares = layerShares(layers.map((layer) => options.statistic(layer, input)));
      const rates = shares === null ? layers.map(() => fraction) : adjustedPruneRates(fraction, layers, shares);
      const drops = layers.map((layer, l) => roundCount(rates[l]! * layer.activeCount, options.dropRounding));
      if (shares === null) return drops.map((drop) => ({ drop, grow: drop }));
      const zeros = layers.map((layer) => layer.size - layer.activeCount);
      const regrowth = redistributeGrowth({
        shares,
        zeros,
        removed: drops,
        totalRemoved: drops.reduce((a, b) => a + b, 0),
        adjustedGrowth: adjustment.adjustedGrowth,
      });
      return drops.map((drop, l) => ({
        drop,
        grow: Math.min(Math.floor(Math.max(0, regrowth[l]!)), zeros[l]! + drop),
      }));
    },
    afterUpdate(activeAfter) {
      adjustment = nextGrowthAdjustment(adjustment, activeAfter);
    },
    state: () => ({ ...adjustment }),
    restore(json) {
      const j = json as Partial<GrowthAdjustment> | null;
      if (
        j === null ||
        typeof j !== 'object' ||
        typeof j.baseline !== 'number' ||
        typeof j.adjustedGrowth !== 'number' ||
        typeof j.historySum !== 'number' ||
        typeof j.historyCount !== 'number'
      ) {
        throw new CheckpointError('checkpoint redistribution state must have baseline, adjustedGrowth, historySum and historyCount');
      }
      adjustment = { baseline: j.baseline, adjustedGrowth: j.adjustedGrowth, historySum: j.historySum, historyCount: j.historyCount };
    },
  };
}
