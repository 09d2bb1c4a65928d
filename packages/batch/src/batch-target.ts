/** The target of a batch: a name parseTarget knows, or one of core's Target objects. */
import { AWS_KMS, TARGETS, TARGET_IDS, parseTarget, type Target, type TargetId } from '@kms-wrap/core';

/** AWS KMS by default. Only core's targets: each worker thread finds the batch's again by its id. */
export function batchTarget(given: string | Target | undefined): Target {
  if (given === undefined) return AWS_KMS;
  const target = parseTarget(given);
  if (TARGETS[target.id as TargetId] !== target) {
    throw new TypeError(
      `options.target must be a name or one of core's TARGETS (${TARGET_IDS.join(', ')}): a Target of your own cannot be sent to the worker threads`,
    );
  }
  return target;
}
