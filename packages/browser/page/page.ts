/**
 * The offline page (dist/kms-wrap.html): choose where the key goes (AWS KMS, or another
 * target), pick the wrapping public key, make or pick key material, choose among the
 * algorithms the target accepts for them (the others disabled, with the reason core gives),
 * wrap, download the target's file, and get its import command. Everything runs here; the
 * page's Content-Security-Policy forbids every network request.
 */
import {
  AWS_KMS,
  ERROR_CODES,
  KEY_SPECS,
  KEY_SPEC_INFO,
  KmsWrapError,
  TARGETS,
  checkParametersExpiry,
  checkTargetOptions,
  createWrapper,
  inspectMaterial,
  parseImportParameters,
  parseRegion,
  parseWrappingPublicKey,
  rawLengthOf,
  zeroize,
  type AlgorithmOption,
  type KeySpec,
  type MaterialInfo,
  type Region,
  type Target,
  type TargetOption,
  type WrappingAlgorithm,
  type Wrapper,
  type WrappingPublicKey,
} from '@kms-wrap/core';
import { bytesToText, looksLikeText } from '@kms-wrap/core/encoding';
import { pluginFor } from '@kms-wrap/core/internal';
import { createWebCryptoProvider, downloadBytes, generateKeyMaterial, loadInstalledAlgorithms, readFileBytes } from '../src/index.js';

const TOKEN_NAME = 'ImportToken.bin';
/** Options the page sets itself rather than asking for: AWS's token is always downloaded as ImportToken.bin. */
const SET_BY_PAGE = new Set(['importToken']);

interface WrappingState {
  readonly key: WrappingPublicKey;
  readonly from: string;
  readonly keyId?: string;
  readonly importToken?: Uint8Array;
  readonly validTo?: Date;
}

interface MaterialState {
  readonly bytes: Uint8Array;
  readonly origin: 'generated' | 'file';
  readonly name: string;
  /** The spec it was generated as; for files, the user's choice in the select. */
  readonly generatedAs?: KeySpec;
}

// ---- the DOM -------------------------------------------------------------------------

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page template lacks #${id}`);
  return el as T;
}

const ui = {
  form: $<HTMLFormElement>('form'),
  targets: $('targets'),
  regionChoice: $<HTMLFieldSetElement>('region-choice'),
  keyHint: $('key-hint'),
  algorithmHint: $('algorithm-hint'),
  options: $('options'),
  wrapHint: $('wrap-hint'),
  commandLabel: $('command-label'),
  keyStep: $<HTMLFieldSetElement>('key-step'),
  keyFile: $<HTMLInputElement>('key-file'),
  keyText: $<HTMLTextAreaElement>('key-text'),
  keyUse: $<HTMLButtonElement>('key-use'),
  keySummary: $('key-summary'),
  materialStep: $<HTMLFieldSetElement>('material-step'),
  generatePanel: $('generate-panel'),
  filePanel: $('file-panel'),
  generateSpec: $<HTMLSelectElement>('generate-spec'),
  generate: $<HTMLButtonElement>('generate'),
  materialFile: $<HTMLInputElement>('material-file'),
  materialSpec: $<HTMLSelectElement>('material-spec'),
  materialSummary: $('material-summary'),
  materialDownload: $<HTMLButtonElement>('material-download'),
  materialClear: $<HTMLButtonElement>('material-clear'),
  algorithms: $('algorithms'),
  wrap: $<HTMLButtonElement>('wrap'),
  result: $('result'),
  resultHeading: $('result-heading'),
  resultSummary: $('result-summary'),
  resultDownload: $<HTMLButtonElement>('result-download'),
  tokenDownload: $<HTMLButtonElement>('token-download'),
  command: $<HTMLTextAreaElement>('command'),
  commandCopy: $<HTMLButtonElement>('command-copy'),
  status: $('status'),
  error: $('error'),
};

// ---- state ---------------------------------------------------------------------------

let algorithms: readonly WrappingAlgorithm[];
const wrappers = new Map<Target, Wrapper>();
let wrapper: Wrapper;
let target: Target = AWS_KMS;
let region: Region = 'standard';
let wrapping: WrappingState | undefined;
let material: MaterialState | undefined;
/** The package's version, put in by the build (scripts/bundle.mjs). */
declare const __KMS_WRAP_VERSION__: string;
const VERSION = __KMS_WRAP_VERSION__;
let output: { bytes: Uint8Array; fileName: string } | undefined;

