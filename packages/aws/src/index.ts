export {
  importKeyMaterial,
  checkValidTo,
  parseImportType,
  regionOfArn,
  clientRegionName,
  IMPORT_TYPES,
  MAX_VALID_TO_DAYS,
} from './kms-import.js';
export type {
  ImportKeyMaterialOptions,
  ImportKeyMaterialResult,
  ImportType,
  ExpirationModel,
  KmsCall,
  KmsOperation,
} from './kms-import.js';
export { loadKmsSdk, KMS_SDK_PACKAGE } from './kms-sdk.js';
export type { KmsClientLike, KmsSdk, LoadKmsSdkOptions } from './kms-sdk.js';
export { translateKmsError, awsErrorName, isServiceError } from './kms-errors.js';
export type { KmsErrorContext } from './kms-errors.js';
export { parseImportParametersFile, parseImportParametersFolder, parseConsoleReadme } from './import-parameters-files.js';
export type {
  ConsoleReadme,
  ImportParametersFolder,
  ImportParametersOptions,
  ImportParametersSource,
  LoadedImportParameters,
} from './import-parameters-files.js';
export { isZip, listZipEntries, readZipEntry, MAX_ZIP_ENTRIES, MAX_ZIP_ENTRY_BYTES } from './zip.js';
export type { ZipEntry, ZipOptions } from './zip.js';
export { inflateRawStream } from './inflate.js';
export type { InflateRaw } from './inflate.js';
export { migrateKeys } from './kms-migrate.js';
export type {
  MigrateKeysOptions,
  MigrationMaterial,
  MigrationPlan,
  KeyPlan,
  KeyOutcome,
  KeyStatus,
  MigrationEvent,
  MigrationResult,
} from './kms-migrate.js';
export { parseMigrationManifest, parseJournal, journalLine } from './migration-manifest.js';
export type {
  MigrationEntry,
  MigrationCreate,
  MigrationManifest,
  ManifestLineProblem,
  JournalRecord,
  JournalEvent,
} from './migration-manifest.js';
