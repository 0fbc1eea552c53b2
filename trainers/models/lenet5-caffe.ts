/**
 * LeNet-5-Caffe (rigl-spec §6.5, after SNFS's sparselearning/models.py): conv1 20@5×5 valid, ReLU,
 * max-pool 2, conv2 50@5×5 valid, ReLU, max-pool 2, fc3 (→500), ReLU, fc4 (→classes); all with
 * biases. On 28×28×1 the flattened map is 4·4·50 = 800 (NHWC order).
 * Init 'torch-default': every weight and bias ~ U(±1/√fan_in), fan_in = C_in·k² for convs (PyTorch's
 * nn.Conv2d/nn.Linear default); 'he-normal': weights ~ N(0, 2/fan_in), biases 0.
 * widthMultiplier scales the hidden widths 20, 50 and 500 (small-dense; run-manifest.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../run-manifest.ts';
import type { ModelDefinition } from './model-definition.ts';
import { nativeConvBiasRelu } from '../backends/native/conv-fused.ts';
import { NATIVE_BACKEND_NAME } from '../backends/native/kernel-support.ts';
import { addChannelBias, conv2d, dense, flatten } from './ops.ts';
import { type InitRule, PlanBuilder, ZERO, heNormalFanIn, requirePositiveInteger, scaledWidth, torchDefault } from './plan.ts';

type LeNetSpec = Extract<ModelSpec, { name: 'lenet5-caffe' }>;

const KERNEL = 5;

/** relu(conv(x, w) + b), stride 1, no padding: one fused kernel on the native backend (conv-fused.ts). */
function convBiasRelu(x: tf.Tensor4D, w: tf.Variable, b: tf.Variable): tf.Tensor4D {
  if (tf.getBackend() === NATIVE_BACKEND_NAME) return nativeConvBiasRelu(x, w as unknown as tf.Tensor4D, b as unknown as tf.Tensor1D, 1, 'valid');
  return tf.relu(addChannelBias(conv2d(x, w, 1, 0), b));
}

function inits(spec: LeNetSpec, fanIn: number): { weight: InitRule; bias: InitRule } {
  return spec.init === 'torch-default'
    ? { weight: torchDefault(fanIn), bias: torchDefault(fanIn) }
    : { weight: heNormalFanIn(fanIn), bias: ZERO };
}

export const lenet5Caffe: ModelDefinition<LeNetSpec> = {
  plan(spec, input, numClasses) {
    requirePositiveInteger('numClasses', numClasses);
    const c1 = scaledWidth(20, spec.widthMultiplier);
    const c2 = scaledWidth(50, spec.widthMultiplier);
    const hidden = scaledWidth(500, spec.widthMultiplier);
    const b = new PlanBuilder('lenet5-caffe');
    let fanIn = KERNEL * KERNEL * input.channels;
    let init = inits(spec, fanIn);
    let map = b.conv('conv1', input, KERNEL, input.channels, c1, 1, 0, init.weight);
    b.bias('conv1', c1, init.bias);
    map = b.pool('pool1', map, 2, 2);
    fanIn = KERNEL * KERNEL * c1;
    init = inits(spec, fanIn);
    map = b.conv('conv2', map, KERNEL, c1, c2, 1, 0, init.weight);
    b.bias('conv2', c2, init.bias);
    map = b.pool('pool2', map, 2, 2);
    fanIn = map.height * map.width * c2;
    init = inits(spec, fanIn);
    b.dense('fc3', fanIn, hidden, init.weight);
    b.bias('fc3', hidden, init.bias);
    init = inits(spec, hidden);
    b.dense('fc4', hidden, numClasses, init.weight);
    b.bias('fc4', numClasses, init.bias);
    return b.build();
  },
  forward() {
    return (x, vars) => {
      let h = convBiasRelu(x, vars.param('conv1.weight'), vars.param('conv1.bias'));
      h = tf.maxPool(h, 2, 2, 'valid');
      h = convBiasRelu(h, vars.param('conv2.weight'), vars.param('conv2.bias'));
      h = tf.maxPool(h, 2, 2, 'valid');
      const f = dense(flatten(h), vars.param('fc3.weight'), vars.param('fc3.bias'), { activation: 'relu', layout: vars.sparseLayout?.('fc3') });
      return dense(f, vars.param('fc4.weight'), vars.param('fc4.bias'), { layout: vars.sparseLayout?.('fc4') });
    };
  },
};
