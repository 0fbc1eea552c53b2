/**
 * What we know about each dataset: where it is published, the size and sha256 of the published
 * (packed) files, and the size and sha256 of every file's unpacked content (rigl-spec §7).
 *
 * Pinning. A manifest pins each file by the sha256 of its *unpacked* bytes (DatasetFileSpec), because
 * packers differ: Debian's Fashion-MNIST .gz files are re-compressed and hash differently from
 * upstream's, while their unpacked bytes are identical (rigl-spec §7.3, env-measurements §1).
 * Where the unpacked hash is not known from a verified source (MNIST: only the .gz hashes are
 * published; CIFAR: only the archive hash), the catalogue says so with `UNPINNED_SHA256` and the
 * loader accepts the file only through the published packed file: an upstream .gz whose sha256 is
 * the catalogue's, or a member of the upstream archive whose sha256 is the catalogue's. Every load
 * reports the unpacked sha256 it computed (DatasetProvenance); `pinDatasetSpec` writes those into a
 * spec, so a manifest made after the first verified load (or download) pins the member hashes, and
 * from then on extracted or re-packed copies are accepted when, and only when, their unpacked bytes
 * hash to the pinned values. A pinned hash always wins: a file whose unpacked sha256 differs from a
 * pinned one is refused, whatever packed it.
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { DatasetProvenance } from '../run-summary.ts';
import type {
  Augmentation,
  DatasetFileSpec,
  DatasetName,
  DatasetSpec,
  DatasetSplit,
} from '../run-manifest.ts';

/** `unpackedSha256` of a file whose unpacked hash is not pinned yet (see the module comment). */
export const UNPINNED_SHA256 = 'unpinned';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True when `sha256` pins a hash; false for UNPINNED_SHA256. Anything else is a manifest error. */
export function isPinnedSha256(sha256: string, where: string): boolean {
  if (sha256 === UNPINNED_SHA256) return false;
  if (!SHA256_HEX.test(sha256)) {
    throw new InvalidRunConfigError(
      `${where} must be 64 lowercase hex digits or "${UNPINNED_SHA256}" but got "${sha256}"`,
    );
  }
  return true;
}

/** A file as published: compressed bytes at one or more mirror URLs, with their size and sha256. */
export interface PackedSource {
  /** Name of the published file, e.g. "train-images-idx3-ubyte.gz", "cifar-10-binary.tar.gz". */
  fileName: string;
  /** Mirrors, tried in order. */
  urls: string[];
  bytes: number;
  sha256: string;
}

/** One file of a dataset: the manifest's view (DatasetFileSpec) plus where its packed form comes from. */
export interface CatalogFile extends DatasetFileSpec {
  /** The published .gz whose content this file is (idx); null for archive members (CIFAR). */
  gz: PackedSource | null;
}

export const IDX_ROLES = {
  trainImages: 'train-images',
  trainLabels: 'train-labels',
  testImages: 'test-images',
  testLabels: 'test-labels',
} as const;

export type DatasetLayout =
  /** Four idx files (rigl-spec §7.3), each published as its own .gz. */
  | { kind: 'idx' }
  /**
   * CIFAR binary records (rigl-spec §7.1, §7.2): `labelBytes` label bytes (the last one is the class)
   * then 3,072 CHW pixel bytes; all members come from one published archive.
   */
  | {
      kind: 'cifar-binary';
      labelBytes: 1 | 2;
      trainRoles: string[];
      testRoles: string[];
      archive: PackedSource;
    };

export interface DatasetCatalogEntry {
  name: DatasetName;
  version: string;
  layout: DatasetLayout;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  trainCount: number;
  testCount: number;
  files: CatalogFile[];
  normalization: { mean: number[]; std: number[] };
  /** The augmentation of the report's recipe for this dataset (rigl-spec §6.1, §6.2). */
  augmentation: Augmentation[];
}

