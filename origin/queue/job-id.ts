/**
 * A job's id from the batch and the variant it makes: the same variant queued twice for one
 * batch is one job. Eager jobs share the `eager` namespace.
 */
export function variantJobId(batchId: string | undefined, variant: { imageId: string; hash: string; format: string }): string {
  // BullMQ reserves `:` in ids; ids and hashes here are [A-Za-z0-9_-].
  return `${batchId ?? 'eager'}.${variant.imageId}.${variant.hash}.${variant.format}`;
}
