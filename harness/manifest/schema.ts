/**
 * The manifest schema, written once as ajv `JSONSchemaType<T>` so the compiler checks it against
 * the TypeScript types (harness/manifest/types.ts, trainers/run-manifest.ts) and `compile` returns
 * a type guard. `npm run schema` exports it as manifests/manifest.schema.json for editors.
 *
 * Tagged unions use ajv's `discriminator` keyword: only the branch named by the tag is checked, so
 * errors are about that branch, and an unknown tag is reported with the known names.
 *
 * Optional properties carry `nullable: true` because JSONSchemaType requires it; `strictOptional`
 * removes it again so `null` is not accepted where a key may simply be left out.
 */
import type { JSONSchemaType } from 'ajv';
import type {
  Augmentation,
  DatasetFileSpec,
  DatasetSplit,
  DropFractionSchedule,
  LearningRateSchedule,
  ModelSpec,
  UpdateEnd,
} from '../../trainers/run-manifest.ts';
import { RUN_MANIFEST_SCHEMA_VERSION } from '../../trainers/run-manifest.ts';
import { BACKEND_NAMES, DATASET_NAMES } from './known-names.ts';
import type {
  AxisDefinition,
  AxisValue,
  Claim,
  ClaimSource,
  DatasetSpecInput,
  DistributionInput,
  GridBlock,
  GroupSelector,
  MaskUpdateScheduleInput,
  MethodSpecInput,
  OptimizerSpecInput,
  RunFile,
  RunManifestBaseInput,
  RunManifestInput,
  SparsitySpecInput,
  SuiteFile,
  TrainingSpecInput,
  BackendSpecInput,
} from './types.ts';
import { MANIFEST_SCHEMA_VERSION } from './types.ts';

/** 64 lowercase hex digits, or the catalogue's "unpinned" (trainers/datasets/catalog.ts UNPINNED_SHA256). */
export const DATASET_SHA256_PATTERN = '^([0-9a-f]{64}|unpinned)$';
/** Axis names are identifiers, so they are never integer-like keys (whose order JS objects change). */
export const AXIS_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$';
/**
 * A dotted path into a run manifest (suite axes and `set`): it starts at one of the run's own keys,
 * so a path can never name something outside the run ("constructor.prototype", "__proto__").
 */
export const MANIFEST_PATH_PATTERN = '^(seed|dataset|model|method|sparsity|training|backend)(\\.[A-Za-z][A-Za-z0-9]*)*$';

/** A required key whose value may be null (JSONSchemaType reserves `nullable` for optional keys). */
const nullableString = { anyOf: [{ type: 'string' }, { type: 'null', nullable: true }] } as const;
/**
 * Counts stay safe integers: above 2^53 - 1 a double no longer holds every integer, so two
 * different counts could read (and hash) as one.
 */
const nonNegativeInt = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const positiveInt = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const fraction01 = { type: 'number', minimum: 0, maximum: 1 } as const;

/**
 * Parts used in several places are written once under `definitions` and referred to by `$ref`,
 * so ajv compiles each once (a fraction of the code and compile time of inlining them). `ref`
 * is typed as the definition's own schema, so the compiler still checks that the referring
 * property has the definition's type.
 */
interface Definitions {
  claim: Claim;
  dataset: DatasetSpecInput;
  model: ModelSpec;
  method: MethodSpecInput;
  maskUpdate: MaskUpdateScheduleInput;
  sparsity: SparsitySpecInput;
  training: TrainingSpecInput;
  backend: BackendSpecInput;
  runManifestInput: RunManifestInput;
}

function ref<K extends keyof Definitions>(name: K): JSONSchemaType<Definitions[K]> {
  return { $ref: `#/definitions/${name}` } as unknown as JSONSchemaType<Definitions[K]>;
}

/** A `$ref` for an optional property (JSONSchemaType wants `nullable` there; a `$ref` needs none). */
function optionalRef<K extends keyof Definitions>(name: K): JSONSchemaType<Definitions[K]> & { nullable: true } {
  return ref(name) as JSONSchemaType<Definitions[K]> & { nullable: true };
}

// ---------------------------------------------------------------------------------------------
// Dataset

