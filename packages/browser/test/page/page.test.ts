/**
 * dist/kms-wrap.html, driven in the system Chromium from file:// with the browser context
 * offline: pick the wrapping key and material files, choose an algorithm, wrap, capture the
 * download, and have OpenSSL unwrap it to the exact material. Every request the page makes
 * is recorded; none may leave file:, data: or blob:.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createWrapper, type Wrapper } from '@kms-wrap/core';
import { awsImportCommand } from '@kms-wrap/core/internal';
import { algorithms as rsaAesKeyWrap } from '@kms-wrap/rsa-aes-key-wrap';
import { algorithms as rsaesOaep } from '@kms-wrap/rsaes-oaep';
import { algorithms as sm2pke } from '@kms-wrap/sm2pke';
import { chromium, type Browser, type BrowserContext, type Download, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebCryptoProvider } from '../../src/index.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../setup/chromium.js';
import { generateKey, opensslUnwrap, removeDir, tempDir, type GeneratedKey } from '../setup/openssl.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pagePath = join(root, 'dist', 'kms-wrap.html');
const bundlePath = join(root, 'dist', 'kms-wrap.browser.js');
const outputDir = join(root, 'test-output');
const screenshotPath = join(outputDir, 'kms-wrap-page.png');

/** Schemes that never leave the machine. */
const LOCAL_URL = /^(file|data|blob):/;

let dir: string;
let browser: Browser;
let context: BrowserContext;
let rsa4096: GeneratedKey;
let sm2: GeneratedKey;
let rsaPrivate: GeneratedKey;
let p384: GeneratedKey;
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(pagePath)) throw new Error(`${pagePath} is missing — run the build first (pnpm run build)`);
  dir = tempDir('kms-wrap-page-');
  rsa4096 = generateKey(dir, 'wrap-RSA_4096', 'RSA_4096');
  sm2 = generateKey(dir, 'wrap-SM2', 'SM2');
  rsaPrivate = generateKey(dir, 'material-RSA_2048', 'RSA_2048');
  p384 = generateKey(dir, 'material-ECC_NIST_P384', 'ECC_NIST_P384');
  // What the KMS console's zip holds, and a material file a user already has.
  writeFileSync(join(dir, 'WrappingPublicKey.bin'), rsa4096.spki);
  writeFileSync(join(dir, 'SM2-WrappingPublicKey.bin'), sm2.spki);
  writeFileSync(join(dir, 'ECC_NIST_P384_PrivateKey.der'), p384.pkcs8);
  writeFileSync(join(dir, 'RSA_2048_PrivateKey.der'), rsaPrivate.pkcs8);
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
});

afterAll(async () => {
  await browser?.close();
  if (dir) removeDir(dir);
});

afterEach(async () => {
  await context?.close();
});

/** A fresh offline context and the page from file://, with every request and problem recorded. */
async function openPage(): Promise<Page> {
  context = await browser.newContext({ offline: true, acceptDownloads: true, viewport: { width: 1000, height: 900 } });
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(pathToFileURL(pagePath).href);
  await page.waitForSelector('body[data-ready="true"]');
  return page;
}

let judge: Wrapper | undefined;
/** Core's engine with every standard plugin, in Node: what the page's options must match. */
function nodeWrapper(): Wrapper {
  judge ??= createWrapper({ algorithms: [...rsaAesKeyWrap, ...rsaesOaep, ...sm2pke], crypto: createWebCryptoProvider() });
  return judge;
}

/** The sentence core gives for refusing `algorithm` here: the page must show it unchanged. */
async function coreReason(
  material: Uint8Array,
  spki: Uint8Array,
  region: 'standard' | 'china',
  algorithm: string,
  keySpec?: string,
): Promise<string> {
  // In the page's words (core's 'page' surface): what to choose, not a flag or an option.
  const options = nodeWrapper().options({ material, wrappingPublicKey: spki, region, surface: 'page', ...(keySpec ? { keySpec } : {}) });
  const option = options.find((o) => o.algorithm === algorithm);
  if (!option?.reason) throw new Error(`core accepts ${algorithm} here`);
  return option.reason;
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}