// ---- messages ------------------------------------------------------------------------

function status(text: string): void {
  ui.status.textContent = text;
}

function clearError(): void {
  ui.error.textContent = '';
  delete ui.error.dataset['code'];
}

/** One line: the KmsWrapError's message (its code kept in data-code), or the error's name and message. */
function showError(e: unknown): void {
  status('');
  if (e instanceof KmsWrapError) {
    ui.error.textContent = e.message;
    ui.error.dataset['code'] = e.code;
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    ui.error.textContent = `unexpected ${err.name}: ${err.message.split('\n')[0]} — reload the page and try again`;
    delete ui.error.dataset['code'];
  }
}

/** Runs a user action with the buttons disabled, showing its error if it fails. */
async function act(what: () => Promise<void> | void): Promise<void> {
  clearError();
  const buttons = [...document.querySelectorAll<HTMLButtonElement>('button')];
  const was = buttons.map((b) => b.disabled);
  buttons.forEach((b) => (b.disabled = true));
  document.body.setAttribute('aria-busy', 'true');
  try {
    await what();
  } catch (e) {
    showError(e);
  } finally {
    buttons.forEach((b, i) => (b.disabled = was[i]!));
    document.body.removeAttribute('aria-busy');
    updateWrapButton();
  }
}

// ---- the target ----------------------------------------------------------------------

function wrapperFor(t: Target): Wrapper {
  let w = wrappers.get(t);
  if (!w) {
    w = createWrapper({ algorithms, crypto: createWebCryptoProvider(), target: t });
    wrappers.set(t, w);
  }
  return w;
}

function renderTargets(): void {
  const rows = Object.values(TARGETS).map((t) => {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'target';
    input.value = t.id;
    input.checked = t === target;
    input.addEventListener('change', () => setTarget(t));
    label.append(input, ` ${t.name}`);
    return label;
  });
  ui.targets.replaceChildren(...rows);
}

function setTarget(next: Target): void {
  clearError();
  target = next;
  wrapper = wrapperFor(next);
  ui.regionChoice.hidden = next !== AWS_KMS;
  if (next !== AWS_KMS && region !== 'standard') {
    region = 'standard';
    document.querySelector<HTMLInputElement>('input[name="region"][value="standard"]')!.checked = true;
    renderSpecOptions();
  }
  ui.keyHint.textContent = `From ${next.wrappingKeySource}. Pick or drop the file, or paste the text.`;
  ui.algorithmHint.textContent =
    next === AWS_KMS
      ? 'The algorithm you chose in GetParametersForImport. Only those KMS accepts for this material and wrapping key can be chosen; the others say why not.'
      : `${next.name}'s ways to import. Only those it accepts for this material and wrapping key can be chosen; the others say why not.`;
  ui.commandLabel.textContent = next === AWS_KMS ? `Then run, with ${TOKEN_NAME} from the same GetParametersForImport call:` : 'Then run:';
  ui.wrap.textContent = `Wrap and download ${next.defaultFileName}`;
  renderOptions();
  hideResult();
  renderAlgorithms();
}

/** What the page calls an option: the text of its field (errors name it, not a flag). */
function fieldName(o: TargetOption): string {
  return `the field “${optionLabel(o)}” in step 5`;
}

function optionLabel(o: TargetOption): string {
  if (o.name === 'validTo') return 'When the imported material expires (UTC); empty: it does not expire';
  return o.description.charAt(0).toUpperCase() + o.description.slice(1);
}

function renderOptions(): void {
  const rows = target.options
    .filter((o) => !SET_BY_PAGE.has(o.name))
    .map((o) => {
      const row = document.createElement('div');
      row.className = 'row';
      const input = document.createElement('input');
      input.id = `option-${o.name}`;
      input.dataset['option'] = o.name;
      input.type = o.name === 'validTo' ? 'datetime-local' : 'text';
      if (o.name === 'validTo') input.step = '1';
      input.required = o.required;
      input.spellcheck = false;
      input.autocomplete = 'off';
      if (o.name === 'keyId' && wrapping?.keyId) input.value = wrapping.keyId;
      input.addEventListener('input', hideResult);
      const label = document.createElement('label');
      label.htmlFor = input.id;
      label.textContent = `${optionLabel(o)}${o.required ? ' (required)' : ''}`;
      row.append(label, input);
      return row;
    });
  ui.options.replaceChildren(...rows);
}

