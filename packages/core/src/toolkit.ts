/**
 * @kms-wrap/core/encoding — the one DER, PEM and base64 toolkit of kms-wrap: strict DER reading
 * (bounded, DER only, every failure a KmsWrapError or a phrase to word), DER writing,
 * OIDs and what a DER structure is, PEM, base64, hex and big-integer conversions.
 *
 * For kms-wrap's own packages (keygen, sm2pke, node, cli) and for plugin authors who read or
 * write the structures of their algorithm. It is not the public API of @kms-wrap/core: names
 * here may change in a minor release. No runtime imports: it runs in Node and in browsers.
 */
export type { Asn1, DerHeader, DerRead } from './der.js';
export {
  OID,
  assertDer,
  bitLength,
  bitStringBytes,
  children,
  decodeBer,
  decodeDer,
  derHeader,
  derProblem,
  explicitValue,
  integerBytes,
  isContextTag,
  isDerUnsigned,
  isInteger,
  isMinimalInteger,
  isNull,
  isSequence,
  isUniversal,
  looksLikeDerSequence,
  octetsOf,
  oidOf,
  readBer,
  readDer,
  smallInteger,
  tagged,
  unsignedInteger,
} from './der.js';
export { concatBytes, derLength, derTlv, derTlvLength, derUnsignedInteger, unsignedIntegerContent } from './der-encode.js';
export { CURVE_BY_OID, DER_KIND_NAMES, FOREIGN_KEY_TYPES, OID_BY_CURVE, UNIMPORTABLE_SPEC_BY_OID, identifyDer } from './identify-der.js';
export type { DerKind } from './identify-der.js';
export {
  bytesToBigInt,
  bytesToText,
  equalBytes,
  fromBase64,
  isPem,
  jsonTooDeep,
  looksLikeText,
  parsePem,
  textToBytes,
  toBase64,
  toHex,
  zeroize,
} from './encoding.js';
export type { PemBlock } from './encoding.js';
