/**
 * A job's id from the batch and the variant's storage key (`variants/<id>/<hash>.<ext>`): the same
 * variant queued twice for one batch is one job. Eager jobs share the `eager` namespace.
 */
export function variantJobId(batchId: string | undefined, variantKey: string): string {
  // BullMQ reserves `:` in ids; keys and ids here are [A-Za-z0-9._-] and `/`.
  return `${batchId ?? 'eager'}.${variantKey.replace(/^variants\//, '').replaceAll('/', '.')}`;
}
