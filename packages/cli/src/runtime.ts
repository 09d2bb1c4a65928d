/** The wrapper the commands share: every installed standard plugin over node:crypto. */
export { standardWrapper } from '@kms-wrap/node';
