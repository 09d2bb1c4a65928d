/** The browser's names for @kms-wrap/core's optional import (its tests use them). */
export { importOptional as _importOptional, isModuleNotFound as _isModuleNotFound } from '@kms-wrap/core/internal';