// ---------------------------------------------------------------------------------------------
// idx datasets (rigl-spec §7.3)

interface IdxFileFacts {
  role: string;
  gzName: string;
  unpackedBytes: number;
  unpackedSha256: string;
  gzBytes: number;
  gzSha256: string;
}

function idxFiles(baseUrls: string[], facts: IdxFileFacts[]): CatalogFile[] {
  return facts.map((f) => ({
    role: f.role,
    fileName: f.gzName,
    unpackedBytes: f.unpackedBytes,
    unpackedSha256: f.unpackedSha256,
    gz: {
      fileName: f.gzName,
      urls: baseUrls.map((base) => `${base}${f.gzName}`),
      bytes: f.gzBytes,
      sha256: f.gzSha256,
    },
  }));
}

/** 60,000 and 10,000 images of 28×28 bytes plus the idx headers (16 and 8 bytes). */
const IDX_TRAIN_IMAGES_BYTES = 16 + 60_000 * 28 * 28;
const IDX_TRAIN_LABELS_BYTES = 8 + 60_000;
const IDX_TEST_IMAGES_BYTES = 16 + 10_000 * 28 * 28;
const IDX_TEST_LABELS_BYTES = 8 + 10_000;

const FASHION_MNIST: DatasetCatalogEntry = {
  name: 'fashion-mnist',
  version: 'fashion-mnist-2017',
  layout: { kind: 'idx' },
  height: 28,
  width: 28,
  channels: 1,
  numClasses: 10,
  trainCount: 60_000,
  testCount: 10_000,
  // Upstream .gz sizes and sha256: TFDS url_checksums/fashion_mnist.txt; unpacked sha256: measured on
  // the Debian files and equal to upstream's raw hashes (rigl-spec §7.3, env-measurements §1).
  files: idxFiles(
    ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    [
      {
        role: IDX_ROLES.trainImages,
        gzName: 'train-images-idx3-ubyte.gz',
        unpackedBytes: IDX_TRAIN_IMAGES_BYTES,
        unpackedSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888',
        gzBytes: 26_421_880,
        gzSha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84',
      },
      {
        role: IDX_ROLES.trainLabels,
        gzName: 'train-labels-idx1-ubyte.gz',
        unpackedBytes: IDX_TRAIN_LABELS_BYTES,
        unpackedSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9',
        gzBytes: 29_515,
        gzSha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
      },
      {
        role: IDX_ROLES.testImages,
        gzName: 't10k-images-idx3-ubyte.gz',
        unpackedBytes: IDX_TEST_IMAGES_BYTES,
        unpackedSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b',
        gzBytes: 4_422_102,
        gzSha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073',
      },
      {
        role: IDX_ROLES.testLabels,
        gzName: 't10k-labels-idx1-ubyte.gz',
        unpackedBytes: IDX_TEST_LABELS_BYTES,
        unpackedSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34',
        gzBytes: 5_148,
        gzSha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5',
      },
    ],
  ),
  // Train-set pixel statistics on [0, 1] (rigl-spec §7.3 [LOCAL]; recipes.md fmnist-lenet300).
  normalization: { mean: [0.286], std: [0.353] },
  augmentation: [],
};