const datasetFileSchema: JSONSchemaType<DatasetFileSpec> = {
  type: 'object',
  description: 'One file of the dataset, checksummed on its unpacked bytes.',
  properties: {
    role: { type: 'string', minLength: 1 },
    fileName: { type: 'string', minLength: 1, description: 'Relative path inside the data folder (no "..").' },
    unpackedBytes: positiveInt,
    unpackedSha256: {
      type: 'string',
      pattern: DATASET_SHA256_PATTERN,
      description: 'sha256 (lowercase hex) of the unpacked bytes, or "unpinned" when only the published packed file is pinned (the loader verifies that).',
    },
  },
  required: ['role', 'fileName', 'unpackedBytes', 'unpackedSha256'],
  additionalProperties: false,
};

const splitSchema: JSONSchemaType<DatasetSplit> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    { type: 'object', properties: { kind: { type: 'string', const: 'official' } }, required: ['kind'], additionalProperties: false },
    {
      type: 'object',
      properties: { kind: { type: 'string', const: 'holdout-tail' }, validationCount: positiveInt },
      required: ['kind', 'validationCount'],
      additionalProperties: false,
    },
  ],
};

const augmentationSchema: JSONSchemaType<Augmentation> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'pad-crop' },
        padPixels: positiveInt,
        padMode: { type: 'string', enum: ['reflect', 'zero'] },
      },
      required: ['kind', 'padPixels', 'padMode'],
      additionalProperties: false,
    },
    { type: 'object', properties: { kind: { type: 'string', const: 'horizontal-flip' } }, required: ['kind'], additionalProperties: false },
    {
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'random-resized-crop' },
        scaleMin: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        scaleMax: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        ratioMin: { type: 'number', exclusiveMinimum: 0 },
        ratioMax: { type: 'number', exclusiveMinimum: 0 },
      },
      required: ['kind', 'scaleMin', 'scaleMax', 'ratioMin', 'ratioMax'],
      additionalProperties: false,
    },
  ],
};

const datasetSchema: JSONSchemaType<DatasetSpecInput> = {
  type: 'object',
  description: 'A dataset by name; omitted fields come from the pinned catalog entry for that name.',
  properties: {
    name: { type: 'string', enum: DATASET_NAMES },
    version: { type: 'string', minLength: 1, nullable: true },
    files: { type: 'array', items: datasetFileSchema, minItems: 1, nullable: true },
    split: { ...splitSchema, nullable: true },
    normalization: {
      type: 'object',
      properties: {
        mean: { type: 'array', items: { type: 'number' }, minItems: 1 },
        std: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1 },
      },
      required: ['mean', 'std'],
      additionalProperties: false,
      nullable: true,
    },
    augmentation: { type: 'array', items: augmentationSchema, nullable: true },
  },
  required: ['name'],
  additionalProperties: false,
};

// ---------------------------------------------------------------------------------------------
// Model

/** CNN channel counts × this, truncated (absent = 1); small-dense sets it, manifests rarely do. */
const widthMultiplier = { type: 'number', exclusiveMinimum: 0, nullable: true } as const;

const modelSchema: JSONSchemaType<ModelSpec> = {
  type: 'object',
  required: ['name'],
  discriminator: { propertyName: 'name' },
  oneOf: [
    {
      type: 'object',
      description: 'Fully connected ReLU network; input and output sizes follow from the dataset.',
      properties: {
        name: { type: 'string', const: 'mlp' },
        hiddenSizes: { type: 'array', items: positiveInt },
        init: { type: 'string', enum: ['torch-linear-default', 'he-normal'] },
      },
      required: ['name', 'hiddenSizes', 'init'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        name: { type: 'string', const: 'lenet5-caffe' },
        init: { type: 'string', enum: ['torch-default', 'he-normal'] },
        widthMultiplier,
      },
      required: ['name', 'init'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        name: { type: 'string', const: 'wrn' },
        depth: positiveInt,
        widthFactor: positiveInt,
        dropRate: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        widthMultiplier,
      },
      required: ['name', 'depth', 'widthFactor', 'dropRate'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { name: { type: 'string', const: 'resnet50-cifar' }, widthMultiplier },
      required: ['name'],
      additionalProperties: false,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Method

const updateEndSchema: JSONSchemaType<UpdateEnd> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    { type: 'object', properties: { kind: { type: 'string', const: 'step' }, step: nonNegativeInt }, required: ['kind', 'step'], additionalProperties: false },
    {
      type: 'object',
      properties: { kind: { type: 'string', const: 'fraction' }, fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 } },
      required: ['kind', 'fraction'],
      additionalProperties: false,
    },
  ],
};

const dropFractionSchema: JSONSchemaType<DropFractionSchedule> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    { type: 'object', properties: { kind: { type: 'string', const: 'constant' }, value: fraction01 }, required: ['kind', 'value'], additionalProperties: false },
    {
      type: 'object',
      description: 'f(t) = initial/2 · (1 + cos(π · t / T_end)) (RigL Eq. 1).',
      properties: { kind: { type: 'string', const: 'cosine' }, initial: fraction01 },
      required: ['kind', 'initial'],
      additionalProperties: false,
    },
  ],
};

