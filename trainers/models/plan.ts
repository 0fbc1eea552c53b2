/**
 * A model's plan: every parameter, state tensor and weight layer with its shape and initialiser,
 * computed without tensors. `describeModel` summarises a plan; `buildModel` turns the same plan into
 * variables, so the description and the built model cannot disagree.
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { ParamRole, WeightLayerDescription } from './types.ts';

export type InitRule =
  /** U(−bound, bound). */
  | { kind: 'uniform'; bound: number }
  /** N(0, std²). */
  | { kind: 'normal'; std: number }
  | { kind: 'constant'; value: number };

export interface ParamPlan {
  name: string;
  role: ParamRole;
  /** The weight layer a 'weight' parameter holds; null for biases and norms. */
  layer: string | null;
  shape: number[];
  init: InitRule;
}

export interface StatePlan {
  name: string;
  shape: number[];
  value: number;
}

export interface ModelPlan {
  weightLayers: WeightLayerDescription[];
  params: ParamPlan[];
  state: StatePlan[];
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Spatial size of an NHWC feature map. */
export interface Spatial {
  height: number;
  width: number;
}

/** Output size of a convolution or pooling window: ⌊(in + 2·pad − k)/stride⌋ + 1 (PyTorch's formula). */
export function windowOutput(inSize: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((inSize + 2 * pad - kernel) / stride) + 1;
}

/** Collects a plan layer by layer, checking that feature maps never shrink below 1×1. */
export class PlanBuilder {
  readonly weightLayers: WeightLayerDescription[] = [];
  readonly params: ParamPlan[] = [];
  readonly state: StatePlan[] = [];

  constructor(private readonly modelName: string) {}

  /** A conv weight [k, k, cin, cout] (tfjs layout); returns the output's spatial size. */
  conv(
    name: string,
    input: Spatial,
    k: number,
    cin: number,
    cout: number,
    stride: number,
    pad: number,
    init: InitRule,
  ): Spatial {
    const out = this.checkedSpatial(name, input, k, stride, pad);
    const shape = [k, k, cin, cout];
    const outputPositions = out.height * out.width;
    this.weightLayers.push({ name, kind: 'conv2d', shape, outputPositions, denseForwardFlops: 2 * sizeOf(shape) * outputPositions });
    this.params.push({ name: `${name}.weight`, role: 'weight', layer: name, shape, init });
    return out;
  }

  /** A dense weight [in, out]. */
  dense(name: string, fanIn: number, fanOut: number, init: InitRule): void {
    const shape = [fanIn, fanOut];
    this.weightLayers.push({ name, kind: 'dense', shape, outputPositions: 1, denseForwardFlops: 2 * sizeOf(shape) });
    this.params.push({ name: `${name}.weight`, role: 'weight', layer: name, shape, init });
  }

  bias(layer: string, size: number, init: InitRule): void {
    this.params.push({ name: `${layer}.bias`, role: 'bias', layer: null, shape: [size], init });
  }

  /** Batch norm over `channels`: gamma, beta and the running statistics (PyTorch starts them at 0 and 1). */
  batchNorm(name: string, channels: number, gamma = 1): void {
    this.params.push({ name: `${name}.gamma`, role: 'norm', layer: null, shape: [channels], init: { kind: 'constant', value: gamma } });
    this.params.push({ name: `${name}.beta`, role: 'norm', layer: null, shape: [channels], init: { kind: 'constant', value: 0 } });
    this.state.push({ name: `${name}.runningMean`, shape: [channels], value: 0 });
    this.state.push({ name: `${name}.runningVar`, shape: [channels], value: 1 });
  }

  /** Output of a pooling window, with the same size check. */
  pool(name: string, input: Spatial, k: number, stride: number): Spatial {
    return this.checkedSpatial(name, input, k, stride, 0);
  }

  build(): ModelPlan {
    return { weightLayers: this.weightLayers, params: this.params, state: this.state };
  }

  private checkedSpatial(name: string, input: Spatial, k: number, stride: number, pad: number): Spatial {
    const out = { height: windowOutput(input.height, k, stride, pad), width: windowOutput(input.width, k, stride, pad) };
    if (out.height < 1 || out.width < 1) {
      throw new InvalidRunConfigError(
        `input too small for ${this.modelName}: layer '${name}' gets a ${input.height}×${input.width} map and its ` +
          `${k}×${k} window (stride ${stride}, padding ${pad}) needs at least ${k - 2 * pad}×${k - 2 * pad}`,
      );
    }
    return out;
  }
}

/** PyTorch's default for nn.Linear and nn.Conv2d weights and biases: U(±1/√fan_in) (kaiming_uniform, a = √5). */
export function torchDefault(fanIn: number): InitRule {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

/** He (Kaiming) normal with fan_in: N(0, 2/fan_in). */
export function heNormalFanIn(fanIn: number): InitRule {
  return { kind: 'normal', std: Math.sqrt(2 / fanIn) };
}

/** He (Kaiming) normal with fan_out = k²·C_out: N(0, 2/(k²·C_out)) (WRN and ResNet convs, rigl-spec §6.1–6.2). */
export function heNormalFanOut(k: number, cout: number): InitRule {
  return { kind: 'normal', std: Math.sqrt(2 / (k * k * cout)) };
}

export const ZERO: InitRule = { kind: 'constant', value: 0 };

/** A channel count × widthMultiplier, truncated, at least 1 (run-manifest.ts `widthMultiplier`). */
export function scaledWidth(channels: number, widthMultiplier: number | undefined): number {
  const m = widthMultiplier ?? 1;
  if (!(m > 0) || !Number.isFinite(m)) {
    throw new InvalidRunConfigError(`'widthMultiplier' must be a finite number > 0 but got ${m}`);
  }
  return Math.max(1, Math.trunc(channels * m));
}

export function requirePositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidRunConfigError(`${what} must be an integer >= 1 but got ${value}`);
  }
}
