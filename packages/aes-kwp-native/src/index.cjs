'use strict';
// @kms-wrap/aes-kwp-native: AES key wrap with padding (RFC 5649) on the CPU's AES instructions
// (AES-NI on x86-64, the ARMv8 Cryptography Extensions on arm64), or the reason it cannot run
// here. CommonJS (dist/index.cjs, the "require" export) so that @kms-wrap/node, and the kms-wrap
// CLI's CommonJS bundles, can require() it when first needed; dist/index.js re-exports it for import.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const target = `${process.platform}-${process.arch}`;
const file = join(__dirname, `aes_kwp-${target}.node`);
/** The builds scripts/build.mjs makes, and the instructions each runs on. */
const INSTRUCTIONS = { 'linux-x64': 'AES-NI', 'linux-arm64': 'ARMv8 AES' };

function load() {
  if (process.env.KMS_WRAP_NATIVE_KWP === '0') return { reason: 'turned off (KMS_WRAP_NATIVE_KWP=0)' };
  if (!Object.hasOwn(INSTRUCTIONS, target)) return { reason: `built for Linux x64 and arm64 only, not ${target}` };
  if (!existsSync(file)) return { reason: `not built (no ${file})` };
  let addon;
  try {
    addon = require(file);
  } catch (e) {
    // A C library or kernel this binary cannot load on (musl, say): node:crypto does the work.
    return { reason: `does not load here (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
  }
  if (!addon.supported) return { reason: `this CPU has no AES instructions (${INSTRUCTIONS[target]})` };
  return { wrap: addon.wrap };
}

const loaded = load();
/** wrap(kek, plaintext): RFC 5649 §4.1 on the AES instructions, or null when it cannot run here (see status). */
exports.wrap = loaded.wrap ?? null;
/** 'AES-NI' (x64) or 'ARMv8 AES' (arm64), or why the addon is not used. */
exports.status = loaded.wrap ? INSTRUCTIONS[target] : loaded.reason;