const stepConventionSchema = { type: 'string', enum: ['after-interval', 'at-multiples'] } as const;

const maskUpdateSchema: JSONSchemaType<MaskUpdateScheduleInput> = {
  type: 'object',
  properties: {
    intervalSteps: positiveInt,
    end: updateEndSchema,
    dropFraction: dropFractionSchema,
    stepConvention: { ...stepConventionSchema, nullable: true },
    rounding: { type: 'string', enum: ['floor', 'ceil', 'round'], nullable: true },
    replacesOptimizerStep: { type: 'boolean', nullable: true },
  },
  required: ['intervalSteps', 'end', 'dropFraction'],
  additionalProperties: false,
};

function updatingMethod<N extends 'set' | 'rigl' | 'rigl-sg' | 'rigl-sm'>(name: N): JSONSchemaType<{ name: N; update: MaskUpdateScheduleInput }> {
  return {
    type: 'object',
    properties: { name: { type: 'string', const: name }, update: ref('maskUpdate') },
    required: ['name', 'update'],
    additionalProperties: false,
  } as JSONSchemaType<{ name: N; update: MaskUpdateScheduleInput }>;
}

const methodSchema: JSONSchemaType<MethodSpecInput> = {
  type: 'object',
  required: ['name'],
  discriminator: { propertyName: 'name' },
  oneOf: [
    { type: 'object', properties: { name: { type: 'string', const: 'dense' } }, required: ['name'], additionalProperties: false },
    { type: 'object', properties: { name: { type: 'string', const: 'static' } }, required: ['name'], additionalProperties: false },
    updatingMethod('set'),
    {
      type: 'object',
      properties: {
        name: { type: 'string', const: 'snfs' },
        update: ref('maskUpdate'),
        redistribution: { type: 'string', enum: ['momentum', 'none'] },
      },
      required: ['name', 'update', 'redistribution'],
      additionalProperties: false,
    },
    updatingMethod('rigl'),
    updatingMethod('rigl-sg'),
    updatingMethod('rigl-sm'),
    {
      type: 'object',
      description: 'Gradual magnitude pruning, cubic schedule (Zhu & Gupta 2017).',
      properties: {
        name: { type: 'string', const: 'gmp' },
        startStep: nonNegativeInt,
        end: updateEndSchema,
        intervalSteps: positiveInt,
        stepConvention: { ...stepConventionSchema, nullable: true },
        scope: { type: 'string', enum: ['global', 'per-layer'], nullable: true },
        initialSparsity: { type: 'number', minimum: 0, exclusiveMaximum: 1, nullable: true },
      },
      required: ['name', 'startStep', 'end', 'intervalSteps'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        name: { type: 'string', const: 'small-dense' },
        hiddenSizes: { anyOf: [{ type: 'array', items: positiveInt, minItems: 1 }, { type: 'null', nullable: true }] },
      },
      required: ['name', 'hiddenSizes'],
      additionalProperties: false,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Sparsity

const denseLayersSchema = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true, nullable: true } as const;

const distributionSchema: JSONSchemaType<DistributionInput> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    { type: 'object', properties: { kind: { type: 'string', const: 'uniform' }, denseLayers: denseLayersSchema }, required: ['kind'], additionalProperties: false },
    { type: 'object', properties: { kind: { type: 'string', const: 'er' }, denseLayers: denseLayersSchema }, required: ['kind'], additionalProperties: false },
    {
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'erk' },
        denseLayers: denseLayersSchema,
        powerScale: { type: 'number', exclusiveMinimum: 0, nullable: true },
      },
      required: ['kind'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'custom' },
        densities: {
          type: 'object',
          description: 'Density in (0, 1] per masked layer name.',
          additionalProperties: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          required: [],
          minProperties: 1,
        },
      },
      required: ['kind', 'densities'],
      additionalProperties: false,
    },
  ],
};

