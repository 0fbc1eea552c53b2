/**
 * ResNet-50, CIFAR variant (rigl-spec §6.2; REPC models/resnet.py with torchvision's Bottleneck):
 * conv1 3×3 stride 1 (64) → BN → ReLU (no max-pool) → stages layer1..layer4 of [3, 4, 6, 3]
 * bottlenecks with widths 64, 128, 256, 512 (outputs ×4) → global average pool → fc.
 *
 * Bottleneck (ResNet v1.5: the stride sits on the 3×3 conv, first block of layer2..layer4):
 *   out = ReLU(BN1(conv1_1×1(x))); out = ReLU(BN2(conv2_3×3,s(out))); out = BN3(conv3_1×1(out));
 *   return ReLU(out + shortcut), shortcut = BN(conv_1×1,s(x)) in each stage's first block, else x.
 * Convs have no bias, padding 1 for 3×3 (PyTorch), init Kaiming-normal fan_out N(0, 2/(k²·C_out));
 * BN gamma 1, beta 0, except BN3 of every block: gamma 0 (zero_init_residual); fc weight and bias
 * PyTorch's Linear default U(±1/√fan_in).
 * Names: conv1, bn1; layer{s}.{b}.{conv1,bn1,conv2,bn2,conv3,bn3,shortcut,shortcut_bn}; fc.
 * widthMultiplier (small-dense) scales every channel count (stem, widths, outputs), truncated.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../run-manifest.ts';
import type { ModelDefinition } from './model-definition.ts';
import { batchNorm, conv2d, dense, globalAveragePool } from './ops.ts';
import { PlanBuilder, heNormalFanOut, requirePositiveInteger, scaledWidth, torchDefault } from './plan.ts';

type ResNetSpec = Extract<ModelSpec, { name: 'resnet50-cifar' }>;

interface Bottleneck {
  name: string;
  cin: number;
  width: number;
  cout: number;
  stride: number;
  projection: boolean;
}

const STAGE_BLOCKS = [3, 4, 6, 3] as const;
const STAGE_WIDTHS = [64, 128, 256, 512] as const;
const EXPANSION = 4;

function layout(spec: ResNetSpec): { stem: number; blocks: Bottleneck[]; finalChannels: number } {
  const stem = scaledWidth(64, spec.widthMultiplier);
  const blocks: Bottleneck[] = [];
  let cin = stem;
  STAGE_BLOCKS.forEach((count, s) => {
    const width = scaledWidth(STAGE_WIDTHS[s]!, spec.widthMultiplier);
    const cout = scaledWidth(STAGE_WIDTHS[s]! * EXPANSION, spec.widthMultiplier);
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1;
      blocks.push({ name: `layer${s + 1}.${b}`, cin, width, cout, stride, projection: stride !== 1 || cin !== cout });
      cin = cout;
    }
  });
  return { stem, blocks, finalChannels: cin };
}

export const resnet50Cifar: ModelDefinition<ResNetSpec> = {
  plan(spec, input, numClasses) {
    requirePositiveInteger('numClasses', numClasses);
    const { stem, blocks, finalChannels } = layout(spec);
    const b = new PlanBuilder('resnet50-cifar');
    let map = b.conv('conv1', input, 3, input.channels, stem, 1, 1, heNormalFanOut(3, stem));
    b.batchNorm('bn1', stem);
    for (const block of blocks) {
      const inMap = map;
      map = b.conv(`${block.name}.conv1`, inMap, 1, block.cin, block.width, 1, 0, heNormalFanOut(1, block.width));
      b.batchNorm(`${block.name}.bn1`, block.width);
      map = b.conv(`${block.name}.conv2`, map, 3, block.width, block.width, block.stride, 1, heNormalFanOut(3, block.width));
      b.batchNorm(`${block.name}.bn2`, block.width);
      map = b.conv(`${block.name}.conv3`, map, 1, block.width, block.cout, 1, 0, heNormalFanOut(1, block.cout));
      b.batchNorm(`${block.name}.bn3`, block.cout, 0);
      if (block.projection) {
        b.conv(`${block.name}.shortcut`, inMap, 1, block.cin, block.cout, block.stride, 0, heNormalFanOut(1, block.cout));
        b.batchNorm(`${block.name}.shortcut_bn`, block.cout);
      }
    }
    b.dense('fc', finalChannels, numClasses, torchDefault(finalChannels));
    b.bias('fc', numClasses, torchDefault(finalChannels));
    return b.build();
  },
  forward(spec) {
    const { blocks } = layout(spec);
    return (x, vars, training) => {
      let h = tf.relu(batchNorm(conv2d(x, vars.param('conv1.weight'), 1, 1), vars, 'bn1', training)) as tf.Tensor4D;
      for (const block of blocks) {
        const n = block.name;
        let out = tf.relu(batchNorm(conv2d(h, vars.param(`${n}.conv1.weight`), 1, 0), vars, `${n}.bn1`, training)) as tf.Tensor4D;
        out = tf.relu(batchNorm(conv2d(out, vars.param(`${n}.conv2.weight`), block.stride, 1), vars, `${n}.bn2`, training)) as tf.Tensor4D;
        out = batchNorm(conv2d(out, vars.param(`${n}.conv3.weight`), 1, 0), vars, `${n}.bn3`, training);
        const shortcut = block.projection
          ? batchNorm(conv2d(h, vars.param(`${n}.shortcut.weight`), block.stride, 0), vars, `${n}.shortcut_bn`, training)
          : h;
        h = tf.relu(tf.add(out, shortcut)) as tf.Tensor4D;
      }
      return dense(globalAveragePool(h), vars.param('fc.weight'), vars.param('fc.bias'));
    };
  },
};
