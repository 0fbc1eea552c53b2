/**
 * The dataset module's public surface: the catalogue, loading (lookup, download, verification,
 * parsing, split) and batches (data order, augmentation, normalisation).
 */
export type { Batch, ImageSplit, LoadedDataset } from './types.ts';
export {
  DATASET_NAMES,
  REPORT_CIFAR_SPLIT,
  UNPINNED_SHA256,
  datasetCatalogEntry,
  defaultDatasetSpec,
  isPinnedSha256,
  pinDatasetSpec,
  type CatalogFile,
  type DatasetCatalogEntry,
  type DatasetLayout,
  type PackedSource,
} from './catalog.ts';
export { clearDatasetCache, loadDataset, type LoadDatasetOptions } from './load.ts';
export { DATA_DIR_ENV, datasetCacheDir, datasetSearchDirs, processSearchContext } from './locate.ts';
export {
  assembleBatch,
  batchCount,
  batchIndices,
  createBatchSpec,
  epochOrder,
  type BatchSpec,
} from './batches.ts';