const sparsitySchema: JSONSchemaType<SparsitySpecInput> = {
  type: 'object',
  properties: {
    target: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'Overall target sparsity in [0, 1).' },
    distribution: { ...distributionSchema, nullable: true },
  },
  required: ['target'],
  additionalProperties: false,
};

// ---------------------------------------------------------------------------------------------
// Training and backend

const lrScheduleSchema: JSONSchemaType<LearningRateSchedule> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    { type: 'object', properties: { kind: { type: 'string', const: 'constant' } }, required: ['kind'], additionalProperties: false },
    {
      type: 'object',
      description: 'lr = values[i] for t in [boundaries[i-1], boundaries[i]); values has one more entry than boundaries.',
      properties: {
        kind: { type: 'string', const: 'piecewise' },
        unit: { type: 'string', enum: ['epoch', 'step'] },
        boundaries: { type: 'array', items: positiveInt },
        values: { type: 'array', items: { type: 'number', minimum: 0 }, minItems: 1 },
      },
      required: ['kind', 'unit', 'boundaries', 'values'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        kind: { type: 'string', const: 'step-decay' },
        unit: { type: 'string', enum: ['epoch', 'step'] },
        every: positiveInt,
        gamma: { type: 'number', exclusiveMinimum: 0 },
      },
      required: ['kind', 'unit', 'every', 'gamma'],
      additionalProperties: false,
    },
    { type: 'object', properties: { kind: { type: 'string', const: 'cosine' } }, required: ['kind'], additionalProperties: false },
  ],
};

const optimizerSchema: JSONSchemaType<OptimizerSpecInput> = {
  type: 'object',
  properties: {
    kind: { type: 'string', const: 'sgd' },
    momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
    nesterov: { type: 'boolean', nullable: true },
    weightDecay: { type: 'number', minimum: 0, nullable: true },
    weightDecayExclude: { type: 'string', enum: ['none', 'biases-and-norms'], nullable: true },
  },
  required: ['kind', 'momentum'],
  additionalProperties: false,
};

const trainingSchema: JSONSchemaType<TrainingSpecInput> = {
  type: 'object',
  properties: {
    epochs: positiveInt,
    batchSize: positiveInt,
    keepLastPartialBatch: { type: 'boolean', nullable: true },
    optimizer: optimizerSchema,
    learningRate: {
      type: 'object',
      properties: {
        initial: { type: 'number', exclusiveMinimum: 0 },
        schedule: { ...lrScheduleSchema, nullable: true },
        warmupSteps: { ...nonNegativeInt, nullable: true },
      },
      required: ['initial'],
      additionalProperties: false,
    },
    labelSmoothing: { type: 'number', minimum: 0, exclusiveMaximum: 1, nullable: true },
    multiplier: { type: 'number', exclusiveMinimum: 0, nullable: true },
    evalBatchSize: { ...positiveInt, nullable: true },
  },
  required: ['epochs', 'batchSize', 'optimizer', 'learningRate'],
  additionalProperties: false,
};

const backendSchema: JSONSchemaType<BackendSpecInput> = {
  type: 'object',
  properties: {
    preference: { type: 'array', items: { type: 'string', enum: BACKEND_NAMES }, minItems: 1, uniqueItems: true, nullable: true },
    threads: { ...positiveInt, nullable: true },
  },
  required: [],
  additionalProperties: false,
};

// ---------------------------------------------------------------------------------------------
// Runs

const runManifestInputSchema: JSONSchemaType<RunManifestInput> = {
  type: 'object',
  description: 'One training run; omitted defaultable fields are filled in once (harness/manifest/defaults.ts).',
  properties: {
    schemaVersion: { type: 'integer', enum: [RUN_MANIFEST_SCHEMA_VERSION], nullable: true },
    seed: { ...nonNegativeInt, maximum: 4294967295 },
    dataset: ref('dataset'),
    model: ref('model'),
    method: ref('method'),
    sparsity: optionalRef('sparsity'),
    training: ref('training'),
    backend: optionalRef('backend'),
  },
  required: ['seed', 'dataset', 'model', 'method', 'training'],
  additionalProperties: false,
};