/** The target's options as the user filled them in, checked by core (named as the page's fields). */
function optionValues(): Record<string, string> {
  const values: Record<string, string | undefined> = {};
  for (const input of ui.options.querySelectorAll<HTMLInputElement>('input[data-option]')) {
    const name = input.dataset['option']!;
    const value = input.value.trim();
    if (value === '') continue;
    values[name] = name === 'validTo' ? validToOf(value) : value;
  }
  if (target === AWS_KMS && wrapping?.importToken) values['importToken'] = TOKEN_NAME;
  return checkTargetOptions(target, values, fieldName);
}

/** A datetime-local value (no zone: the label says UTC) as ISO 8601 seconds. */
function validToOf(value: string): string {
  const at = new Date(`${value.length === 16 ? `${value}:00` : value}Z`);
  if (!Number.isFinite(at.getTime())) {
    throw new KmsWrapError(
      ERROR_CODES.VALID_TO_INVALID,
      `the expiry “${value}” is not a date — pick a date and time in step 5, or leave it empty`,
    );
  }
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---- wrapping public key -------------------------------------------------------------

/** The parameters JSON, or a public key as DER, base64 or PEM: told apart by content. */
function parseKeyInput(input: Uint8Array | string, from: string): WrappingState {
  const text = typeof input === 'string' ? input : looksLikeText(input) ? bytesToText(input) : undefined;
  if (text !== undefined && text.trimStart().startsWith('{')) {
    const p = parseImportParameters(text);
    return {
      key: p.wrappingKey,
      from,
      keyId: p.keyId,
      importToken: p.importToken,
      ...(p.validTo === undefined ? {} : { validTo: p.validTo }),
    };
  }
  return { key: parseWrappingPublicKey(input), from };
}

function setWrapping(next: WrappingState | undefined): void {
  wrapping = next;
  hideResult();
  const keyIdField = document.querySelector<HTMLInputElement>('#option-keyId');
  if (keyIdField && next?.keyId) keyIdField.value = next.keyId;
  if (!next) {
    ui.keySummary.textContent = 'No wrapping public key yet.';
    ui.keySummary.classList.remove('ok');
  } else {
    const parts = [`${next.key.spec} wrapping public key, from ${next.from}`];
    if (next.keyId) parts.push(`for KMS key ${next.keyId}`);
    if (next.validTo) {
      const expired = next.validTo.getTime() <= Date.now();
      parts.push(`${expired ? 'EXPIRED on' : 'valid until'} ${next.validTo.toISOString().replace('.000Z', 'Z')}`);
    }
    ui.keySummary.textContent = `${parts.join(', ')}.`;
    ui.keySummary.classList.add('ok');
  }
  renderAlgorithms();
}

async function useKeyFile(file: File): Promise<void> {
  const bytes = await readFileBytes(file, 'the wrapping public key');
  try {
    setWrapping(parseKeyInput(bytes, file.name));
  } catch (e) {
    setWrapping(undefined);
    throw e;
  }
  status(`Read the wrapping public key from ${file.name}.`);
}

function useKeyText(): void {
  const text = ui.keyText.value.trim();
  if (text === '') {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_INVALID,
      `nothing was pasted — paste the wrapping public key in base64 or PEM (${target.wrappingKeySource})`,
    );
  }
  try {
    setWrapping(parseKeyInput(text, 'the pasted text'));
  } catch (e) {
    setWrapping(undefined);
    throw e;
  }
  status('Read the wrapping public key from the pasted text.');
}

// ---- key material --------------------------------------------------------------------

function specLabel(spec: KeySpec): string {
  const info = KEY_SPEC_INFO[spec];
  const raw = rawLengthOf(spec, region);
  let what: string;
  if (raw !== undefined) what = `${raw} random bytes`;
  else if (info.rsaBits) what = `RSA ${info.rsaBits}-bit private key, PKCS#8 DER`;
  else what = `${info.curve} private key, PKCS#8 DER`;
  const where = info.regions.includes(region) ? '' : ' (China Regions only)';
  return `${spec}: ${what}${where}`;
}

