/**
 * Layer-wise sparsity distributions (rigl-spec §4), as pure functions that share one signature
 * (after jaxpruner/sparsity_distributions.py): the weight layers, the overall target sparsity and
 * the manifest's `Distribution` in; one `LayerAllocation` per layer out, with the density and the
 * exact integer number of active weights, n_active = N − floor(s · N) (rigl-spec §2.4, §4.3).
 *
 * Which layers are masked: every layer except those named in `denseLayers` (uniform, ER, ERK), or
 * exactly the layers named in the map (custom). An unmasked layer is dense, has no mask, and is left
 * out of the distribution's accounting, as the authors' code leaves an unmasked first layer out of
 * its mask set [GR: resnet_train_eval.py `prune_first_layer=False`]; the target sparsity is
 * therefore over the masked layers only (rigl-spec §1). A masked layer may still come out at
 * density 1 (ERK's capping loop); it keeps an all-ones mask, so methods that move weights between
 * layers (SNFS) can still thin it, as in the report's code.
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { Distribution } from '../run-manifest.ts';
import { activeCountAtDensity, zerosAtSparsity } from './counts.ts';

export interface LayerShape {
  name: string;
  /** tfjs layout: dense [in, out]; conv2d [kh, kw, in, out]. */
  shape: readonly number[];
}

export interface LayerAllocation {
  name: string;
  shape: number[];
  /** Number of weights, prod(shape). */
  size: number;
  /** false: the layer is dense and carries no mask. */
  masked: boolean;
  /** Assigned density (1 for unmasked layers); activeCount / size up to the integer rounding. */
  density: number;
  /** Exact number of active weights. */
  activeCount: number;
}

/** The one signature every distribution shares. */
export type DistributionFunction<D extends Distribution> = (
  layers: readonly LayerShape[],
  targetSparsity: number,
  distribution: D,
) => LayerAllocation[];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function checkInputs(layers: readonly LayerShape[], targetSparsity: number, fn: string): void {
  if (layers.length === 0) throw new InvalidRunConfigError(`${fn}(): the model has no weight layers`);
  if (!(targetSparsity >= 0 && targetSparsity < 1)) {
    throw new InvalidRunConfigError(
      `${fn}(): 'sparsity.target' must be in [0, 1) but got ${targetSparsity}`,
    );
  }
  const seen = new Set<string>();
  for (const layer of layers) {
    if (seen.has(layer.name)) throw new InvalidRunConfigError(`${fn}(): duplicate layer name '${layer.name}'`);
    seen.add(layer.name);
    if (layer.shape.length < 2 || layer.shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new InvalidRunConfigError(
        `${fn}(): layer '${layer.name}' must have a shape of >= 2 positive integers but got [${layer.shape.join(', ')}]`,
      );
    }
  }
}

