/**
 * `trainRun`: a resolved run manifest in, measured numbers out (trainers/train-api.ts).
 * backend → dataset (checksummed) → model (resized by the method if it says so) → sparse method →
 * training loop → summary numbers (design.md "Data flow").
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './backends/index.ts';
import { loadDataset } from './datasets/index.ts';
import { batchCount } from './datasets/batches.ts';
import { InvalidRunConfigError } from './errors.ts';
import { EventKey } from './events.ts';
import { getMethod } from './methods/registry.ts';
import type { MethodContext } from './methods/types.ts';
import { buildModel, describeModel } from './models/index.ts';
import type { InputShape } from './models/types.ts';
import type { LayerSummary } from './run-summary.ts';
import type { TrainResult, TrainRunOptions } from './train-api.ts';
import { runTrainingLoop } from './train-loop.ts';
import { trainerVersion } from './version.ts';

export async function trainRun(options: TrainRunOptions): Promise<TrainResult> {
  const { manifest, events } = options;
  const emit = (key: (typeof EventKey)[keyof typeof EventKey], value: unknown, meta: Record<string, unknown> = {}) =>
    events({ timeMs: Date.now(), type: 'point', key, value, meta });

  const backend = await selectBackend(manifest.backend.preference, manifest.backend.threads, options.backendOverride);
  emit(EventKey.Backend, backend.name, { ...backend });

  const dataset = await loadDataset(manifest.dataset, { dataDirs: options.dataDirs, allowDownload: options.allowDownload });
  emit(EventKey.DatasetVerified, manifest.dataset.name, { files: dataset.provenance.files });

  const method = getMethod(manifest.method.name);
  const input: InputShape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
  const referenceModel = describeModel(manifest.model, input, dataset.numClasses);
  const modelSpec = method.resolveModel(manifest.model, manifest.method as never, manifest.sparsity);
  const stepsPerEpoch = batchCount(dataset.train.count, manifest.training.batchSize, manifest.training.keepLastPartialBatch);
  if (stepsPerEpoch === 0) {
    throw new InvalidRunConfigError(
      `batch size ${manifest.training.batchSize} leaves no step in an epoch of ${dataset.train.count} training examples`,
    );
  }
  const totalSteps = stepsPerEpoch * manifest.training.epochs;

  emit(EventKey.RunStart, options.runId, {
    method: manifest.method.name,
    model: modelSpec,
    seed: manifest.seed,
    totalSteps,
    stepsPerEpoch,
  });

  const model = buildModel(modelSpec, input, dataset.numClasses, manifest.seed);
  const context: MethodContext = {
    method: manifest.method,
    sparsity: manifest.sparsity,
    layers: model.description.weightLayers,
    seed: manifest.seed,
    totalSteps,
  };
  const controller = method.create(context as never);
  try {
    const loop = await runTrainingLoop({
      seed: manifest.seed,
      training: manifest.training,
      datasetSpec: manifest.dataset,
      dataset,
      model,
      controller,
      events,
      checkpoints: options.checkpoints,
      checkpointEveryEpochs: options.checkpointEveryEpochs,
      progress: options.progress,
      signal: options.signal,
    });

    const shapes = new Map(model.description.weightLayers.map((l) => [l.name, l.shape]));
    const layers: LayerSummary[] = controller.layerSummaries().map((l) => {
      const shape = shapes.get(l.name) ?? [];
      return { name: l.name, shape, size: shape.reduce((a, b) => a * b, 1), targetDensity: l.targetDensity, activeCount: l.activeCount };
    });
    // FLOPs are fractions of the manifest's (un-resized) dense model, so a narrowed small-dense
    // model reports its true cost (the report's Small-Dense 0.11×); for every other method the
    // ratio below is 1.
    const sizeRatio = model.description.denseForwardFlops / referenceModel.denseForwardFlops;
    emit(EventKey.RunStop, 'success', { testAccuracy: loop.testAccuracy, steps: loop.steps });
    return {
      metrics: {
        testAccuracy: loop.testAccuracy,
        bestTestAccuracy: loop.bestTestAccuracy,
        finalTrainLoss: loop.finalTrainLoss,
        steps: loop.steps,
        epochs: loop.epochs,
      },
      layers,
      maskUpdates: controller.maskUpdateCount(),
      flops: {
        denseForward: referenceModel.denseForwardFlops,
        inferenceMultiplier: controller.inferenceMultiplier() * sizeRatio,
        trainMultiplier: controller.trainMultiplier() * sizeRatio,
        trainTotalMultiplier: controller.trainMultiplier() * sizeRatio * manifest.training.multiplier,
      },
      backend,
      dataset: dataset.provenance,
      trainerVersion: trainerVersion(),
      wallMs: loop.wallMs,
      resumed: loop.resumed,
    };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    emit(EventKey.RunStop, 'aborted', { reason });
    throw error;
  } finally {
    controller.dispose();
    model.dispose();
    tf.disposeVariables();
  }
}
