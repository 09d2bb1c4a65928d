/** Types of mutate.mjs, for the TypeScript fuzz tests of the packages. */
export interface Mutation {
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
}
export declare const BYTE_OPS: readonly string[];
export declare const TEXT_OPS: readonly string[];
export declare const VALUE_OPS: readonly string[];
export interface DerNode {
  readonly start: number;
  readonly lenOff: number;
  readonly lenLen: number;
  readonly body: number;
  readonly end: number;
  readonly tag: number;
}
export declare function derLength(n: number): Uint8Array;
export declare function derNodes(bytes: Uint8Array, limit?: number): DerNode[];
export declare function mutateBytesOnce(input: Uint8Array, m: Mutation, donors?: readonly Uint8Array[]): Uint8Array;
export declare function mutateBytes(input: Uint8Array, mutations: readonly Mutation[], donors?: readonly Uint8Array[]): Uint8Array;
export declare function mutateTextOnce(input: string, m: Mutation, donors?: readonly string[]): string;
export declare function mutateText(input: string, mutations: readonly Mutation[], donors?: readonly string[]): string;
export declare function mutateValue(
  value: unknown,
  mutations: readonly Mutation[],
  donors?: readonly Uint8Array[],
): Record<string, unknown>;
export declare function makeRng(seed: number): () => number;
export declare function randomMutations(rng: () => number, n: number): Mutation[];