const MNIST: DatasetCatalogEntry = {
  name: 'mnist',
  version: 'mnist-1998',
  layout: { kind: 'idx' },
  height: 28,
  width: 28,
  channels: 1,
  numClasses: 10,
  trainCount: 60_000,
  testCount: 10_000,
  // .gz sizes and sha256: TFDS url_checksums/mnist.txt (its mirror first, then PyTorch's). The
  // unpacked hashes were never measured from a verified copy here: unpinned, verified through the .gz.
  files: idxFiles(
    [
      'https://storage.googleapis.com/cvdf-datasets/mnist/',
      'https://ossci-datasets.s3.amazonaws.com/mnist/',
    ],
    [
      {
        role: IDX_ROLES.trainImages,
        gzName: 'train-images-idx3-ubyte.gz',
        unpackedBytes: IDX_TRAIN_IMAGES_BYTES,
        unpackedSha256: UNPINNED_SHA256,
        gzBytes: 9_912_422,
        gzSha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609',
      },
      {
        role: IDX_ROLES.trainLabels,
        gzName: 'train-labels-idx1-ubyte.gz',
        unpackedBytes: IDX_TRAIN_LABELS_BYTES,
        unpackedSha256: UNPINNED_SHA256,
        gzBytes: 28_881,
        gzSha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c',
      },
      {
        role: IDX_ROLES.testImages,
        gzName: 't10k-images-idx3-ubyte.gz',
        unpackedBytes: IDX_TEST_IMAGES_BYTES,
        unpackedSha256: UNPINNED_SHA256,
        gzBytes: 1_648_877,
        gzSha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6',
      },
      {
        role: IDX_ROLES.testLabels,
        gzName: 't10k-labels-idx1-ubyte.gz',
        unpackedBytes: IDX_TEST_LABELS_BYTES,
        unpackedSha256: UNPINNED_SHA256,
        gzBytes: 4_542,
        gzSha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6',
      },
    ],
  ),
  // REPC data.py › _get_MNIST_dataset; SL utils.py (rigl-spec §7.3).
  normalization: { mean: [0.1307], std: [0.3081] },
  augmentation: [],
};

// ---------------------------------------------------------------------------------------------
// CIFAR binary datasets (rigl-spec §7.1, §7.2)

/** One CIFAR record: label byte(s), then 3 × 32 × 32 pixel bytes. */
export const CIFAR_PIXEL_BYTES = 3 * 32 * 32;

function cifarMember(folder: string, role: string, baseName: string, records: number, labelBytes: number): CatalogFile {
  return {
    role,
    fileName: `${folder}/${baseName}`,
    unpackedBytes: records * (labelBytes + CIFAR_PIXEL_BYTES),
    // Only the archive's sha256 is published (TFDS); the members' are pinned by a manifest.
    unpackedSha256: UNPINNED_SHA256,
    gz: null,
  };
}

const CIFAR10_TRAIN_ROLES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'];

const CIFAR10: DatasetCatalogEntry = {
  name: 'cifar10',
  version: 'cifar-10-binary',
  layout: {
    kind: 'cifar-binary',
    labelBytes: 1,
    trainRoles: CIFAR10_TRAIN_ROLES,
    testRoles: ['test_batch'],
    archive: {
      fileName: 'cifar-10-binary.tar.gz',
      urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
      bytes: 170_052_171,
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
    },
  },
  height: 32,
  width: 32,
  channels: 3,
  numClasses: 10,
  trainCount: 50_000,
  testCount: 10_000,
  files: [
    ...CIFAR10_TRAIN_ROLES.map((role) => cifarMember('cifar-10-batches-bin', role, `${role}.bin`, 10_000, 1)),
    cifarMember('cifar-10-batches-bin', 'test_batch', 'test_batch.bin', 10_000, 1),
  ],
  // REPC data.py › _get_CIFAR10_dataset (rigl-spec §6.1).
  normalization: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  augmentation: [{ kind: 'pad-crop', padPixels: 4, padMode: 'reflect' }, { kind: 'horizontal-flip' }],
};

