/** Types of hostile.mjs, for the TypeScript fuzz tests of the packages. */
import type fc from 'fast-check';
import type { Mutation } from './mutate.mjs';
import type { Seeds } from './seeds.mjs';

/** What the verdict needs of @kms-wrap/core: its error class and codes. */
export interface CoreErrors {
  readonly KmsWrapError: abstract new (...args: never[]) => { readonly code: string; readonly message: string };
  readonly ERROR_CODES: Readonly<Record<string, string>>;
}
export declare const LIMIT_MS: number;
export declare function hostileSync<T>(core: CoreErrors, f: () => T, check?: (value: T) => void): void;
export declare function hostile<T>(core: CoreErrors, f: () => T | Promise<T>, check?: (value: T) => void): Promise<void>;
export declare function zipFields(z: Uint8Array): [number, 2 | 4][];
export declare const mutations: fc.Arbitrary<Mutation[]>;
export declare function hostileZip(seeds: Seeds, maxEntryBytes: number): fc.Arbitrary<Uint8Array>;
