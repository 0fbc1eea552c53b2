/**
 * Fully connected ReLU network (LeNet-300-100 = hiddenSizes [300, 100] on 28×28×1 inputs; rigl-spec
 * §6.5). Layers fc1, fc2, ... with biases; the input is flattened NHWC.
 * Init 'torch-linear-default': weights and biases ~ U(−1/√fan_in, 1/√fan_in), PyTorch's nn.Linear
 * default (recipes.md); 'he-normal': weights ~ N(0, 2/fan_in), biases 0 (env-measurements §5).
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { ModelSpec } from '../run-manifest.ts';
import type { DenseChainLink, ModelDefinition } from './model-definition.ts';
import { dense, flatten } from './ops.ts';
import { PlanBuilder, ZERO, heNormalFanIn, requirePositiveInteger, torchDefault } from './plan.ts';
import type { InputShape } from './types.ts';

type MlpSpec = Extract<ModelSpec, { name: 'mlp' }>;

/** Layer widths input → hidden... → classes. */
function widths(spec: MlpSpec, input: InputShape, numClasses: number): number[] {
  if (!Array.isArray(spec.hiddenSizes)) {
    throw new InvalidRunConfigError(`mlp 'hiddenSizes' must be an array of integers but got ${JSON.stringify(spec.hiddenSizes)}`);
  }
  spec.hiddenSizes.forEach((h, i) => requirePositiveInteger(`mlp hiddenSizes[${i}]`, h));
  requirePositiveInteger('numClasses', numClasses);
  return [input.height * input.width * input.channels, ...spec.hiddenSizes, numClasses];
}

/** fc1 … fcN: ReLU after every layer but the last. The forward pass is exactly this chain. */
function chain(spec: MlpSpec, input: InputShape, numClasses: number): DenseChainLink[] {
  const layerCount = widths(spec, input, numClasses).length - 1;
  return Array.from({ length: layerCount }, (_, k) => ({
    layer: `fc${k + 1}`,
    weight: `fc${k + 1}.weight`,
    bias: `fc${k + 1}.bias`,
    activation: k + 1 < layerCount ? 'relu' : 'none',
  }));
}

export const mlp: ModelDefinition<MlpSpec> = {
  plan(spec, input, numClasses) {
    const w = widths(spec, input, numClasses);
    const builder = new PlanBuilder('mlp');
    for (let i = 0; i + 1 < w.length; i++) {
      const name = `fc${i + 1}`;
      const fanIn = w[i]!;
      if (spec.init === 'torch-linear-default') {
        builder.dense(name, fanIn, w[i + 1]!, torchDefault(fanIn));
        builder.bias(name, w[i + 1]!, torchDefault(fanIn));
      } else {
        builder.dense(name, fanIn, w[i + 1]!, heNormalFanIn(fanIn));
        builder.bias(name, w[i + 1]!, ZERO);
      }
    }
    return builder.build();
  },
  forward(spec, input, numClasses) {
    const links = chain(spec, input, numClasses);
    return (x, vars) => {
      let h = flatten(x);
      links.forEach((link, k) => {
        h = dense(h, vars.param(link.weight), vars.param(link.bias), {
          inputGradient: k > 0,
          activation: link.activation,
          layout: vars.sparseLayout?.(link.layer),
        });
      });
      return h;
    };
  },
  denseChain: chain,
};