const CIFAR100: DatasetCatalogEntry = {
  name: 'cifar100',
  version: 'cifar-100-binary',
  layout: {
    kind: 'cifar-binary',
    labelBytes: 2,
    trainRoles: ['train'],
    testRoles: ['test'],
    archive: {
      fileName: 'cifar-100-binary.tar.gz',
      urls: ['https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz'],
      bytes: 168_513_733,
      sha256: '58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec',
    },
  },
  height: 32,
  width: 32,
  channels: 3,
  numClasses: 100,
  trainCount: 50_000,
  testCount: 10_000,
  files: [
    cifarMember('cifar-100-binary', 'train', 'train.bin', 50_000, 2),
    cifarMember('cifar-100-binary', 'test', 'test.bin', 10_000, 2),
  ],
  // REPC data.py › _get_CIFAR100_dataset (rigl-spec §6.2): RandomResizedCrop(32) defaults + flip.
  normalization: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  augmentation: [
    { kind: 'random-resized-crop', scaleMin: 0.08, scaleMax: 1, ratioMin: 3 / 4, ratioMax: 4 / 3 },
    { kind: 'horizontal-flip' },
  ],
};

const CATALOG: Record<DatasetName, DatasetCatalogEntry> = {
  'fashion-mnist': FASHION_MNIST,
  mnist: MNIST,
  cifar10: CIFAR10,
  cifar100: CIFAR100,
};

export const DATASET_NAMES = Object.keys(CATALOG) as DatasetName[];

/** The catalogue entry of a dataset; an unknown name says which names exist. */
export function datasetCatalogEntry(name: string): DatasetCatalogEntry {
  const entry = (CATALOG as Record<string, DatasetCatalogEntry | undefined>)[name];
  if (entry === undefined) {
    throw new InvalidRunConfigError(
      `unknown dataset "${name}"; known datasets: ${DATASET_NAMES.join(', ')}`,
    );
  }
  return entry;
}

/** The report's CIFAR split: the last 5,000 training images are the validation set (rigl-spec §6.1). */
export const REPORT_CIFAR_SPLIT: DatasetSplit = { kind: 'holdout-tail', validationCount: 5_000 };

/**
 * A complete DatasetSpec for `name` from the catalogue: every file with its size and unpacked hash
 * (or UNPINNED_SHA256), the official split, the dataset's normalisation and its report augmentation
 * (none for the idx datasets). Manifests are generated from this and override what their recipe
 * changes (e.g. `split: REPORT_CIFAR_SPLIT`). Returns fresh objects: callers may modify them.
 */
export function defaultDatasetSpec(name: DatasetName): DatasetSpec {
  const entry = datasetCatalogEntry(name);
  return {
    name: entry.name,
    version: entry.version,
    files: entry.files.map(({ role, fileName, unpackedBytes, unpackedSha256 }) => ({
      role,
      fileName,
      unpackedBytes,
      unpackedSha256,
    })),
    split: { kind: 'official' },
    normalization: {
      mean: [...entry.normalization.mean],
      std: [...entry.normalization.std],
    },
    augmentation: entry.augmentation.map((a) => ({ ...a })),
  };
}

/**
 * `spec` with every UNPINNED_SHA256 replaced by the unpacked sha256 that a verified load recorded
 * for the same role (`LoadedDataset.provenance`). Pinned hashes are left as they are. Throws when
 * the provenance lacks an unpinned role or its size differs from the spec's.
 */
export function pinDatasetSpec(spec: DatasetSpec, provenance: DatasetProvenance): DatasetSpec {
  const byRole = new Map(provenance.files.map((f) => [f.role, f]));
  return {
    ...spec,
    files: spec.files.map((file) => {
      if (file.unpackedSha256 !== UNPINNED_SHA256) return { ...file };
      const seen = byRole.get(file.role);
      if (seen === undefined) {
        throw new InvalidRunConfigError(
          `cannot pin dataset file role "${file.role}": the provenance has no file with that role ` +
            `(it has ${[...byRole.keys()].join(', ') || 'none'})`,
        );
      }
      if (seen.unpackedBytes !== file.unpackedBytes) {
        throw new InvalidRunConfigError(
          `cannot pin dataset file role "${file.role}": the provenance records ${seen.unpackedBytes} ` +
            `bytes but the spec says ${file.unpackedBytes}`,
        );
      }
      return { ...file, unpackedSha256: seen.unpackedSha256 };
    }),
  };
}
