export * from './errors.js';
export * from './specs.js';
export type * from './keys.js';
export type * from './provider.js';
export type * from './algorithm.js';
