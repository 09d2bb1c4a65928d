/**
 * The seed corpus the mutations start from: real keys in every form kms-wrap reads, made by
 * node:crypto and (when available) the OpenSSL 3 CLI — RSA, EC (P-256, P-384, P-521,
 * secp256k1) and SM2 as PKCS#8, PKCS#1, SEC1 and SPKI, DER and PEM, encrypted PKCS#8, JWK,
 * certificates, GetParametersForImport JSON, the console's zip and README, batch manifests.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const u8 = (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const pem = (label, der) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END ${label}-----\n`;

/**
 * A zip archive (APPNOTE 6.3: local headers, central directory, end record). `method` 0 stores,
 * 8 deflates; `size`, `compressedSize`, `crc` override what the directory says (hostile archives).
 */
export function makeZip(entries, options = {}) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data);
    const method = e.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const crc = e.crc ?? crc32(data);
    const size = e.size ?? data.length;
    const csize = e.compressedSize ?? stored.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.flags ?? 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(csize >>> 0, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.flags ?? 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(csize >>> 0, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset >>> 0, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += 30 + name.length + stored.length;
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '', 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.count ?? entries.length, 8);
  end.writeUInt16LE(options.count ?? entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(comment.length, 20);
  return u8(Buffer.concat([...locals, cd, end, comment]));
}

/** The console's README.txt, as far as its wording is known. */
export function consoleReadme(keyId, algorithm, spec) {
  return [
    'This download contains the wrapping public key and import token for importing key material into AWS KMS.',
    `KMS key: arn:aws:kms:us-east-1:111122223333:key/${keyId}`,
    `Wrapping algorithm: ${algorithm}`,
    `Wrapping key spec: ${spec}`,
    'The import token and the wrapping public key expire at 2030-05-14T12:00:00Z (valid for 24 hours).',
    '',
  ].join('\n');
}

export const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** GetParametersForImport JSON around a wrapping public key (SPKI DER). */
export function parametersJson(spki, validTo = '1568290320.0') {
  return JSON.stringify(
    {
      KeyId: `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`,
      ImportToken: randomBytes(64).toString('base64'),
      PublicKey: Buffer.from(spki).toString('base64'),
      ParametersValidTo: validTo,
    },
    null,
    4,
  );
}

function openssl(args, input) {
  return execFileSync('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });
}

/**
 * Seeds from node:crypto and, unless `openssl: false` or the CLI is missing, OpenSSL (SM2 keys,
 * explicit-curve and parameter-block EC keys, a certificate). Arrays by kind:
 *   der     binary keys and certificates          text   PEM, base64 and hex texts of them
 *   jwk     private JWK objects                   json   GetParametersForImport JSON texts
 *   raw     raw symmetric/HMAC material           zip    console ImportParameters.zip archives
 *   readme  README.txt texts                      manifest  batch manifest (JSON Lines) texts
 *   spki    wrapping public keys (DER)
 */
export function generateSeeds(options = {}) {
  const der = [];
  const spki = [];
  const text = [];
  const jwk = [];
  const add = (list, b) => list.push(u8(b));

  const rsa = [2048, 1024].map((modulusLength) => generateKeyPairSync('rsa', { modulusLength, publicExponent: 65537 }));
  const ec = ['prime256v1', 'secp384r1', 'secp521r1', 'secp256k1'].map((namedCurve) => generateKeyPairSync('ec', { namedCurve }));
  const others = [generateKeyPairSync('ed25519'), generateKeyPairSync('x25519')];
  for (const { publicKey, privateKey } of [...rsa, ...ec, ...others]) {
    const type = privateKey.asymmetricKeyType;
    add(der, privateKey.export({ type: 'pkcs8', format: 'der' }));
    add(spki, publicKey.export({ type: 'spki', format: 'der' }));
    text.push(privateKey.export({ type: 'pkcs8', format: 'pem' }), publicKey.export({ type: 'spki', format: 'pem' }));
    if (type === 'rsa') {
      add(der, privateKey.export({ type: 'pkcs1', format: 'der' }));
      add(der, publicKey.export({ type: 'pkcs1', format: 'der' }));
      text.push(privateKey.export({ type: 'pkcs1', format: 'pem' }));
    }
    if (type === 'ec') {
      add(der, privateKey.export({ type: 'sec1', format: 'der' }));
      text.push(privateKey.export({ type: 'sec1', format: 'pem' }));
    }
    if (type === 'rsa' || type === 'ec') jwk.push(privateKey.export({ format: 'jwk' }));
  }
  add(der, rsa[0].privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-128-cbc', passphrase: 'fuzz' }));
  text.push(rsa[0].privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'fuzz' }));
  text.push(rsa[0].privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-128-cbc', passphrase: 'fuzz' }));

  if (options.openssl !== false) {
    const dir = mkdtempSync(join(tmpdir(), 'kms-wrap-fuzz-seeds-'));
    try {
      const f = (name) => join(dir, name);
      openssl(['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:sm2', '-out', f('sm2.pem')]);
      add(der, openssl(['pkcs8', '-topk8', '-nocrypt', '-in', f('sm2.pem'), '-outform', 'DER']));
      add(der, openssl(['ec', '-in', f('sm2.pem'), '-outform', 'DER']));
      add(spki, openssl(['pkey', '-in', f('sm2.pem'), '-pubout', '-outform', 'DER']));
      text.push(readFileSync(f('sm2.pem'), 'utf8'), openssl(['ec', '-in', f('sm2.pem')]).toString('utf8'));
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-out', f('params.pem')]);
      text.push(readFileSync(f('params.pem'), 'utf8'));
      add(der, openssl(['ec', '-in', f('params.pem'), '-param_enc', 'explicit', '-outform', 'DER']));
      add(der, openssl(['pkcs8', '-topk8', '-nocrypt', '-in', f('params.pem'), '-outform', 'DER']));
      openssl([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        f('cert.key'),
        '-subj',
        '/CN=fuzz',
        '-days',
        '1',
        '-out',
        f('cert.pem'),
      ]);
      text.push(readFileSync(f('cert.pem'), 'utf8'));
      add(der, openssl(['x509', '-in', f('cert.pem'), '-outform', 'DER']));
    } catch {
      // No OpenSSL 3 here: node:crypto's seeds are enough to fuzz with.
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  for (const b of [...der.slice(0, 6), ...spki.slice(0, 2)]) {
    text.push(
      Buffer.from(b).toString('base64'),
      Buffer.from(b).toString('base64').replace(/.{64}/g, '$&\n'),
      Buffer.from(b).toString('hex'),
    );
  }
  text.push(pem('RSA PUBLIC KEY', der[2]));

  const raw = [16, 28, 32, 48, 64, 33, 0, 1].map((n) => u8(randomBytes(n)));
  const json = [
    parametersJson(spki[0]),
    parametersJson(spki[spki.length - 1], '2030-05-14T12:00:00Z'),
    ...jwk.map((j) => JSON.stringify(j)),
  ];
  const readme = [
    consoleReadme(KEY_ID, 'RSAES_OAEP_SHA_256', 'RSA_2048'),
    consoleReadme('mrk-0123456789abcdef0123456789abcdef', 'SM2PKE', 'SM2'),
  ];
  const token = u8(randomBytes(1000));
  const zip = [
    makeZip([
      { name: 'WrappingPublicKey.bin', data: spki[0] },
      { name: 'ImportToken.bin', data: token },
      { name: 'README.txt', data: Buffer.from(readme[0]) },
    ]),
    makeZip([
      { name: 'ImportParameters/WrappingPublicKey.bin', data: spki[spki.length - 1], method: 0 },
      { name: 'ImportParameters/ImportToken.bin', data: token, method: 0 },
    ]),
  ];
  const manifest = [
    [
      JSON.stringify({ material: 'a.bin', publicKey: 'WrappingPublicKey.bin', algorithm: 'RSAES_OAEP_SHA_256', output: 'a.enc' }),
      JSON.stringify({
        material: 'k.der',
        parameters: 'params.json',
        algorithm: 'RSA_AES_KEY_WRAP_SHA_256',
        keySpec: 'RSA_2048',
        region: 'standard',
        output: 'out/k.enc',
      }),
      '',
      JSON.stringify({ material: 'b.bin', publicKey: 'sm2.der', algorithm: 'SM2PKE', region: 'china', output: 'b.enc' }),
    ].join('\n'),
  ];
  return { der, spki, text, jwk, raw, json, readme, zip, manifest };
}