/** A suite's base: the same properties, none required at the top (the grid's axes may supply them). */
const runManifestBaseSchema: JSONSchemaType<RunManifestBaseInput> = {
  type: 'object',
  properties: {
    schemaVersion: { type: 'integer', enum: [RUN_MANIFEST_SCHEMA_VERSION], nullable: true },
    seed: { ...nonNegativeInt, maximum: 4294967295, nullable: true },
    dataset: optionalRef('dataset'),
    model: optionalRef('model'),
    method: optionalRef('method'),
    sparsity: optionalRef('sparsity'),
    training: optionalRef('training'),
    backend: optionalRef('backend'),
  },
  required: [],
  additionalProperties: false,
};

// ---------------------------------------------------------------------------------------------
// Claims

const groupSchema: JSONSchemaType<GroupSelector> = {
  type: 'object',
  description: 'Axis name → value; every named axis must match (numbers compare as numbers).',
  propertyNames: { pattern: AXIS_NAME_PATTERN },
  additionalProperties: { type: ['string', 'number'] },
  required: [],
};

const sourceSchema: JSONSchemaType<ClaimSource> = {
  type: 'object',
  properties: {
    paper: { type: 'string', minLength: 1 },
    table: nullableString,
    row: nullableString,
    column: nullableString,
  },
  required: ['paper', 'table', 'row', 'column'],
  additionalProperties: false,
};

const claimCommon = {
  id: { type: 'string', minLength: 1 },
  description: { type: 'string' },
  source: sourceSchema,
  metric: { type: 'string', minLength: 1, description: 'A summary number, e.g. "testAccuracy" or "flops.trainMultiplier".' },
} as const;
const claimCommonRequired = ['kind', 'id', 'description', 'source', 'metric'] as const;
const publishedStd = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'null', nullable: true }] } as const;
const average = { type: 'string', enum: ['mean', 'olympic'] } as const;
const alpha = { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 } as const;

/** Claims nest (`all`): the claim schema refers to itself. */
const claimRef = ref('claim');

