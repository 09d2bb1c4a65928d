/**
 * `@kms-wrap/node/files`: the file primitives kms-wrap's own Node packages share, for
 * @kms-wrap/batch's worker threads (which read synchronously, one entry at a time) and its
 * manifest reader. Not the root API: names here may change with any minor version. Users want
 * the root's readInputFile and writeFileAtomic.
 */
export { MAX_INPUT_BYTES, errnoText, readFdBounded, readFdBoundedSync, readInputFileSync } from './files.js';
export { inflateRaw } from './import-parameters-files.js';
