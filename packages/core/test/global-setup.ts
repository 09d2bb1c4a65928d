/** Generates the test keys once per run (RSA_4096 alone takes a second or more) and provides them to every test file. */
import type { TestProject } from 'vitest/node';
import { generateKeys, serializeKeys } from './keys.js';

export default async function setup(project: TestProject): Promise<void> {
  project.provide('coreKeys', serializeKeys(await generateKeys()));
}