function renderSpecOptions(): void {
  for (const select of [ui.generateSpec, ui.materialSpec]) {
    const current = select.value;
    for (const o of [...select.options]) if (o.value !== '') o.remove();
    for (const spec of KEY_SPECS) {
      const o = new Option(specLabel(spec), spec);
      o.disabled = !KEY_SPEC_INFO[spec].regions.includes(region);
      select.add(o);
    }
    const keep = [...select.options].find((o) => o.value === current && !o.disabled);
    select.value = keep ? current : select === ui.generateSpec ? 'SYMMETRIC_DEFAULT' : '';
  }
}

function setMaterial(next: MaterialState | undefined): void {
  if (material && material.bytes !== next?.bytes) zeroize(material.bytes);
  material = next;
  hideResult();
  ui.materialDownload.hidden = next?.origin !== 'generated';
  ui.materialClear.hidden = next === undefined;
  if (next?.origin === 'generated' && next.generatedAs) {
    ui.materialDownload.textContent = `Download the plaintext key material (${KEY_SPEC_INFO[next.generatedAs].fileName})`;
  }
  renderAlgorithms();
}

/** The key spec to pass to the engine: the generated one, or the user's choice for a file. */
function materialKeySpec(): KeySpec | undefined {
  if (!material) return undefined;
  if (material.origin === 'generated') return material.generatedAs;
  return (ui.materialSpec.value || undefined) as KeySpec | undefined;
}

function describeMaterial(info: MaterialInfo): string {
  const origin = material!.origin === 'generated' ? 'generated here' : `from ${material!.name}`;
  if (info.format === 'raw') {
    const spec = info.keySpec ?? `${info.candidates.join(' or ')} (choose the key spec if it matters)`;
    return `${spec}: ${info.length} raw bytes, ${origin}.`;
  }
  const what = info.rsaBits ? `RSA ${info.rsaBits}-bit` : `${info.curve}`;
  return `${info.keySpec}: ${what} private key, PKCS#8 DER, ${info.length} bytes, ${origin}.`;
}

async function generate(): Promise<void> {
  const spec = ui.generateSpec.value as KeySpec;
  status(`Generating ${spec} key material…`);
  const bytes = await generateKeyMaterial(spec, { region });
  setMaterial({ bytes, origin: 'generated', name: KEY_SPEC_INFO[spec].fileName, generatedAs: spec });
  status(`Generated ${spec} key material (${bytes.length} bytes). Keep a copy only if you will need to import it again.`);
}

async function useMaterialFile(file: File): Promise<void> {
  const bytes = await readFileBytes(file, 'the key material');
  setMaterial({ bytes, origin: 'file', name: file.name });
  status(`Read ${bytes.length} bytes of key material from ${file.name}.`);
}

// ---- algorithms ----------------------------------------------------------------------

function selectedAlgorithm(): string | undefined {
  return ui.algorithms.querySelector<HTMLInputElement>('input[name="algorithm"]:checked')?.value;
}

/** Every algorithm, accepted or disabled with the sentence the engine would refuse it with. */
function currentOptions(): AlgorithmOption[] {
  const known = [
    ...Object.keys(wrapper.rules.algorithms),
    ...[...wrapper.algorithms.keys()].filter((id) => !(id in wrapper.rules.algorithms)),
  ];
  const waiting = (reason: string): AlgorithmOption[] =>
    known.map((algorithm) => ({ algorithm, accepted: false, available: wrapper.algorithms.has(algorithm), reason }));
  const keySpec = materialKeySpec();
  let materialInfo: MaterialInfo | undefined;
  if (material) {
    try {
      materialInfo = inspectMaterial(material.bytes, { region, surface: 'page', ...(keySpec ? { keySpec } : {}) });
      ui.materialSummary.textContent = describeMaterial(materialInfo);
      ui.materialSummary.classList.add('ok');
    } catch (e) {
      ui.materialSummary.textContent = `Not usable: ${e instanceof Error ? e.message : String(e)}`;
      ui.materialSummary.classList.remove('ok');
      return waiting(e instanceof Error ? e.message : String(e));
    }
  } else {
    ui.materialSummary.textContent = 'No key material yet.';
    ui.materialSummary.classList.remove('ok');
  }
  if (!wrapping && !material) return waiting('Choose the wrapping public key and the key material first.');
  if (!wrapping) return waiting('Choose the wrapping public key first.');
  if (!material) return waiting('Choose or generate the key material first.');
  try {
    // Refusals say what to choose on this page (core's 'page' wording), not a flag or an option.
    return wrapper.options({
      material: material.bytes,
      wrappingPublicKey: wrapping.key,
      region,
      surface: 'page',
      ...(keySpec ? { keySpec } : {}),
    });
  } catch (e) {
    return waiting(e instanceof Error ? e.message : String(e));
  }
}

