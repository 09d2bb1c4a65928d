/** Types of seeds.mjs, for the TypeScript fuzz tests of the packages. */
export interface ZipEntrySpec {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method?: number;
  readonly size?: number;
  readonly compressedSize?: number;
  readonly crc?: number;
  readonly flags?: number;
}
export declare function makeZip(
  entries: readonly ZipEntrySpec[],
  options?: { readonly comment?: string; readonly count?: number },
): Uint8Array;
export declare function consoleReadme(keyId: string, algorithm: string, spec: string): string;
export declare const KEY_ID: string;
export declare function parametersJson(spki: Uint8Array, validTo?: string): string;
export interface Seeds {
  readonly der: Uint8Array[];
  readonly spki: Uint8Array[];
  readonly text: string[];
  readonly jwk: Record<string, unknown>[];
  readonly raw: Uint8Array[];
  readonly json: string[];
  readonly readme: string[];
  readonly zip: Uint8Array[];
  readonly manifest: string[];
}
export declare function generateSeeds(options?: { readonly openssl?: boolean }): Seeds;