async function downloadOf(page: Page, click: () => Promise<void>): Promise<{ download: Download; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(dir, `download-${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { download, bytes: readFileSync(path) };
}

async function algorithmRow(page: Page, id: string) {
  const row = page.locator(`.algorithm[data-algorithm="${id}"]`);
  return {
    disabled: await row.locator('input').isDisabled(),
    checked: await row.locator('input').isChecked(),
    reason: (await row.locator('.reason').textContent()) ?? '',
    describedBy: await row.locator('input').getAttribute('aria-describedby'),
  };
}

describe('kms-wrap.html from file://, offline', () => {
  it('wraps a P-384 key file under WrappingPublicKey.bin (RSA_4096) so that OpenSSL unwraps it', async () => {
    const page = await openPage();
    await page.setInputFiles('#key-file', join(dir, 'WrappingPublicKey.bin'));
    await expect.poll(() => page.textContent('#key-summary')).toContain('RSA_4096 wrapping public key, from WrappingPublicKey.bin');

    await page.getByLabel('Use a file I have').check();
    await page.setInputFiles('#material-file', join(dir, 'ECC_NIST_P384_PrivateKey.der'));
    await expect.poll(() => page.textContent('#material-summary')).toContain('ECC_NIST_P384: P-384 private key, PKCS#8 DER');

    // Accepted for ECC material under RSA_4096: both key wraps and both OAEPs; KMS's preferred one is preselected.
    for (const id of ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSAES_OAEP_SHA_1']) {
      expect((await algorithmRow(page, id)).disabled, id).toBe(false);
    }
    expect((await algorithmRow(page, 'RSA_AES_KEY_WRAP_SHA_256')).checked).toBe(true);
    // The others are shown disabled, with the reason core gives, tied to the radio for screen readers.
    const sm2pke = await algorithmRow(page, 'SM2PKE');
    expect(sm2pke.disabled).toBe(true);
    expect(sm2pke.reason).toBe(`Not available: ${await coreReason(p384.pkcs8, rsa4096.spki, 'standard', 'SM2PKE')}`);
    expect(sm2pke.reason).toContain(
      'SM2PKE is available only in the AWS China Regions — choose “AWS China Regions” under Region of the KMS key if the KMS key is in a China Region',
    );
    expect(sm2pke.reason).not.toMatch(/--region|region: '/);
    expect(sm2pke.describedBy).toBe('algorithm-SM2PKE-reason');
    const pkcs1 = await algorithmRow(page, 'RSAES_PKCS1_V1_5');
    expect(pkcs1.disabled).toBe(true);
    expect(pkcs1.reason).toContain('has not been accepted by AWS KMS since 10 October 2023');

    await page.getByLabel('RSA_AES_KEY_WRAP_SHA_256').check();
    const { download, bytes } = await downloadOf(page, () => page.click('#wrap'));
    expect(download.suggestedFilename()).toBe('EncryptedKeyMaterial.bin');
    expect(bytes.length).toBe(512 + Math.ceil(p384.pkcs8.length / 8) * 8 + 8);
    expect(opensslUnwrap(dir, 'RSA_AES_KEY_WRAP_SHA_256', rsa4096.pem, bytes).equals(p384.pkcs8)).toBe(true);

    await expect.poll(() => page.isVisible('#result')).toBe(true);
    // The command core's AWS target prints (one owner for it), placeholders named in the status.
    expect(await page.inputValue('#command')).toBe(awsImportCommand({ file: 'EncryptedKeyMaterial.bin' }));
    expect(await page.isHidden('#token-download')).toBe(true);
    const saved = (await page.textContent('#status'))!;
    expect(saved).toContain('Saved EncryptedKeyMaterial.bin (');
    expect(saved).toContain('Import it with the command in step 6 (set KEY_ID in the shell first, or fill step 5 in and wrap again)');
    expect(saved).not.toContain('below');
    expect(await page.textContent('#error')).toBe('');

    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    expect(existsSync(screenshotPath)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
  });

  it('takes the pasted GetParametersForImport JSON, generates SYMMETRIC_DEFAULT, wraps with RSAES_OAEP_SHA_256, and offers ImportToken.bin', async () => {
    const page = await openPage();
    const keyId = 'arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const token = Buffer.from(Array.from({ length: 96 }, (_, i) => (i * 37) & 0xff));
    const params = {
      KeyId: keyId,
      ImportToken: token.toString('base64'),
      PublicKey: rsa4096.spki.toString('base64'),
      ParametersValidTo: (Date.now() / 1000 + 86_000).toFixed(1),
    };
    await page.fill('#key-text', JSON.stringify(params, null, 4));
    await page.click('#key-use');
    await expect.poll(() => page.textContent('#key-summary')).toContain(`for KMS key ${keyId}, valid until`);

    await page.selectOption('#generate-spec', 'SYMMETRIC_DEFAULT');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#material-summary')).toBe('SYMMETRIC_DEFAULT: 32 raw bytes, generated here.');
    const kwp = await algorithmRow(page, 'RSA_AES_KEY_WRAP_SHA_256');
    expect(kwp.disabled).toBe(true);
    expect(kwp.reason).toContain('does not accept SYMMETRIC_DEFAULT material (symmetric) wrapped with RSA_AES_KEY_WRAP_SHA_256');
    expect(kwp.reason).toBe(
      `Not available: ${await coreReason(new Uint8Array(32), rsa4096.spki, 'standard', 'RSA_AES_KEY_WRAP_SHA_256', 'SYMMETRIC_DEFAULT')}`,
    );

    const material = await downloadOf(page, () => page.click('#material-download'));
    expect(material.download.suggestedFilename()).toBe('PlaintextKeyMaterial.bin');
    expect(material.bytes.length).toBe(32);

    await page.getByLabel('RSAES_OAEP_SHA_256').check();
    const wrapped = await downloadOf(page, () => page.click('#wrap'));
    expect(wrapped.bytes.length).toBe(512);
    expect(opensslUnwrap(dir, 'RSAES_OAEP_SHA_256', rsa4096.pem, wrapped.bytes).equals(material.bytes)).toBe(true);

    expect(await page.inputValue('#command')).toContain(
      `aws kms import-key-material --key-id ${keyId} --encrypted-key-material fileb://EncryptedKeyMaterial.bin`,
    );
    const importToken = await downloadOf(page, () => page.click('#token-download'));
    expect(importToken.download.suggestedFilename()).toBe('ImportToken.bin');
    expect(importToken.bytes.equals(token)).toBe(true);
    expect(await cspViolations(page)).toEqual([]);
  });

  it('wraps generated SM2 material with SM2PKE under an SM2 wrapping key in the China Regions, and OpenSSL decrypts it', async () => {
    const page = await openPage();
    await page.getByLabel('AWS China Regions').check();
    await page.setInputFiles('#key-file', join(dir, 'SM2-WrappingPublicKey.bin'));
    await expect.poll(() => page.textContent('#key-summary')).toContain('SM2 wrapping public key');
    await page.selectOption('#generate-spec', 'SM2');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#material-summary')).toContain('SM2: sm2p256v1 private key, PKCS#8 DER');

    const material = await downloadOf(page, () => page.click('#material-download'));
    expect(material.download.suggestedFilename()).toBe('SM2_PrivateKey.der');

    const sm2pke = await algorithmRow(page, 'SM2PKE');
    expect(sm2pke.disabled).toBe(false);
    expect(sm2pke.checked).toBe(true);
    const oaep = await algorithmRow(page, 'RSAES_OAEP_SHA_256');
    expect(oaep.disabled).toBe(true);
    expect(oaep.reason).toContain('RSAES_OAEP_SHA_256 needs');
    expect(oaep.reason).toBe(`Not available: ${await coreReason(material.bytes, sm2.spki, 'china', 'RSAES_OAEP_SHA_256')}`);

    const wrapped = await downloadOf(page, () => page.click('#wrap'));
    expect(opensslUnwrap(dir, 'SM2PKE', sm2.pem, wrapped.bytes).equals(material.bytes)).toBe(true);
    expect(await page.textContent('#result-summary')).toContain('with SM2PKE under the SM2 wrapping public key');
    expect(await cspViolations(page)).toEqual([]);
  });

  it('shows one-line errors in an alert region: a private key as the wrapping key, expired parameters', async () => {
    const page = await openPage();
    expect(await page.getAttribute('#error', 'role')).toBe('alert');
    expect(await page.getAttribute('#status', 'aria-live')).toBe('polite');

    await page.setInputFiles('#key-file', join(dir, 'RSA_2048_PrivateKey.der'));
    await expect.poll(() => page.getAttribute('#error', 'data-code')).toBe('ERR_PUBLIC_KEY_IS_PRIVATE');
    const text = (await page.textContent('#error'))!;
    expect(text).toMatch(/^the wrapping public key file holds .+ — give the public key \(WrappingPublicKey\.bin\)/);
    expect(text).not.toMatch(/\n/);

    const expired = {
      KeyId: 'abcd',
      ImportToken: 'AAAA',
      PublicKey: rsa4096.spki.toString('base64'),
      ParametersValidTo: '2019-09-12T10:12:00Z',
    };
    await page.fill('#key-text', JSON.stringify(expired));
    await page.click('#key-use');
    await expect.poll(() => page.textContent('#key-summary')).toContain('EXPIRED on 2019-09-12T10:12:00Z');
    expect(await page.textContent('#error')).toBe('');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#material-summary')).toContain('generated here');
    await page.click('#wrap');
    await expect.poll(() => page.getAttribute('#error', 'data-code')).toBe('ERR_PARAMETERS_EXPIRED');
    expect(await page.isHidden('#result')).toBe(true);
  });

  it('is usable from the keyboard, and every control has a label and every fieldset a legend', async () => {
    const page = await openPage();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
        .map((el) => el.id || el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
    expect(await page.evaluate(() => [...document.querySelectorAll('fieldset')].every((f) => f.querySelector(':scope > legend')))).toBe(
      true,
    );

    // Paste the key, then Tab to the key spec, choose HMAC_256 by typing, Tab to Generate, press Enter.
    await page.focus('#key-text');
    await page.keyboard.insertText(rsa4096.spki.toString('base64'));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#key-summary')).toContain('RSA_4096 wrapping public key, from the pasted text');
    await page.focus('#generate-spec');
    await page.selectOption('#generate-spec', 'HMAC_256');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('generate');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#material-summary')).toBe('HMAC_256: 32 raw bytes, generated here.');
    // Arrow keys move between the enabled algorithms only.
    await page.focus('#algorithm-RSAES_OAEP_SHA_256');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe('RSAES_OAEP_SHA_1');
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(download.suggestedFilename()).toBe('EncryptedKeyMaterial.bin');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('result-heading');
  });

  it('keeps "Wrap and download" disabled until the key, the material and an algorithm are chosen, and says what is missing', async () => {
    const page = await openPage();
    expect(await page.isDisabled('#wrap')).toBe(true);
    expect(await page.textContent('#wrap-hint')).toBe(
      'Choose the wrapping public key (step 2), the key material (step 3), an algorithm the target accepts (step 4) first.',
    );
    await page.setInputFiles('#key-file', join(dir, 'WrappingPublicKey.bin'));
    await expect
      .poll(() => page.textContent('#wrap-hint'))
      .toBe('Choose the key material (step 3), an algorithm the target accepts (step 4) first.');
    expect(await page.isDisabled('#wrap')).toBe(true);
    await page.click('#generate');
    await expect.poll(() => page.isEnabled('#wrap')).toBe(true);
    expect(await page.textContent('#wrap-hint')).toBe('');
    // Material no algorithm takes under this key: disabled again.
    await page.getByLabel('Use a file I have').check();
    await page.setInputFiles('#material-file', { name: 'odd.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(7, 1) });
    await expect.poll(() => page.textContent('#material-summary')).toContain('Not usable');
    expect(await page.isDisabled('#wrap')).toBe(true);
  });

  it('runs the keygen script (pkijs) only when the user generates', async () => {
    const page = await openPage();
    const loaded = () =>
      page.evaluate(() => ({ shared: '__kmsWrapShared' in window, modules: document.querySelectorAll('script[type="module"]').length }));
    expect(await loaded()).toEqual({ shared: false, modules: 1 });
    await page.setInputFiles('#key-file', join(dir, 'WrappingPublicKey.bin'));
    await page.getByLabel('Use a file I have').check();
    await page.setInputFiles('#material-file', join(dir, 'ECC_NIST_P384_PrivateKey.der'));
    await expect.poll(() => page.isEnabled('#wrap')).toBe(true);
    expect(await loaded()).toEqual({ shared: false, modules: 1 });
    await page.getByLabel('Generate it here').check();
    await page.selectOption('#generate-spec', 'ECC_NIST_P256');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#material-summary')).toContain('ECC_NIST_P256: P-256 private key, PKCS#8 DER');
    expect(await loaded()).toEqual({ shared: true, modules: 2 });
    // A second generation reuses the script.
    await page.click('#generate');
    await expect.poll(() => page.textContent('#status')).toContain('Generated ECC_NIST_P256');
    expect(await loaded()).toEqual({ shared: true, modules: 2 });
    expect(await cspViolations(page)).toEqual([]);
  });

  it('wraps for Azure Key Vault: asks for the KEK id by its field, writes key.byok that OpenSSL unwraps, prints az', async () => {
    const page = await openPage();
    await page.getByLabel('Azure Key Vault').check();
    expect(await page.isHidden('#region-choice')).toBe(true);
    expect(await page.textContent('#key-hint')).toContain('az keyvault key download');
    await page.setInputFiles('#key-file', join(dir, 'WrappingPublicKey.bin'));
    await page.getByLabel('Use a file I have').check();
    await page.setInputFiles('#material-file', join(dir, 'ECC_NIST_P384_PrivateKey.der'));
    await expect.poll(async () => (await algorithmRow(page, 'CKM_RSA_AES_KEY_WRAP')).checked).toBe(true);
    await page.click('#wrap');
    await expect.poll(() => page.getAttribute('#error', 'data-code')).toBe('ERR_TARGET_OPTION_INVALID');
    const error = (await page.textContent('#error'))!;
    expect(error).toContain("Azure Key Vault needs the field “The KEK's key identifier (kid)");
    expect(error).not.toContain('--kek-id');
    expect(await page.isHidden('#result')).toBe(true);

    const kid = 'https://contoso.vault.azure.net/keys/KEK/0123456789abcdef0123456789abcdef';
    await page.getByLabel("The KEK's key identifier", { exact: false }).fill(kid);
    const { download, bytes } = await downloadOf(page, () => page.click('#wrap'));
    expect(download.suggestedFilename()).toBe('key.byok');
    const byok = JSON.parse(bytes.toString('utf8')) as { header: { kid: string; enc: string }; ciphertext: string; generator: string };
    expect(byok.header).toMatchObject({ kid, enc: 'CKM_RSA_AES_KEY_WRAP' });
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(byok.generator).toBe(`kms-wrap-page/${version}`);
    expect(opensslUnwrap(dir, 'RSA_AES_KEY_WRAP_SHA_1', rsa4096.pem, Buffer.from(byok.ciphertext, 'base64url')).equals(p384.pkcs8)).toBe(
      true,
    );
    expect(await page.inputValue('#command')).toContain('az keyvault key import --vault-name contoso');
    expect(await page.textContent('#command-label')).toBe('Then run:');
    expect(await page.isHidden('#token-download')).toBe(true);
  });

  it('wraps generated AES-256 material for Vault transit as ciphertext.b64', async () => {
    const page = await openPage();
    await page.getByLabel('Vault transit').check();
    await page.setInputFiles('#key-file', join(dir, 'WrappingPublicKey.bin'));
    await page.selectOption('#generate-spec', 'SYMMETRIC_DEFAULT');
    await page.click('#generate');
    await expect.poll(() => page.textContent('#material-summary')).toBe('SYMMETRIC_DEFAULT: 32 raw bytes, generated here.');
    const material = await downloadOf(page, () => page.click('#material-download'));
    await page.getByLabel('The name of the transit key to create').fill('payments');
    await expect.poll(() => page.isEnabled('#wrap')).toBe(true);
    const { download, bytes } = await downloadOf(page, () => page.click('#wrap'));
    expect(download.suggestedFilename()).toBe('ciphertext.b64');
    const wrapped = Buffer.from(bytes.toString('ascii'), 'base64');
    expect(opensslUnwrap(dir, 'RSA_AES_KEY_WRAP_SHA_256', rsa4096.pem, wrapped).equals(material.bytes)).toBe(true);
    expect(await page.inputValue('#command')).toBe(
      'vault write transit/keys/payments/import ciphertext=@ciphertext.b64 hash_function=SHA256 type=aes256-gcm96',
    );
  });

  it('puts the expiry of the imported material into the AWS command', async () => {
    const page = await openPage();
    await page.setInputFiles('#key-file', join(dir, 'WrappingPublicKey.bin'));
    await page.click('#generate');
    await page.getByLabel('The KMS key (key id, ARN or alias) the material is for').fill('alias/payments');
    await page.getByLabel('When the imported material expires (UTC)', { exact: false }).fill('2030-01-31T12:00:00');
    await downloadOf(page, () => page.click('#wrap'));
    expect(await page.inputValue('#command')).toBe(
      'aws kms import-key-material --key-id alias/payments --encrypted-key-material fileb://EncryptedKeyMaterial.bin --import-token fileb://ImportToken.bin --expiration-model KEY_MATERIAL_EXPIRES --valid-to 2030-01-31T12:00:00Z',
    );
    expect(await page.textContent('#status')).not.toContain('set KEY_ID');
  });

  it('declares a Content-Security-Policy that forbids the network', async () => {
    const html = readFileSync(pagePath, 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(csp).toBeDefined();
    // Two scripts, each allowed by its hash: the page's, and the keygen script it runs on demand.
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*' 'sha256-[A-Za-z0-9+/]+=*'; style-src 'sha256-[A-Za-z0-9+/]+=*'; img-src data:; base-uri 'none'; form-action 'none'$/,
    );
    // One file: no external script, style, image, font or frame references.
    const markup = html.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');
    expect(/<(script|link|img|iframe|object|embed)[^>]+(src|href|data)=/i.test(markup), 'an external reference in the markup').toBe(false);
    expect(/url\(|@import|srcset=/i.test(markup), 'an external reference in the markup or CSS').toBe(false);
    expect(markup.match(/<script[^>]*>/g)).toEqual([
      '<script type="text/x-kms-wrap-keygen" id="kms-wrap-keygen">',
      '<script type="module">',
    ]);
    // And the page refuses a fetch even if something tried one.
    const page = await openPage();
    const blocked = await page.evaluate(() =>
      fetch('https://example.com/').then(
        () => 'fetched',
        (e: Error) => e.name,
      ),
    );
    expect(blocked).toBe('TypeError');
    const violations = await cspViolations(page);
    expect(violations.some((v) => v.startsWith('connect-src https://example.com'))).toBe(true);
    requests.splice(0, requests.length, ...requests.filter((r) => r !== 'https://example.com/'));
    problems.splice(0, problems.length, ...problems.filter((p) => !/example\.com|Content Security Policy/.test(p)));
  });
});

describe('dist/kms-wrap.browser.js', () => {
  it('loads with <script type="module"> from an arbitrary https origin and wraps with what it bundles', async () => {
    context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const origin = 'https://kms-wrap.example';
    const seen: string[] = [];
    page.on('request', (r) => seen.push(r.url()));
    // The host page loads the bundle the documented way, as a module script next to it.
    const host =
      '<!doctype html><title>host</title><script type="module">import * as k from "./kms-wrap.browser.js"; window.kmsWrap = k;</script>';
    await page.route(`${origin}/**`, (route) => {
      const url = new URL(route.request().url());
      if (url.pathname === '/kms-wrap.browser.js') return route.fulfill({ body: readFileSync(bundlePath), contentType: 'text/javascript' });
      return route.fulfill({ body: host, contentType: 'text/html' });
    });
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => 'kmsWrap' in window);
    const result = (await page.evaluate(`(async () => {
      const k = window.kmsWrap;
      const material = await k.generateKeyMaterial('ECC_NIST_P256');
      const der = Uint8Array.from(atob(${JSON.stringify(rsa4096.spki.toString('base64'))}), (c) => c.charCodeAt(0));
      const ct = await k.wrapKeyMaterial({ material, wrappingPublicKey: der, algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
      return { exports: Object.keys(k).sort(), length: ct.length, materialLength: material.length };
    })()`)) as { exports: string[]; length: number; materialLength: number };
    expect(result.exports).toEqual([
      'MAX_INPUT_BYTES',
      'createWebCryptoProvider',
      'downloadBytes',
      'generateKeyMaterial',
      'loadInstalledAlgorithms',
      'loadStandardAlgorithm',
      'readFileBytes',
      'wrapKeyMaterial',
    ]);
    expect(result.length).toBe(512 + Math.ceil(result.materialLength / 8) * 8 + 8);
    // The page and the one module: nothing else was fetched.
    expect(seen).toEqual([`${origin}/index.html`, `${origin}/kms-wrap.browser.js`]);
    const source = readFileSync(bundlePath, 'utf8');
    expect(source).not.toMatch(/\bfrom\s*["'][^"'./]/);
    expect(source).not.toMatch(/\bimport\s*\(\s*["'][^"'./]/);
  });
});

describe('every request of the page', () => {
  it('stayed on file:, data: or blob: — and nothing was logged as an error', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !LOCAL_URL.test(url))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
