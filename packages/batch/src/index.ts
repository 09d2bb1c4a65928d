export { checkBatch, startBatchWorkers, wrapBatch, wrapManifest } from './batch.js';
export type {
  BatchEntry,
  BatchEntryResult,
  BatchOptions,
  BatchProblem,
  BatchProgress,
  BatchSummary,
  BatchTotals,
  BatchWarning,
  BatchWorkers,
  ManifestBatchOptions,
  SealedKeyHandle,
  SealedOpener,
} from './batch.js';
export { parseBatchManifest, readBatchManifest, streamBatchManifest } from './batch-manifest.js';
export type { BatchManifest, ManifestLine, ManifestOptions, ManifestProblem, StreamedManifest } from './batch-manifest.js';