function renderAlgorithms(): void {
  const previous = selectedAlgorithm();
  const options = currentOptions();
  for (const [id, reason] of Object.entries(wrapper.rules.deprecated ?? {})) {
    options.push({ algorithm: id, accepted: false, available: false, reason });
  }
  const rows = options.map((o) => {
    const usable = o.accepted && o.available;
    const row = document.createElement('div');
    row.className = usable ? 'algorithm' : 'algorithm disabled';
    row.dataset['algorithm'] = o.algorithm;
    const input = document.createElement('input');
    input.type = 'radio';
    input.name = 'algorithm';
    input.value = o.algorithm;
    input.id = `algorithm-${o.algorithm}`;
    input.disabled = !usable;
    const label = document.createElement('label');
    label.className = 'name';
    label.htmlFor = input.id;
    label.textContent = o.algorithm;
    const reason = document.createElement('span');
    reason.className = 'reason';
    reason.id = `algorithm-${o.algorithm}-reason`;
    if (usable) reason.textContent = pluginFor({ rules: wrapper.rules, plugins: wrapper.algorithms }, o.algorithm)?.description ?? '';
    else if (o.accepted) reason.textContent = `Accepted, but no plugin for it is in this page.`;
    else reason.textContent = `Not available: ${o.reason ?? ''}`;
    input.setAttribute('aria-describedby', reason.id);
    row.append(input, label, reason);
    return row;
  });
  ui.algorithms.replaceChildren(...rows);
  // Keep the user's choice if it is still accepted, else take KMS's preferred accepted one.
  const inputs = [...ui.algorithms.querySelectorAll<HTMLInputElement>('input[name="algorithm"]')].filter((i) => !i.disabled);
  const pick = inputs.find((i) => i.value === previous) ?? inputs[0];
  if (pick) pick.checked = true;
  updateWrapButton();
}

/** Enabled once there is a wrapping key, material and an accepted algorithm; the hint says what is missing. */
function updateWrapButton(): void {
  const missing = [
    !wrapping && 'the wrapping public key (step 2)',
    !material && 'the key material (step 3)',
    !selectedAlgorithm() && 'an algorithm the target accepts (step 4)',
  ].filter((m): m is string => typeof m === 'string');
  ui.wrap.disabled = missing.length > 0 || document.body.hasAttribute('aria-busy');
  ui.wrapHint.textContent = missing.length > 0 ? `Choose ${missing.join(', ')} first.` : '';
}

// ---- wrapping and the result ---------------------------------------------------------

function hideResult(): void {
  ui.result.hidden = true;
}

async function wrapNow(): Promise<void> {
  if (!wrapping) {
    throw new KmsWrapError(
      ERROR_CODES.PUBLIC_KEY_INVALID,
      `no wrapping public key yet — pick it or paste it in step 2 (${target.wrappingKeySource})`,
    );
  }
  if (!material) {
    throw new KmsWrapError(ERROR_CODES.MATERIAL_INVALID, 'no key material yet — generate it or pick the material file (step 3)');
  }
  if (target === AWS_KMS)
    checkParametersExpiry(wrapping.validTo, Date.now(), { refetch: 'call get-parameters-for-import again (they are valid for 24 hours)' });
  const algorithm = selectedAlgorithm();
  if (!algorithm) {
    const reason = ui.algorithms.querySelector('.reason')?.textContent?.replace(/^Not available: /, '');
    throw new KmsWrapError(
      ERROR_CODES.COMBINATION_REJECTED,
      `no wrapping algorithm ${target.name} accepts is chosen — ${reason ?? 'choose one in step 4'}`,
    );
  }
  // Every option is checked before anything is wrapped or downloaded.
  const options = optionValues();
  const keySpec = materialKeySpec();
  status(`Wrapping with ${algorithm}…`);
  const result = await wrapper.wrap({
    material: material.bytes,
    wrappingPublicKey: wrapping.key,
    algorithm,
    region,
    surface: 'page',
    ...(keySpec ? { keySpec } : {}),
  });
  const envelope = target.envelope(result, { options, generator: `kms-wrap-page/${VERSION}` });
  output = { bytes: envelope.bytes, fileName: envelope.fileName };
  downloadBytes(output.bytes, output.fileName);
  const spec = result.keySpec ?? result.keySpecCandidates.join(' or ');
  ui.resultSummary.textContent = `Wrapped ${spec} key material with ${result.algorithm} under the ${result.wrappingKeySpec} wrapping public key: ${output.fileName}, ${output.bytes.length} bytes.`;
  ui.resultDownload.textContent = `Download ${output.fileName} again`;
  ui.command.value = envelope.nextCommand;
  ui.tokenDownload.hidden = target !== AWS_KMS || wrapping.importToken === undefined;
  ui.result.hidden = false;
  // The values the command leaves to the user: shell variables core names (one owner for them).
  const placeholders = (envelope.placeholders ?? []).map((p) => p.name);
  const fill = placeholders.length > 0 ? ` (set ${placeholders.join(', ')} in the shell first, or fill step 5 in and wrap again)` : '';
  status(`Saved ${output.fileName} (${output.bytes.length} bytes). Import it with the command in step 6${fill}.`);
  ui.resultHeading.focus();
}

