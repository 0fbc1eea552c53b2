/**
 * Weight-layer lists of the papers' models, built in tests from their architectures (rigl-spec
 * §6.1, §6.5) rather than from trainers/models, so FLOP and distribution tests check against the
 * papers, not against our own model code. FLOPs: 2 · prod(shape) · output positions.
 */
import type { WeightLayerDescription } from '../models/types.ts';

function layer(name: string, shape: number[], outputPositions: number): WeightLayerDescription {
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    name,
    kind: shape.length === 4 ? 'conv2d' : 'dense',
    shape,
    outputPositions,
    denseForwardFlops: 2 * size * outputPositions,
  };
}

/** LeNet-300-100 on 28×28 inputs: 784-300-100-10. */
export function mlpLayers(hidden: readonly number[] = [300, 100], input = 784, classes = 10): WeightLayerDescription[] {
  const sizes = [input, ...hidden, classes];
  return sizes.slice(1).map((out, i) => layer(`fc${i + 1}`, [sizes[i]!, out], 1));
}

/** LeNet-5-Caffe: conv 20@5×5 (24×24 out), pool, conv 50@5×5 (8×8 out), pool, fc 800→500, fc 500→10. */
export function lenet5CaffeLayers(): WeightLayerDescription[] {
  return [
    layer('conv1', [5, 5, 1, 20], 24 * 24),
    layer('conv2', [5, 5, 20, 50], 8 * 8),
    layer('fc3', [800, 500], 1),
    layer('fc4', [500, 10], 1),
  ];
}

/**
 * WRN-22-2 on 32×32 inputs: conv3×3(16), three groups of three pre-activation basic blocks with
 * 32/64/128 channels at spatial 32/16/8 (the first block of groups 2 and 3 has stride 2), a 1×1
 * shortcut in each group's first block, fc 128→10: 23 weight tensors, 1,076,912 weights.
 */
export function wrn22x2Layers(): WeightLayerDescription[] {
  const layers = [layer('conv1', [3, 3, 3, 16], 32 * 32)];
  const widths = [32, 64, 128];
  const spatial = [32, 16, 8];
  let inChannels = 16;
  widths.forEach((width, g) => {
    const positions = spatial[g]! * spatial[g]!;
    for (let b = 0; b < 3; b++) {
      const cin = b === 0 ? inChannels : width;
      layers.push(layer(`block${g + 1}.${b}.conv1`, [3, 3, cin, width], positions));
      layers.push(layer(`block${g + 1}.${b}.conv2`, [3, 3, width, width], positions));
      if (b === 0) layers.push(layer(`block${g + 1}.${b}.shortcut`, [1, 1, cin, width], positions));
    }
    inChannels = width;
  });
  layers.push(layer('fc', [128, 10], 1));
  return layers;
}