const claimSchema: JSONSchemaType<Claim> = {
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      description: '|mean − value| ≤ tolerance (absolute, in the metric unit).',
      properties: {
        kind: { type: 'string', const: 'abs' },
        ...claimCommon,
        group: groupSchema,
        value: { type: 'number' },
        publishedStd,
        tolerance: { type: 'number', minimum: 0 },
        average,
      },
      required: [...claimCommonRequired, 'group', 'value', 'publishedStd', 'tolerance', 'average'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: '|mean − value| ≤ tolerance · |value| (relative).',
      properties: {
        kind: { type: 'string', const: 'rel' },
        ...claimCommon,
        group: groupSchema,
        value: { type: 'number' },
        publishedStd,
        tolerance: { type: 'number', minimum: 0 },
        average,
      },
      required: [...claimCommonRequired, 'group', 'value', 'publishedStd', 'tolerance', 'average'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'Two one-sided tests that the seed mean is within ±margin of value, at level alpha.',
      properties: {
        kind: { type: 'string', const: 'equivalence' },
        ...claimCommon,
        group: groupSchema,
        value: { type: 'number' },
        publishedStd,
        margin: { type: 'number', exclusiveMinimum: 0 },
        alpha,
      },
      required: [...claimCommonRequired, 'group', 'value', 'publishedStd', 'margin', 'alpha'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: "Group `better` beats group `worse` (Welch's t-test, one-sided, at alpha).",
      properties: {
        kind: { type: 'string', const: 'order' },
        ...claimCommon,
        better: groupSchema,
        worse: groupSchema,
        direction: { type: 'string', enum: ['higher', 'lower'] },
        alpha,
      },
      required: [...claimCommonRequired, 'better', 'worse', 'direction', 'alpha'],
      additionalProperties: false,
    },
    {
      type: 'object',
      description: 'Every sub-claim holds.',
      properties: {
        kind: { type: 'string', const: 'all' },
        ...claimCommon,
        claims: { type: 'array', items: claimRef, minItems: 1 },
      },
      required: [...claimCommonRequired, 'claims'],
      additionalProperties: false,
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// Files

const axisValueSchema: JSONSchemaType<AxisValue> = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'number' },
    {
      type: 'object',
      properties: {
        value: { type: ['string', 'number'] },
        set: {
          type: 'object',
          description: 'Dotted manifest path → value that replaces what is there; null deletes the key.',
          required: [],
        },
      },
      required: ['value', 'set'],
      additionalProperties: false,
    },
  ],
} as JSONSchemaType<AxisValue>;

const gridBlockSchema: JSONSchemaType<GridBlock> = {
  type: 'object',
  description: 'The product of its axes: axis name → values.',
  propertyNames: { pattern: AXIS_NAME_PATTERN },
  additionalProperties: { type: 'array', items: axisValueSchema, minItems: 1 },
  required: [],
  minProperties: 1,
};

const axisDefinitionSchema: JSONSchemaType<AxisDefinition> = {
  type: 'object',
  properties: { path: { type: 'string', pattern: MANIFEST_PATH_PATTERN } },
  required: ['path'],
  additionalProperties: false,
};

const claimsProperty = { type: 'array', items: claimRef } as const;

const runFileSchema: JSONSchemaType<RunFile> = {
  type: 'object',
  properties: {
    $schema: { type: 'string', nullable: true },
    kind: { type: 'string', const: 'run' },
    schemaVersion: { type: 'integer', const: MANIFEST_SCHEMA_VERSION },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string', nullable: true },
    run: ref('runManifestInput'),
    claims: claimsProperty,
  },
  required: ['kind', 'schemaVersion', 'title', 'run', 'claims'],
  additionalProperties: false,
};

const suiteFileSchema: JSONSchemaType<SuiteFile> = {
  type: 'object',
  properties: {
    $schema: { type: 'string', nullable: true },
    kind: { type: 'string', const: 'suite' },
    schemaVersion: { type: 'integer', const: MANIFEST_SCHEMA_VERSION },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string', nullable: true },
    axes: {
      type: 'object',
      description: 'Suite-defined axes: name → manifest path (method, distribution, sparsity and seed are predefined).',
      propertyNames: { pattern: AXIS_NAME_PATTERN },
      additionalProperties: axisDefinitionSchema,
      required: [],
      nullable: true,
    },
    base: runManifestBaseSchema,
    grid: { type: 'array', items: gridBlockSchema, minItems: 1 },
    claims: claimsProperty,
    tolerancePolicy: { type: 'string', nullable: true },
  },
  required: ['kind', 'schemaVersion', 'title', 'base', 'grid', 'claims'],
  additionalProperties: false,
};

const definitions: { [K in keyof Definitions]: JSONSchemaType<Definitions[K]> } = {
  claim: claimSchema,
  dataset: datasetSchema,
  model: modelSchema,
  method: methodSchema,
  maskUpdate: maskUpdateSchema,
  sparsity: sparsitySchema,
  training: trainingSchema,
  backend: backendSchema,
  runManifestInput: runManifestInputSchema,
};

/**
 * The schema of a manifest file: a run file or a suite file, told apart by `kind`. Also what
 * manifests/manifest.schema.json holds. `#/definitions/runManifestInput` checks one complete run
 * (each expanded suite run is checked against it).
 */
export const manifestFileSchema = strictOptional({
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'rigl-harness manifest (run or suite)',
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [runFileSchema, suiteFileSchema],
  definitions,
} as unknown as JSONSchemaType<RunFile | SuiteFile>);

export const RUN_MANIFEST_INPUT_POINTER = '#/definitions/runManifestInput';

/**
 * Remove `nullable: true` from properties that are optional (not in their object's `required`):
 * JSONSchemaType demands it for optional keys, but the manifest format means "leave the key out",
 * not "write null". Required nullable properties (a claim source's `table: null`) keep it.
 */
export function strictOptional<T>(schema: T): T {
  return stripOptionalNullable(structuredClone(schema)) as T;
}

function stripOptionalNullable(node: unknown, optional = false): unknown {
  if (Array.isArray(node)) return node.map((item) => stripOptionalNullable(item));
  if (node === null || typeof node !== 'object') return node;
  const object = node as Record<string, unknown>;
  if (optional && object.nullable === true) delete object.nullable;
  const required = new Set(Array.isArray(object.required) ? (object.required as string[]) : []);
  for (const [key, value] of Object.entries(object)) {
    if (key === 'properties' && value !== null && typeof value === 'object') {
      for (const [prop, sub] of Object.entries(value as Record<string, unknown>)) {
        (value as Record<string, unknown>)[prop] = stripOptionalNullable(sub, !required.has(prop));
      }
    } else if (key !== 'enum' && key !== 'const') {
      object[key] = stripOptionalNullable(value);
    }
  }
  return object;
}