async function copyCommand(): Promise<void> {
  const text = ui.command.value;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    ui.command.select();
    if (!document.execCommand('copy'))
      throw new KmsWrapError(ERROR_CODES.FILE_UNWRITABLE, 'the clipboard is not available here — select the command and copy it by hand');
  }
  status('Copied the command.');
}

// ---- wiring --------------------------------------------------------------------------

function onDrop(target: HTMLElement, use: (file: File) => Promise<void>): void {
  target.addEventListener('dragover', (e) => {
    e.preventDefault();
    target.classList.add('dragging');
  });
  target.addEventListener('dragleave', () => target.classList.remove('dragging'));
  target.addEventListener('drop', (e) => {
    e.preventDefault();
    target.classList.remove('dragging');
    const file = e.dataTransfer?.files[0];
    if (file) void act(() => use(file));
  });
}

function onFile(input: HTMLInputElement, use: (file: File) => Promise<void>): void {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file) void act(() => use(file));
  });
}

async function main(): Promise<void> {
  algorithms = await loadInstalledAlgorithms();
  renderTargets();
  renderSpecOptions();
  setTarget(AWS_KMS);

  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="region"]')) {
    r.addEventListener('change', () => {
      clearError();
      region = parseRegion(r.value);
      renderSpecOptions();
      hideResult();
      renderAlgorithms();
    });
  }
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="material-source"]')) {
    r.addEventListener('change', () => {
      ui.generatePanel.hidden = r.value !== 'generate';
      ui.filePanel.hidden = r.value !== 'file';
    });
  }
  onFile(ui.keyFile, useKeyFile);
  onFile(ui.materialFile, useMaterialFile);
  onDrop(ui.keyStep, useKeyFile);
  onDrop(ui.materialStep, useMaterialFile);
  // A file dropped anywhere else must not replace the page.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());

  ui.keyUse.addEventListener('click', () => void act(useKeyText));
  ui.keyText.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void act(useKeyText);
  });
  ui.materialSpec.addEventListener('change', () => {
    hideResult();
    renderAlgorithms();
  });
  ui.algorithms.addEventListener('change', hideResult);
  ui.generate.addEventListener('click', () => void act(generate));
  ui.materialDownload.addEventListener('click', () => {
    if (material) downloadBytes(material.bytes, material.name);
  });
  ui.materialClear.addEventListener('click', () => {
    clearError();
    ui.materialFile.value = '';
    setMaterial(undefined);
    status('Forgot the key material (its bytes were overwritten).');
  });
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    void act(wrapNow);
  });
  ui.resultDownload.addEventListener('click', () => {
    if (output) downloadBytes(output.bytes, output.fileName);
  });
  ui.tokenDownload.addEventListener('click', () => {
    if (wrapping?.importToken) downloadBytes(wrapping.importToken, TOKEN_NAME);
  });
  ui.commandCopy.addEventListener('click', () => void act(copyCommand));
  window.addEventListener('pagehide', () => setMaterial(undefined));

  document.body.dataset['ready'] = 'true';
}

main().catch((e: unknown) => {
  showError(e);
  document.body.dataset['ready'] = 'failed';
});
