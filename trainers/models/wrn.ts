/**
 * Wide ResNet, pre-activation (Zagoruyko & Komodakis 2016), as in the report's code (rigl-spec §6.1;
 * REPC models/wide_resnet.py): conv1 3×3 (16) → 3 groups of (depth − 4)/6 BasicBlocks with
 * 16k, 32k, 64k channels and strides 1, 2, 2 → BN → ReLU → global average pool → fc.
 *
 * BasicBlock (in → out, stride s): when in ≠ out the block first replaces its input by
 * ReLU(BN1(x)) and the 1×1 shortcut conv (stride s) reads that; otherwise the shortcut is x itself.
 *   out = conv1_3×3,s(ReLU(BN1(x))); out = conv2_3×3(dropout(ReLU(BN2(out)))); return shortcut + out.
 * Convs have no bias, padding 1 on each side (PyTorch), init N(0, 2/(k²·C_out)); BN gamma 1, beta 0;
 * fc weight PyTorch's Linear default U(±1/√fan_in), bias 0. The final pooling is avg_pool2d(8) in the
 * report's code, which on 32×32 inputs (8×8 final maps) is the global average used here.
 * WRN-22-2: 23 weight tensors, 1,076,912 weights (rigl-spec §4.3), dense forward 3.155e8 FLOPs (§5).
 * Names: conv1; block{g}.{i}.{bn1,conv1,bn2,conv2,shortcut} (g = 1..3, i = 0..n−1); bn; fc.
 * widthMultiplier (small-dense) scales all four channel counts, truncated (rigl-spec §3.2).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidRunConfigError } from '../errors.ts';
import type { ModelSpec } from '../run-manifest.ts';
import type { ModelDefinition } from './model-definition.ts';
import { batchNorm, conv2d, dense, dropout, globalAveragePool } from './ops.ts';
import { PlanBuilder, ZERO, heNormalFanOut, requirePositiveInteger, scaledWidth, torchDefault } from './plan.ts';

type WrnSpec = Extract<ModelSpec, { name: 'wrn' }>;

interface WrnBlock {
  name: string;
  cin: number;
  cout: number;
  stride: number;
  /** 1×1 conv shortcut; otherwise identity. */
  projection: boolean;
}

interface WrnLayout {
  stem: number;
  blocks: WrnBlock[];
  finalChannels: number;
}

const GROUP_STRIDES = [1, 2, 2] as const;

function layout(spec: WrnSpec): WrnLayout {
  if (!Number.isInteger(spec.depth) || spec.depth < 10 || (spec.depth - 4) % 6 !== 0) {
    throw new InvalidRunConfigError(`wrn 'depth' must be an integer 6n + 4 with n >= 1 (10, 16, 22, 28...) but got ${spec.depth}`);
  }
  requirePositiveInteger(`wrn 'widthFactor'`, spec.widthFactor);
  if (!(spec.dropRate >= 0 && spec.dropRate < 1)) {
    throw new InvalidRunConfigError(`wrn 'dropRate' must be in [0, 1) but got ${spec.dropRate}`);
  }
  const perGroup = (spec.depth - 4) / 6;
  const k = spec.widthFactor;
  const channels = [16, 16 * k, 32 * k, 64 * k].map((c) => scaledWidth(c, spec.widthMultiplier));
  const blocks: WrnBlock[] = [];
  let cin = channels[0]!;
  GROUP_STRIDES.forEach((groupStride, g) => {
    const cout = channels[g + 1]!;
    for (let i = 0; i < perGroup; i++) {
      const stride = i === 0 ? groupStride : 1;
      // The report's code projects when in ≠ out; a stride-2 block always has in ≠ out unless
      // widthMultiplier truncates two widths to the same count, where a projection is still needed.
      blocks.push({ name: `block${g + 1}.${i}`, cin, cout, stride, projection: cin !== cout || stride !== 1 });
      cin = cout;
    }
  });
  return { stem: channels[0]!, blocks, finalChannels: cin };
}

export const wrn: ModelDefinition<WrnSpec> = {
  plan(spec, input, numClasses) {
    requirePositiveInteger('numClasses', numClasses);
    const { stem, blocks, finalChannels } = layout(spec);
    const b = new PlanBuilder(`wrn-${spec.depth}-${spec.widthFactor}`);
    let map = b.conv('conv1', input, 3, input.channels, stem, 1, 1, heNormalFanOut(3, stem));
    for (const block of blocks) {
      b.batchNorm(`${block.name}.bn1`, block.cin);
      const inMap = map;
      map = b.conv(`${block.name}.conv1`, inMap, 3, block.cin, block.cout, block.stride, 1, heNormalFanOut(3, block.cout));
      b.batchNorm(`${block.name}.bn2`, block.cout);
      map = b.conv(`${block.name}.conv2`, map, 3, block.cout, block.cout, 1, 1, heNormalFanOut(3, block.cout));
      if (block.projection) {
        b.conv(`${block.name}.shortcut`, inMap, 1, block.cin, block.cout, block.stride, 0, heNormalFanOut(1, block.cout));
      }
    }
    b.batchNorm('bn', finalChannels);
    b.dense('fc', finalChannels, numClasses, torchDefault(finalChannels));
    b.bias('fc', numClasses, ZERO);
    return b.build();
  },
  forward(spec) {
    const { blocks } = layout(spec);
    return (x, vars, training, dropoutKey) => {
      let h = conv2d(x, vars.param('conv1.weight'), 1, 1);
      for (const block of blocks) {
        const activated = tf.relu(batchNorm(h, vars, `${block.name}.bn1`, training)) as tf.Tensor4D;
        let out = conv2d(activated, vars.param(`${block.name}.conv1.weight`), block.stride, 1);
        out = tf.relu(batchNorm(out, vars, `${block.name}.bn2`, training)) as tf.Tensor4D;
        if (training) out = dropout(out, spec.dropRate, dropoutKey, block.name);
        out = conv2d(out, vars.param(`${block.name}.conv2.weight`), 1, 1);
        const shortcut = block.projection ? conv2d(activated, vars.param(`${block.name}.shortcut.weight`), block.stride, 0) : h;
        h = tf.add(shortcut, out);
      }
      const pooled = globalAveragePool(tf.relu(batchNorm(h, vars, 'bn', training)) as tf.Tensor4D);
      return dense(pooled, vars.param('fc.weight'), vars.param('fc.bias'));
    };
  },
};