/** Throws InvalidRunConfigError when a name in `names` is not a layer, listing the known names. */
export function checkLayerNames(layers: readonly LayerShape[], names: readonly string[], field: string): void {
  const known = new Set(layers.map((l) => l.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new InvalidRunConfigError(
      `${field} names unknown layer(s) ${unknown.map((n) => `'${n}'`).join(', ')}; ` +
        `the model's weight layers are: ${[...known].join(', ')}`,
    );
  }
}

function denseAllocation(layer: LayerShape): LayerAllocation {
  const size = sizeOf(layer.shape);
  return { name: layer.name, shape: [...layer.shape], size, masked: false, density: 1, activeCount: size };
}

function maskedAllocation(layer: LayerShape, density: number): LayerAllocation {
  const size = sizeOf(layer.shape);
  return { name: layer.name, shape: [...layer.shape], size, masked: true, density, activeCount: activeCountAtDensity(size, density) };
}

/** Uniform: every masked layer at the target sparsity (rigl-spec §4.1). */
export const uniformDistribution: DistributionFunction<Extract<Distribution, { kind: 'uniform' }>> = (
  layers,
  targetSparsity,
  distribution,
) => {
  checkInputs(layers, targetSparsity, 'uniformDistribution');
  checkLayerNames(layers, distribution.denseLayers, "'sparsity.distribution.denseLayers'");
  const dense = new Set(distribution.denseLayers);
  return layers.map((layer) => {
    if (dense.has(layer.name)) return denseAllocation(layer);
    const size = sizeOf(layer.shape);
    const activeCount = size - zerosAtSparsity(size, targetSparsity);
    return { name: layer.name, shape: [...layer.shape], size, masked: true, density: 1 - targetSparsity, activeCount };
  });
};

/**
 * The Erdős–Rényi scaling with the capping loop of the authors' code (rigl-spec §4.2, exactly
 * [GR: rigl/sparse_utils.py › get_sparsities_erdos_renyi]): solve ε so the active weights match the
 * target, make dense every layer whose ε · raw exceeds 1 (all layers sharing the largest raw at
 * once), and solve again until no layer exceeds 1.
 */
function erdosRenyiFamily(
  layers: readonly LayerShape[],
  targetSparsity: number,
  denseLayers: readonly string[],
  rawOf: (shape: readonly number[]) => number,
  fn: string,
): LayerAllocation[] {
  checkInputs(layers, targetSparsity, fn);
  checkLayerNames(layers, denseLayers, "'sparsity.distribution.denseLayers'");
  const unmasked = new Set(denseLayers);
  const masked = layers.filter((l) => !unmasked.has(l.name));
  if (masked.length === 0) {
    throw new InvalidRunConfigError(`${fn}(): 'sparsity.distribution.denseLayers' names every layer; nothing is left to mask`);
  }
  const raw = new Map(masked.map((l) => [l.name, rawOf(l.shape)]));
  const cappedDense = new Set<string>();
  let epsilon = 0;
  for (;;) {
    let rhs = 0;
    let divisor = 0;
    for (const layer of masked) {
      const size = sizeOf(layer.shape);
      const zeros = zerosAtSparsity(size, targetSparsity);
      if (cappedDense.has(layer.name)) {
        rhs -= zeros;
      } else {
        rhs += size - zeros;
        divisor += raw.get(layer.name)! * size;
      }
    }
    if (divisor === 0 || rhs <= 0) {
      throw new InvalidRunConfigError(
        `${fn}(): target sparsity ${targetSparsity} cannot be met: the layers made dense by the ` +
          `capping loop (${[...cappedDense].join(', ')}) already hold more weights than the target allows`,
      );
    }
    epsilon = rhs / divisor;
    let maxRaw = -Infinity;
    for (const layer of masked) {
      if (!cappedDense.has(layer.name)) maxRaw = Math.max(maxRaw, raw.get(layer.name)!);
    }
    if (maxRaw * epsilon <= 1) break;
    for (const layer of masked) {
      if (!cappedDense.has(layer.name) && raw.get(layer.name) === maxRaw) cappedDense.add(layer.name);
    }
  }
  return layers.map((layer) => {
    if (unmasked.has(layer.name)) return denseAllocation(layer);
    const density = cappedDense.has(layer.name) ? 1 : epsilon * raw.get(layer.name)!;
    return maskedAllocation(layer, density);
  });
}

/** ER: density ∝ (n_in + n_out)/(n_in · n_out), the last two dims (channels only for conv). */
export const erDistribution: DistributionFunction<Extract<Distribution, { kind: 'er' }>> = (
  layers,
  targetSparsity,
  distribution,
) =>
  erdosRenyiFamily(
    layers,
    targetSparsity,
    distribution.denseLayers,
    (shape) => {
      const nIn = shape[shape.length - 2]!;
      const nOut = shape[shape.length - 1]!;
      return (nIn + nOut) / (nIn * nOut);
    },
    'erDistribution',
  );

/** ERK: density ∝ (sum(shape)/prod(shape))^powerScale [GR `erk_power_scale`, default 1]. */
export const erkDistribution: DistributionFunction<Extract<Distribution, { kind: 'erk' }>> = (
  layers,
  targetSparsity,
  distribution,
) => {
  if (!(distribution.powerScale > 0 && Number.isFinite(distribution.powerScale))) {
    throw new InvalidRunConfigError(
      `erkDistribution(): 'sparsity.distribution.powerScale' must be a finite number > 0 but got ${distribution.powerScale}`,
    );
  }
  return erdosRenyiFamily(
    layers,
    targetSparsity,
    distribution.denseLayers,
    (shape) => (shape.reduce((a, b) => a + b, 0) / sizeOf(shape)) ** distribution.powerScale,
    'erkDistribution',
  );
};

/**
 * Custom: the density of each named layer as given; layers not named are dense and unmasked. The
 * target sparsity is not used to scale the map (it only describes the run).
 */
export const customDistribution: DistributionFunction<Extract<Distribution, { kind: 'custom' }>> = (
  layers,
  targetSparsity,
  distribution,
) => {
  checkInputs(layers, targetSparsity, 'customDistribution');
  const names = Object.keys(distribution.densities);
  checkLayerNames(layers, names, "'sparsity.distribution.densities'");
  for (const name of names) {
    const d = distribution.densities[name]!;
    if (!(d > 0 && d <= 1)) {
      throw new InvalidRunConfigError(
        `customDistribution(): 'sparsity.distribution.densities.${name}' must be in (0, 1] but got ${d}`,
      );
    }
  }
  return layers.map((layer) => {
    const d = distribution.densities[layer.name];
    return d === undefined ? denseAllocation(layer) : maskedAllocation(layer, d);
  });
};

const DISTRIBUTIONS: { [K in Distribution['kind']]: DistributionFunction<Extract<Distribution, { kind: K }>> } = {
  uniform: uniformDistribution,
  er: erDistribution,
  erk: erkDistribution,
  custom: customDistribution,
};

/** Dispatch on `distribution.kind`. */
export function allocateLayers(
  layers: readonly LayerShape[],
  targetSparsity: number,
  distribution: Distribution,
): LayerAllocation[] {
  const fn = DISTRIBUTIONS[distribution.kind] as DistributionFunction<Distribution>;
  return fn(layers, targetSparsity, distribution);
}

/** Every layer dense and unmasked (dense and small-dense training). */
export function allDense(layers: readonly LayerShape[]): LayerAllocation[] {
  return layers.map(denseAllocation);
}

/** Active weights over masked layers / weights of masked layers. */
export function realisedDensity(allocation: readonly LayerAllocation[]): number {
  let active = 0;
  let size = 0;
  for (const a of allocation) {
    if (!a.masked) continue;
    active += a.activeCount;
    size += a.size;
  }
  return size === 0 ? 1 : active / size;
}
